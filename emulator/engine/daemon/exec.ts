// `docker exec` (moby's daemon/exec.go): exec instances created, started with their output streamed (or detached),
// resized, inspected, and drydock's `exec -it` extension (the argv run on the learner's terminal, its end reported).
import type { ContainerRecord } from '../containers/container-store.ts';
import { specUser } from '../containers/spec.ts';
import { resolveUser } from '../containers/passwd.ts';
import type { SpecUser } from '../containers/runtime-spec.ts';
import { EngineError } from '../errors.ts';
import type { GuestExitStatus, GuestProcess } from '../runtime/guest-exec.ts';
import type { ContainerRuntime } from '../runtime/runtime.ts';
import { pumpInput } from '../api/hijack.ts';
import { decoder, exitStatusOf, running, type DaemonState } from './daemon-state.ts';
import { AttachHub, attachOutput, type ContainerOutput } from './container-attach.ts';
import { imageEtc } from './runtime-create.ts';
import { checkSize, resizeTerminal } from './resize.ts';

export interface ExecInstance {
  id: string;
  container: string;
  cmd: string[];
  tty: boolean;
  /** AttachStdin: a hijacked start's input is the process's stdin */
  stdin: boolean;
  env?: string[];
  user?: string;
  workingDir?: string;
  running: boolean;
  exitCode: number | null;
  /** its process while it runs with a pty (Tty, started through the API): resizes go to it */
  terminal?: GuestProcess;
}

export interface ExecCreateBody {
  Cmd?: string[] | null;
  Tty?: boolean;
  AttachStdin?: boolean;
  Env?: string[] | null;
  User?: string;
  WorkingDir?: string;
}

export function createExec(d: DaemonState, ref: string, body: ExecCreateBody): string {
  const record = d.deps.containers.get(ref);
  if (record.state.status === 'paused') throw new EngineError('CONFLICT', `Container ${record.id} is paused, unpause the container before exec`);
  if (!running(record)) throw new EngineError('CONFLICT', `Container ${record.id} is not running`);
  if (!body.Cmd || body.Cmd.length === 0) throw new EngineError('INVALID_ARGUMENT', 'No exec command specified');
  const id = crypto.randomUUID().replace(/-/g, '') + crypto.randomUUID().replace(/-/g, '');
  d.execs.set(id, {
    id, container: record.id, cmd: body.Cmd, tty: body.Tty ?? false, stdin: body.AttachStdin === true, running: false, exitCode: null,
    ...(body.Env ? { env: body.Env } : {}), ...(body.User ? { user: body.User } : {}), ...(body.WorkingDir ? { workingDir: body.WorkingDir } : {}),
  });
  return id;
}

function execInstance(d: DaemonState, id: string): ExecInstance {
  const e = d.execs.get(id);
  if (!e) throw new EngineError('NOT_FOUND', `No such exec instance: ${id}`);
  return e;
}

/**
 * `-u USER[:GROUP]` resolved as moby's exec does (getUser against the container's own /etc/passwd and /etc/group,
 * read through PID 1's root), keeping the container's `--group-add` groups; without -u, the container's user.
 */
async function execOptions(d: DaemonState, e: ExecInstance): Promise<Parameters<ContainerRuntime['execArgv']>[2]> {
  const record = d.deps.containers.get(e.container);
  const env = [...(record.config.Env ?? []), ...(e.env ?? [])];
  let user: SpecUser | undefined;
  if (e.user) {
    const etc = await containerEtc(d, record);
    try {
      user = specUser(resolveUser(e.user, etc.passwd, etc.group), record.hostConfig.GroupAdd, etc.group);
    } catch (error) {
      throw new EngineError('INVALID_ARGUMENT', (error as Error).message, { details: { origin: 'daemon' } });
    }
  }
  return { env, ...(e.workingDir ? { cwd: e.workingDir } : {}), ...(user ? { user } : {}), tty: e.tty };
}

/** /etc/passwd and /etc/group as the running container sees them (READ_FILE through PID 1's root), else the image's. */
async function containerEtc(d: DaemonState, record: ContainerRecord): Promise<{ passwd?: string; group?: string }> {
  const guest = d.knownGuest;
  const read = guest?.readFile?.bind(guest);
  if (!read) return imageEtc(d, record);
  const root = `/proc/${await d.runtime().findPid(record.id)}/root`;
  // a container without the file has no users: moby's getUser then knows only numeric ids and root
  const text = (file: string) => read(`${root}${file}`).then((b) => decoder.decode(b), () => undefined);
  const [passwd, group] = await Promise.all([text('/etc/passwd'), text('/etc/group')]);
  return { ...(passwd !== undefined ? { passwd } : {}), ...(group !== undefined ? { group } : {}) };
}

