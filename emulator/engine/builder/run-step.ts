// RUN: the command in a build container (the engine's own runtime, a spec from containers/spec.ts) whose root
// is an overlay of the step's layers; its upper dir, tarred by the guest into the share, becomes the layer.
import { unpackTar } from 'modern-tar';
import { DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS, DEFAULT_SHM_SIZE } from '../containers/container-config.ts';
import type { ContainerConfig, HostConfig } from '../api/types/container.ts';
import { opaqueProbeScript, parseOpaque } from '../containers/container-changes.ts';
import { layerFromUpperTar } from '../containers/container-commit.ts';
import { buildRuntimeSpec } from '../containers/spec.ts';
import { resolveExecutable, type PathKind } from '../containers/start-errors.ts';
import { EngineError } from '../errors.ts';
import type { GuestFs } from '../overlay/guest-fs.ts';
import type { GuestExec, GuestExitStatus } from '../runtime/guest-exec.ts';
import { ContainerRuntime } from '../runtime/runtime.ts';
import { quoteWord } from '../runtime/shell-quote.ts';
import { resolveInRoot } from './root-path.ts';
import type { RootfsView } from '../overlay/rootfs-view.ts';

export interface RunStepInput {
  guest: GuestExec;
  /** the share as a GuestFs, and where the guest mounts it */
  fs: GuestFs;
  shareMount: string;
  /** GuestFs directories of the layers below, lowest first */
  layerDirs: readonly string[];
  /** the merged image below, for mount stubs and /etc/passwd */
  image: RootfsView;
  args: string[];
  env: string[];
  user: string;
  workdir: string;
  onOutput: (bytes: Uint8Array, stream: 1 | 2) => void;
  signal?: AbortSignal;
}

export interface RunStepResult {
  /** the OCI layer tar of the step's changes; undefined when nothing changed */
  layerTar?: Uint8Array;
}

/** A RUN whose process failed: BuildKit's message (`process "/bin/sh -c exit 3" did not complete successfully: exit code: 3`). */
export class RunFailed extends EngineError {
  constructor(
    readonly args: string[],
    readonly exitCode: number,
  ) {
    super('EXEC_FAILED', `process ${JSON.stringify(args.join(' '))} did not complete successfully: exit code: ${exitCode}`);
  }
}

/** Mount points the runtime makes when the image lacks them; BuildKit removes such stubs from the layer. */
const MOUNT_STUBS = ['/dev', '/proc', '/sys', '/etc/hosts', '/etc/hostname', '/etc/resolv.conf'];

