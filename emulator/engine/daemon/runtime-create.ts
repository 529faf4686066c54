// The first half of a start (moby's containerStart up to the task's create, runc create): the image's layers present,
// the OCI spec built with the image's users, the devices, the joined namespaces and the network, the container
// created in the runtime, its bundle files written and args[0] checked as runc checks it. A refusal on the way is
// recorded on the container (State.Error, exit 127/126/128) as dockerd records it.
import type { ContainerRecord } from '../containers/container-store.ts';
import { forgetContainer } from '../containers/container-ops.ts';
import { bundleFiles } from '../containers/bundle.ts';
import { INIT_PATH, type ResolvedDevice } from '../containers/spec.ts';
import { resolveExecutable, startFailureMessage, type PathKind } from '../containers/start-errors.ts';
import { effectiveIpcMode, modeContainer } from '../containers/namespace-modes.ts';
import { EngineError } from '../errors.ts';
import type { GuestExec } from '../runtime/guest-exec.ts';
import type { ContainerRuntime } from '../runtime/runtime.ts';
import { quoteWord } from '../runtime/shell-quote.ts';
import type { PreparedNetwork } from '../network/container-networking.ts';
import { decoder, running, type DaemonState } from './daemon-state.ts';

/**
 * Lowers the container into the guest (cgroup, overlay), writes its bundle files and checks args[0] like
 * runc. On a start failure the record says why (exit 127/126) and the guest side is gone again.
 */
export async function createInRuntime(d: DaemonState, record: ContainerRecord): Promise<ContainerRuntime> {
  const rt = d.runtime();
  const guest = d.guest;
  await d.deps.ensureLayers?.(record);
  // A stopped container keeps its writes (the upper dir) across stop/start and restart, as Docker's do.
  await d.deleteInRuntime(record.id, { keepUpper: true });
  // Always, as moby's getUser: root too gets HOME and the groups /etc/group lists it in.
  const etc = await imageEtc(d, record);
  const devices = await resolveDevices(guest, record);
  let joined: ReturnType<typeof joinedNamespaces>;
  try {
    joined = joinedNamespaces(d, record);
  } catch (e) {
    await startFailed(d, record, e);
    throw e;
  }
  const net = await prepareNetwork(d, record);
  let spec: ReturnType<typeof bundleFiles>['spec'];
  let files: ReturnType<typeof bundleFiles>['files'];
  try {
    // the network model may have changed the record (`container:X` takes X's host name)
    ({ spec, files } = bundleFiles(d.deps.containers.get(record.id), etc, net, devices, joined));
    // Docker fills a volume from the image at the container's create; here at its first start, the first time
    // its overlay is mounted (nothing ran in it yet, so the same content)
    const populate = record.state.startedAt === 0 ? record.mounts.filter((m) => m.type === 'volume' && !m.noCopy).map((m) => ({ source: m.source, destination: m.destination })) : [];
    await rt.create(spec, { id: record.id, bundle: record.bundle, rootfs: record.overlay }, { ...(net ? { network: net.network } : {}), populate });
  } catch (e) {
    await d.deps.networking?.release(record.id);
    throw e;
  }
  try {
    const p = spec.process;
    // with --init the command is docker-init's: its args[0] is the one that must exist in the image
    const arg0 = (p.args[0] === INIT_PATH ? p.args[2] : p.args[0]) ?? '';
    const [kinds] = await Promise.all([
      probePaths(guest, record.overlay.mergedDir, candidates(arg0, p.env ?? [], p.cwd)),
      ...(['hostname', 'hosts', 'resolv.conf'] as const).map((f) => guest.writeFile(`${record.bundle}/${f}`, files[f], { mode: 0o644 })),
    ]);
    const found = await resolveExecutable(arg0, p.env ?? [], p.cwd, async (path) => kinds.get(path) ?? 'missing');
    if (!found.ok) {
      const message = startFailureMessage(found.reason);
      await rt.delete(record.id, { keepUpper: true });
      await d.deps.containers.markStartFailed(record.id, { exitCode: found.exitCode, error: message });
      if (record.hostConfig.AutoRemove) await forgetContainer(d.deps, record, { volumes: true });
      throw new EngineError('INVALID_ARGUMENT', message, { details: { exitStatus: found.exitCode } });
    }
  } catch (e) {
    // the start's own error is the one to report; a delete that fails too leaves the mount to the next create's delete
    if (d.known(record.id)) await rt.delete(record.id, { keepUpper: true }).catch(() => undefined);
    await d.deps.networking?.release(record.id);
    throw e;
  }
  return rt;
}