/**
 * `POST /exec/{id}/start` (dockerd's ContainerExecStart): the body streams the process's output as it comes (raw
 * with a tty, stdcopy frames without) and ends when it exits, ExitCode recorded by then (the docker CLI reads it
 * from `/exec/{id}/json` once the stream ends). A hijacked request's input is its stdin when it was created with
 * AttachStdin; the client's half-close is EOF. `detach`: started, nothing streamed (undefined).
 */
export async function startExec(d: DaemonState, id: string, options: { detach?: boolean; consoleSize?: readonly number[] | null } = {}, input?: ReadableStream<Uint8Array>, signal?: AbortSignal): Promise<ContainerOutput | undefined> {
  const e = execInstance(d, id);
  if (e.running) throw new EngineError('CONFLICT', `Error: Exec command ${id} is already running`);
  if (e.exitCode !== null) throw new EngineError('CONFLICT', `Error: Exec command ${id} has already run`);
  const argv = await d.runtime().execArgv(e.container, e.cmd, await execOptions(d, e));
  d.syncPid(e.container);
  const withStdin = e.stdin && input !== undefined && !options.detach;
  const hub = new AttachHub();
  const proc = d.guest.spawn(argv, {
    onStdout: (b) => hub.output(id, 'stdout', b),
    onStderr: (b) => hub.output(id, 'stderr', b),
    ...(withStdin ? { stdin: true } : {}),
    ...(e.tty ? { tty: true } : {}),
  });
  e.running = true;
  if (e.tty) {
    e.terminal = proc;
    // ExecStartOptions.ConsoleSize: the client's terminal, so the pty starts with it (the agent keeps it until the
    // pty comes); a size refused by an exec that has already ended matters to nobody
    const [h = 0, w = 0] = options.consoleSize ?? [];
    if (h > 0 && w > 0) void resizeTerminal(proc, h, w).catch(() => undefined);
  }
  const chunks = attachOutput({ stdout: true, stderr: true }, (l) => hub.listen(id, l));
  // a process the guest could not run (or a guest gone meanwhile) ends as one that could not be invoked: 126
  void proc.exit
    .then((s) => exitStatusOf(s), () => 126)
    .then((code) => {
      e.exitCode = code;
      e.running = false;
      delete e.terminal;
      hub.end(id);
    });
  if (withStdin) {
    // stdin written after the process has ended is lost, as with a pipe
    void pumpInput(input, (chunk) => (proc.write as (data: Uint8Array) => Promise<void>)(chunk).catch(() => undefined), signal).then((end) => {
      if (end === 'eof') void proc.closeStdin?.().catch(() => undefined);
    });
  } else if (input) void pumpInput(input, async () => {}, signal);
  if (options.detach) {
    await chunks.cancel();
    return undefined;
  }
  return { tty: e.tty, chunks };
}

/** `POST /exec/{id}/resize`, as the container's resize. */
export async function resizeExec(d: DaemonState, id: string, h: number, w: number): Promise<void> {
  const e = execInstance(d, id);
  checkSize(h, w);
  await resizeTerminal(e.terminal, h, w);
}

/** drydock extension for `docker exec -it`: the argv the CLI runs on the learner's terminal. */
export async function execArgv(d: DaemonState, id: string): Promise<string[]> {
  const e = execInstance(d, id);
  const argv = await d.runtime().execArgv(e.container, e.cmd, await execOptions(d, e));
  e.running = true;
  d.syncPid(e.container);
  return argv;
}

export function execEnded(d: DaemonState, id: string, end: GuestExitStatus): void {
  const e = execInstance(d, id);
  e.running = false;
  e.exitCode = exitStatusOf(end);
}

export function execJson(d: DaemonState, id: string): Record<string, unknown> {
  const e = execInstance(d, id);
  return { ID: e.id, Running: e.running, ExitCode: e.exitCode, ContainerID: e.container, ProcessConfig: { tty: e.tty, entrypoint: e.cmd[0], arguments: e.cmd.slice(1) } };
}