/** Where build containers live in the guest (tmpfs), and where their upper dirs are tarred to (the share). */
export const BUILD_CONTAINERS = '/var/lib/drydock/builds';
export const BUILD_SHARE_DIR = '/builds';

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return `build-${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function hostConfig(): HostConfig {
  return {
    Binds: null, NetworkMode: 'none', RestartPolicy: { Name: 'no', MaximumRetryCount: 0 }, AutoRemove: true, CapAdd: null, CapDrop: null,
    Privileged: false, ReadonlyRootfs: false, ShmSize: DEFAULT_SHM_SIZE, Memory: 0, MemorySwap: 0, NanoCpus: 0, CpuPeriod: 0, CpuQuota: 0,
    PidsLimit: null, MaskedPaths: [...DEFAULT_MASKED_PATHS], ReadonlyPaths: [...DEFAULT_READONLY_PATHS],
  };
}

const text = async (image: RootfsView, path: string) => ((await image.lstat(path))?.kind === 'file' ? new TextDecoder().decode(await image.readFile(path)) : undefined);

/** args[0] in the image, looked up like runc does (PATH, symlinks followed inside the image), without a guest round trip. */
async function startFailure(input: RunStepInput): Promise<string | undefined> {
  const probe = async (path: string): Promise<PathKind> => {
    let st;
    try {
      st = await input.image.lstat(await resolveInRoot(path, (p) => input.image.lstat(p)));
    } catch {
      return 'missing'; // a link loop
    }
    if (!st) return 'missing';
    if (st.kind === 'directory') return 'directory';
    return st.kind === 'file' && (st.mode & 0o111) !== 0 ? 'executable' : 'not-executable';
  };
  const found = await resolveExecutable(input.args[0] ?? '', input.env, input.workdir || '/', probe);
  return found.ok ? undefined : found.reason;
}

/** What a cancelled build's step throws (the client went away: ^C, a killed `docker build`, a closed connection). */
export function cancelled(): EngineError {
  return new EngineError('ABORTED', 'the build was cancelled');
}

export async function runStep(input: RunStepInput): Promise<RunStepResult> {
  if (input.signal?.aborted) throw cancelled();
  const cannot = await startFailure(input);
  if (cannot !== undefined) {
    // runc's words in the step's log, and its exit status 1 (`runc run` failed), as BuildKit reports a RUN in an
    // image without that program (`FROM scratch` then `RUN true`)
    input.onOutput(new TextEncoder().encode(`runc run failed: unable to start container process: error during container init: ${cannot}\n`), 2);
    throw new RunFailed(input.args, 1);
  }
  const id = randomId();
  const bundle = `${BUILD_CONTAINERS}/${id}`;
  const rootfs = { lowerDirs: [...input.layerDirs].reverse().map((d) => `${input.shareMount}${d}`), upperDir: `${bundle}/upper`, workDir: `${bundle}/work`, mergedDir: `${bundle}/rootfs` };
  const config: ContainerConfig = {
    Hostname: 'buildkitsandbox', Domainname: '', User: input.user, AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false,
    OpenStdin: false, StdinOnce: false, Env: input.env, Cmd: input.args, Image: '', Volumes: null, WorkingDir: input.workdir || '/',
    Entrypoint: null, OnBuild: null, Labels: {},
  };
  const [passwd, group] = input.user ? await Promise.all([text(input.image, '/etc/passwd'), text(input.image, '/etc/group')]) : [undefined, undefined];
  let spec;
  try {
    spec = buildRuntimeSpec({
      id, config, hostConfig: hostConfig(), mounts: [], paths: { bundle, rootfs: rootfs.mergedDir },
      ...(passwd !== undefined ? { passwd } : {}), ...(group !== undefined ? { group } : {}),
    });
  } catch (e) {
    throw new EngineError('INVALID_ARGUMENT', (e as Error).message);
  }
  // No /etc/hosts, /etc/hostname, /etc/resolv.conf binds: the build has no network, and the files need no bundle.
  spec.mounts = spec.mounts.filter((m) => !(m.type === 'bind' && m.destination.startsWith('/etc/')));
  const rt = new ContainerRuntime(input.guest);
  await rt.create(spec, { id, bundle, rootfs });
  let deleted: Promise<void> | undefined;
  // delete: cgroup.kill, wait for the cgroup to empty, unmount the overlay, rmdir the cgroup, rm the bundle
  const remove = () => (deleted ??= rt.delete(id));
  const signal = input.signal;
  try {
    // A cancel that came while the container was being made: nothing is started.
    if (signal?.aborted) throw cancelled();
    const proc = input.guest.spawn(rt.interactive(id), {
      onStdout: (b) => input.onOutput(b, 1),
      onStderr: (b) => input.onOutput(b, 2),
    });
    // On a cancel the step does not wait for the process to report its end: the delete's cgroup.kill ends it and
    // everything it forked, and the agent's kill of its process group only makes the exit come sooner.
    let onAbort = () => {};
    const aborted = new Promise<'aborted'>((resolve) => (onAbort = () => resolve('aborted')));
    signal?.addEventListener('abort', onAbort, { once: true });
    let status: GuestExitStatus | 'aborted';
    try {
      status = await Promise.race([proc.exit, aborted]);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    if (status === 'aborted' || signal?.aborted) {
      proc.kill(9);
      proc.exit.catch(() => undefined);
      throw cancelled();
    }
    const code = status.signal !== undefined && status.exitCode < 128 ? 128 + status.signal : status.exitCode;
    if (code !== 0) throw new RunFailed(input.args, code);
    const packed = await tarUpper(input, id, rootfs.upperDir).catch((e: unknown) => {
      throw signal?.aborted ? cancelled() : e;
    });
    if (signal?.aborted) {
      await input.fs.rm(packed.tarPath);
      throw cancelled();
    }
    // The guest removes the container while the layer is made here from the tar it wrote.
    const [result] = await Promise.all([layerOf(input, packed), remove()]);
    return result;
  } finally {
    await remove();
  }
}

interface PackedUpper {
  tarPath: string;
  /** whiteouts in the upper dir, as `/path` */
  whiteouts: Set<string>;
  /** directories overlayfs marked opaque (`RUN rm -rf d && mkdir d`), as `/path` */
  opaque: Set<string>;
}

/** Whiteouts and opaque directories listed, and the upper dir tarred by the guest straight into the share. */
async function tarUpper(input: RunStepInput, id: string, upper: string): Promise<PackedUpper> {
  const tarPath = `${BUILD_SHARE_DIR}/${id}.tar`;
  // `| cat`: the share is mounted sync, and tar's 512-byte writes each become a 9p round trip (measured 3x slower).
  const script =
    `set -e\ncd ${quoteWord(upper)}\n` +
    `find . -type c | while IFS= read -r p; do [ "$(stat -c '%t %T' "$p")" != '0 0' ] || echo "w|$p"; done\n` +
    `${opaqueProbeScript(upper)}\n` +
    `mkdir -p ${quoteWord(`${input.shareMount}${BUILD_SHARE_DIR}`)}\n` +
    `tar -c . | cat > ${quoteWord(`${input.shareMount}${tarPath}`)}\n`;
  const r = await input.guest.exec(['sh', '-c', script], { timeoutMs: 600_000 });
  const listing = new TextDecoder().decode(r.stdout);
  const opaque = parseOpaque(listing);
  if (r.exitCode !== 0 || !opaque) {
    await input.fs.rm(tarPath);
    throw new EngineError('INTERNAL', `could not pack the RUN step's changes: ${new TextDecoder().decode(r.stderr).trim()}`);
  }
  const whiteouts = listing.split('\n').filter((l) => l.startsWith('w|./')).map((l) => l.slice(3));
  return { tarPath, whiteouts: new Set(whiteouts), opaque };
}

/** The upper dir's tar (read from the share, then removed) as a layer, without the runtime's mount stubs. */
async function layerOf(input: RunStepInput, packed: PackedUpper): Promise<RunStepResult> {
  let upperTar: Uint8Array;
  try {
    upperTar = await input.fs.readFile(packed.tarPath);
  } finally {
    await input.fs.rm(packed.tarPath);
  }
  const whiteouts = packed.whiteouts;
  const names = new Set((await unpackTar(upperTar)).map((e) => `/${e.header.name.replace(/^\.\//, '').replace(/\/$/, '')}`));
  const leaveOut = new Set<string>();
  for (const stub of MOUNT_STUBS) if (names.has(stub) && !(await input.image.lstat(stub))) leaveOut.add(stub);
  const changed = [...names].some((n) => n !== '/' && n !== '/.' && ![...leaveOut].some((l) => n === l || n.startsWith(`${l}/`)));
  if (!changed) return {};
  return { layerTar: await layerFromUpperTar(upperTar, { whiteouts, opaque: packed.opaque, leaveOut }) };
}