/**
 * `--ipc container:X` and `--pid container:X`: X's PID 1 and bundle, with dockerd's refusals (getIPCContainer,
 * getPIDContainer): X must exist and run, and for IPC have been started `--ipc shareable`.
 */
export function joinedNamespaces(d: DaemonState, record: ContainerRecord): { ipc?: { pid: number; bundle: string }; pid?: number } {
  const donor = (ref: string) => {
    const other = d.deps.containers.find(ref);
    if (!other) throw new EngineError('NOT_FOUND', `No such container: ${ref}`, { details: { origin: 'daemon' } });
    if (other.state.status === 'restarting') throw new EngineError('CONFLICT', `Container ${other.id} is restarting, wait until the container is running`, { details: { origin: 'daemon' } });
    if (!running(other) || other.state.pid <= 0) throw new EngineError('CONFLICT', `container ${other.id} is not running`, { details: { origin: 'daemon' } });
    return other;
  };
  const out: { ipc?: { pid: number; bundle: string }; pid?: number } = {};
  const ipcRef = modeContainer(record.hostConfig.IpcMode);
  if (ipcRef !== undefined) {
    const other = donor(ipcRef);
    if (effectiveIpcMode(other.hostConfig.IpcMode) !== 'shareable') {
      throw new EngineError('INVALID_ARGUMENT', `container ${ipcRef}: non-shareable IPC (hint: use IpcMode:shareable for the donor container)`, { details: { origin: 'daemon' } });
    }
    out.ipc = { pid: other.state.pid, bundle: other.bundle };
  }
  const pidRef = modeContainer(record.hostConfig.PidMode);
  if (pidRef !== undefined) out.pid = donor(pidRef).state.pid;
  return out;
}

/** `--device` nodes looked up in the guest (one process, only when there are some), with the daemon's error. */
async function resolveDevices(guest: GuestExec, record: ContainerRecord): Promise<ResolvedDevice[]> {
  const wanted = record.hostConfig.Devices ?? [];
  if (wanted.length === 0) return [];
  const r = await guest.exec(['stat', '-L', '-c', '%F|%t|%T|%a|%u|%g', ...wanted.map((dev) => dev.PathOnHost)], { timeoutMs: 30_000 });
  const lines = decoder.decode(r.stdout).split('\n');
  return wanted.map((dev, i) => {
    const [kind, major, minor, mode, uid, gid] = (lines[i] ?? '').split('|');
    const type = kind === 'character special file' ? 'c' : kind === 'block special file' ? 'b' : undefined;
    if (r.exitCode !== 0 && !type) throw new EngineError('NOT_FOUND', `error gathering device information while adding custom device "${dev.PathOnHost}": no such file or directory`, { details: { origin: 'daemon' } });
    if (!type) throw new EngineError('INVALID_ARGUMENT', `error gathering device information while adding custom device "${dev.PathOnHost}": not a device node`, { details: { origin: 'daemon' } });
    return { pathInContainer: dev.PathInContainer, type, major: parseInt(major!, 16), minor: parseInt(minor!, 16), permissions: dev.CgroupPermissions, fileMode: parseInt(mode!, 8), uid: Number(uid), gid: Number(gid) };
  });
}

