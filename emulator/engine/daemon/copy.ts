// `docker cp` (moby's daemon/archive.go; drydock's route has both ends in the guest), and the CLI's own small files
// read from the guest (`--env-file`: the docker CLI reads them on its host, which for drydock's CLI is the guest).
import { containerPath, copyError, copyScript } from '../containers/container-copy.ts';
import { EngineError } from '../errors.ts';
import { overlayLowerDirs } from '../runtime/lower.ts';
import { quoteWord } from '../runtime/shell-quote.ts';
import { decoder, type DaemonState } from './daemon-state.ts';

/** drydock's `POST /containers/{id}/drydock-cp` body: both paths as the user typed them (the guest one absolute). */
export interface CopyBody {
  ToContainer?: boolean;
  ContainerPath: string;
  GuestPath: string;
  Archive?: boolean;
  FollowLink?: boolean;
}

/** `--env-file` and the like: small files, over the agent's serial line (~50 KB/s) */
const GUEST_FILE_LIMIT = 256 * 1024;

/**
 * A running container's files are reached through its PID 1's root (volumes included), a stopped one's through its
 * overlay (mounted for the copy if need be).
 */
export async function copy(d: DaemonState, ref: string, body: CopyBody): Promise<{ Size: number }> {
  const record = d.deps.containers.get(ref);
  const guest = d.deps.guest();
  if (!guest) throw new EngineError('CONFLICT', 'the machine is not running, so files cannot be copied now');
  // a stopped container's overlay is mounted for the copy: not while its exit's unmount is still under way
  await d.released(record.id);
  let root: string;
  let prologue = '';
  if ((record.state.status === 'running' || record.state.status === 'paused') && d.known(record.id)) {
    root = `/proc/${await d.runtime().findPid(record.id)}/root`;
    d.syncPid(record.id);
  } else {
    const o = record.overlay;
    const q = quoteWord;
    const lowers = overlayLowerDirs(o, record.bundle);
    root = o.mergedDir;
    // Mounted only for the copy (and unmounted on exit): the runtime's create mounts it again at start. The
    // container's storage tmpfs first (a created container's bundle has none yet): it stays, as after a stop.
    prologue =
      (await d.runtime().storageScript({ id: record.id, bundle: record.bundle, rootfs: o })) +
      `if ! grep -q ${q(` ${o.mergedDir} `)} /proc/mounts; then mkdir -p ${q(o.upperDir)} ${q(o.workDir)} ${q(o.mergedDir)} ${lowers.map(q).join(' ')} && ` +
      `mount -t overlay overlay -o ${q(`lowerdir=${lowers.join(':')},upperdir=${o.upperDir},workdir=${o.workDir}`)} ${q(o.mergedDir)} || exit 20; ` +
      `trap ${q(`umount ${q(o.mergedDir)}`)} EXIT; fi\n`;
  }
  const inContainer = `${root}${containerPath(body.ContainerPath) === '/' ? '' : containerPath(body.ContainerPath)}`;
  const guestPath = containerPath(body.GuestPath);
  const toContainer = body.ToContainer === true;
  const typedSrc = toContainer ? body.GuestPath : body.ContainerPath;
  const typedDst = toContainer ? body.ContainerPath : body.GuestPath;
  const script = copyScript({
    src: toContainer ? guestPath : inContainer,
    dst: toContainer ? inContainer : guestPath,
    archive: toContainer && body.Archive === true,
    followLink: body.FollowLink === true,
    contentsOnly: /\/\.$/.test(typedSrc),
    dstIsDir: typedDst.endsWith('/'),
  });
  const r = await guest.exec(['sh', '-c', prologue + script], { timeoutMs: 10 * 60_000 });
  if (r.exitCode === 20) throw new EngineError('EXEC_FAILED', `mounting the file system of container ${record.id} failed: ${decoder.decode(r.stderr).trim()}`);
  if (r.exitCode !== 0) {
    const side = toContainer ? { dst: record.name } : { src: record.name };
    const e = copyError(r.exitCode, { src: typedSrc, dst: typedDst }, side);
    if (e.code === 'EXEC_FAILED') throw new EngineError('EXEC_FAILED', `${e.message}: ${decoder.decode(r.stderr).trim()}`);
    throw e;
  }
  return { Size: Number(decoder.decode(r.stdout).trim().split('\n').pop() || 0) * 1024 };
}

/**
 * drydock extension for the CLI's own small files (`--env-file`): read from the share directly when the path is
 * plainly under it, else through the agent's serial line, so capped at GUEST_FILE_LIMIT.
 */
export async function guestFile(d: DaemonState, path: string): Promise<Uint8Array> {
  const guest = d.deps.guest();
  if (!guest) throw new EngineError('CONFLICT', 'the machine is not running, so its files cannot be read now');
  if (!path.startsWith('/')) throw new EngineError('INVALID_ARGUMENT', `not an absolute path: ${path}`);
  const direct = await d.deps.shareFile?.(path);
  if (direct === null) throw new EngineError('NOT_FOUND', `open ${path}: no such file or directory`);
  if (direct !== undefined) {
    if (direct.length > GUEST_FILE_LIMIT) throw new EngineError('INVALID_ARGUMENT', `${path}: larger than ${GUEST_FILE_LIMIT / 1024} KiB`);
    return direct;
  }
  const r = await guest.exec(['sh', '-c', '[ -f "$1" ] || exit 3; [ -r "$1" ] || exit 4; exec head -c $2 "$1"', 'guest-file', path, String(GUEST_FILE_LIMIT + 1)], { timeoutMs: 30_000 });
  if (r.exitCode === 3) throw new EngineError('NOT_FOUND', `open ${path}: no such file or directory`);
  if (r.exitCode !== 0) throw new EngineError('INVALID_ARGUMENT', `open ${path}: permission denied`);
  if (r.stdout.length > GUEST_FILE_LIMIT) throw new EngineError('INVALID_ARGUMENT', `${path}: larger than ${GUEST_FILE_LIMIT / 1024} KiB`);
  return r.stdout;
}
