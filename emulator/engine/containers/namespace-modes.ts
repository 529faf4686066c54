// HostConfig.IpcMode, PidMode and UTSMode as moby's container package reads them (`host`, `container:<ref>`,
// the IPC modes `private`, `shareable`, `none`), and `--tmpfs` mounts as the daemon checks and merges their options.

/** moby IpcMode.Valid(): "", private, none, shareable, host, container:<non-empty> */
export function validIpcMode(mode: string): boolean {
  return ['', 'private', 'none', 'shareable', 'host'].includes(mode) || (mode.startsWith('container:') && mode.length > 'container:'.length);
}

/** moby PidMode.Valid(): "", host, container:<non-empty> */
export function validPidMode(mode: string): boolean {
  return mode === '' || mode === 'host' || (mode.startsWith('container:') && mode.length > 'container:'.length);
}

/** moby UTSMode.Valid(): "" or host (dockerd joins no other container's UTS namespace) */
export function validUtsMode(mode: string): boolean {
  return mode === '' || mode === 'host';
}

/** The container a `container:<ref>` mode names, or undefined. */
export function modeContainer(mode: string | undefined): string | undefined {
  return mode?.startsWith('container:') ? mode.slice('container:'.length) : undefined;
}

/** The IPC mode a container ends up with: the daemon's default-ipc-mode is `private` (Docker 20.10+). */
export function effectiveIpcMode(mode: string | undefined): string {
  return mode || 'private';
}

/** Flags mount.MergeTmpfsOptions knows, each with the flag it cancels. */
const TMPFS_FLAGS: Readonly<Record<string, string>> = {
  rw: 'ro', ro: 'rw', exec: 'noexec', noexec: 'exec', suid: 'nosuid', nosuid: 'suid', dev: 'nodev', nodev: 'dev',
  atime: 'noatime', noatime: 'atime', diratime: 'nodiratime', nodiratime: 'diratime', relatime: 'norelatime', norelatime: 'relatime',
  strictatime: 'nostrictatime', nostrictatime: 'strictatime', sync: 'async', async: 'sync', dirsync: '', mand: 'nomand', nomand: 'mand',
  private: '', rprivate: '', shared: '', rshared: '', slave: '', rslave: '',
};
const TMPFS_DATA = ['size', 'mode', 'uid', 'gid', 'nr_inodes', 'nr_blocks', 'mpol'];

/**
 * A `--tmpfs` mount's options as dockerd gives them to the runtime: noexec, nosuid, nodev and rprivate first,
 * then the user's, a later flag cancelling an earlier opposite one and a later `size=` replacing an earlier one
 * (mount.MergeTmpfsOptions). Throws `invalid tmpfs option "x"` for what it does not know.
 */
export function tmpfsOptions(data: string): string[] {
  const options = ['noexec', 'nosuid', 'nodev', 'rprivate', ...(data === '' ? [] : data.split(','))];
  const out: string[] = [];
  for (const option of options) {
    const key = option.split('=')[0] as string;
    if (option.includes('=')) {
      if (!TMPFS_DATA.includes(key)) throw new Error(`invalid tmpfs option ${JSON.stringify(option)}`);
      const at = out.findIndex((o) => o.startsWith(`${key}=`));
      if (at >= 0) out.splice(at, 1);
      out.push(option);
      continue;
    }
    if (!(option in TMPFS_FLAGS)) throw new Error(`invalid tmpfs option ${JSON.stringify(option)}`);
    const opposite = TMPFS_FLAGS[option];
    const drop = out.findIndex((o) => o === option || (opposite !== '' && o === opposite));
    if (drop >= 0) out.splice(drop, 1);
    out.push(option);
  }
  return out;
}

/** The daemon's check of a `--tmpfs` destination (volumemounts ValidateTmpfsMountDestination). */
export function tmpfsDestinationError(destination: string): string | undefined {
  if (destination === '/') return "invalid specification: destination can't be '/'";
  if (!destination.startsWith('/')) return `invalid mount path: '${destination}' mount path must be absolute`;
  return undefined;
}