/** The network model's part of a start. Its refusal fails the start as dockerd records it (exit 128, State.Error). */
async function prepareNetwork(d: DaemonState, record: ContainerRecord): Promise<PreparedNetwork | undefined> {
  if (!d.deps.networking) return undefined;
  try {
    return await d.deps.networking.prepare(record);
  } catch (e) {
    await startFailed(d, record, e);
    throw e;
  }
}

/**
 * A start refused: State.Error and the exit code as dockerd records them, and `--rm` applied. Best-effort: the
 * refusal itself is what the caller reports, and a store that fails here fails that caller's next step too.
 */
export async function startFailed(d: DaemonState, record: ContainerRecord, e: unknown): Promise<void> {
  await d.deps.containers.markStartFailed(record.id, { exitCode: record.state.exitCode || 128, error: (e as Error).message }).catch(() => undefined);
  if (record.hostConfig.AutoRemove) await forgetContainer(d.deps, d.deps.containers.get(record.id), { volumes: true }).catch(() => undefined);
}

/**
 * Once PID 1 runs, before the container counts as started: its ports published and DNS views updated. A
 * failure stops the start: the container is killed and the start reported failed, as dockerd does.
 */
export async function networkStarted(d: DaemonState, rt: ContainerRuntime, record: ContainerRecord, pid: number): Promise<void> {
  try {
    await d.deps.networking?.started(record, pid);
  } catch (e) {
    // the network's refusal is the error to report; a delete that fails too is redone by the next create
    await rt.delete(record.id, { keepUpper: true }).catch(() => undefined);
    await startFailed(d, d.deps.containers.get(record.id), e);
    throw e;
  }
}

/** /etc/passwd and /etc/group of the image (topmost layer that has them): user, HOME and groups. */
export async function imageEtc(d: DaemonState, record: ContainerRecord): Promise<{ passwd?: string; group?: string }> {
  const view = d.deps.imageFiles(record);
  // an image without the file is an image without users: moby's getUser then knows only numeric ids and root
  const read = async (file: string) => view?.readFile(file).then((bytes) => decoder.decode(bytes), () => undefined);
  const [passwd, group] = await Promise.all([read('/etc/passwd'), read('/etc/group')]);
  return { ...(passwd !== undefined ? { passwd } : {}), ...(group !== undefined ? { group } : {}) };
}

/** What each candidate path is inside the container's root, in one guest round trip. */
async function probePaths(guest: GuestExec, root: string, paths: string[]): Promise<Map<string, PathKind>> {
  const lines = paths.map((p) => {
    const q = quoteWord(`${root}${p}`);
    // An absolute symlink points into the guest's root here, not the container's: let the runtime try it.
    return `if [ -d ${q} ]; then echo d; elif [ -L ${q} ] || [ -x ${q} ]; then echo x; elif [ -e ${q} ]; then echo n; else echo m; fi`;
  });
  // a bound, not an expectation: it answers in milliseconds, but 8 starts at once on a loaded machine took > 10 s
  const r = await guest.exec(['sh', '-c', lines.join('\n')], { timeoutMs: 60_000 });
  const out = decoder.decode(r.stdout).split('\n');
  const kind: Record<string, PathKind> = { d: 'directory', x: 'executable', n: 'not-executable', m: 'missing' };
  return new Map(paths.map((p, i) => [p, kind[out[i] ?? 'm'] ?? 'missing']));
}

/** args[0] candidates runc's lookup looks at, so one guest round trip answers them all. */
function candidates(arg0: string, env: readonly string[], cwd: string): string[] {
  if (arg0.includes('/')) return [arg0.startsWith('/') ? arg0 : `${cwd.replace(/\/$/, '')}/${arg0}`].map((p) => p.replace(/\/\.\//g, '/'));
  const path = env.find((e) => e.startsWith('PATH='))?.slice(5) ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  return path.split(':').map((dir) => `${(dir === '' ? cwd : dir).replace(/\/$/, '')}/${arg0}`);
}
