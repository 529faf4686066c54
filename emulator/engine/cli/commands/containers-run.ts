// `docker run`, `create`, `start`, `exec`, `logs` and `ps`: the commands that parse their own argv (non-interspersed
// for run/exec) and print their own usage errors, talking to the engine only through the Engine API.
import { splitCpArg } from '../../containers/container-copy.ts';
import { demultiplex } from '../../containers/logs-api.ts';
import { parseLogsArgs } from '../logs-args.ts';
import { FlagError, parseFlags, type FlagSpec } from '../flags.ts';
import { parsePsArgs, psRow, PS_FORMAT } from '../ps-format.ts';
import { formatRunError, parseRunOptions, runErrorText, runHelpText, type RunOptions } from '../run-options.ts';
import { MAC_ADDRESS_API_ERROR } from '../run-network-flags.ts';
import type { ContainerSummary } from '../../containers/container-json.ts';
import { EngineError } from '../../errors.ts';
import { familiarString, isFullImageId, parseNormalizedNamed, referenceName } from '../../registry/reference.ts';
import type { CliSession, ProcessEnd } from '../cli-session.ts';
import { DaemonError, type EngineClient } from '../engine-client.ts';
import { displayJsonMessages } from '../json-messages.ts';
import { formatList } from '../output-format.ts';
import { humanSize } from '../../units/human.ts';
import { closeRelay, openRelay, RELAY_COMMAND } from './attach-relay.ts';

/** A command that parses its own argv (with flags.ts) and prints its own usage errors: run, create, exec, ps, logs. */
export interface RawContext {
  session: CliSession;
  client: EngineClient;
  argv: string[];
  /** `docker run` or `docker container run`, as typed */
  path: string;
  now: () => Date;
  out(text: string): void;
  err(text: string): void;
}

export type RawCommand = (ctx: RawContext) => Promise<number>;

const enc = (s: string) => encodeURIComponent(s);
const queryOf = (q: URLSearchParams): Record<string, string> => {
  const out: Record<string, string> = {};
  q.forEach((v, k) => (out[k] = v));
  return out;
};

/** Start failures the docker CLI maps to 127/126 (its toStatusError), everything else 125 (`network x not found` too). */
function startStatus(message: string): number {
  if (/executable file not found|no such file or directory/.test(message)) return 127;
  if (/permission denied|is a directory|cannot execute/.test(message)) return 126;
  return 125;
}

async function createFor(ctx: RawContext, req: RunOptions): Promise<string> {
  const { body, name, platform } = req;
  const create = async () => {
    const r = await ctx.client.json<{ Id: string; Warnings?: string[] | null }>('POST', '/containers/create', { query: { name, platform }, body, signal: ctx.session.signal });
    for (const w of r.Warnings ?? []) ctx.err(`WARNING: ${w}\n`);
    return r;
  };
  try {
    return (await create()).Id;
  } catch (e) {
    if (!(e instanceof DaemonError) || e.status !== 404 || !/^No such image/.test(e.message) || req.pull === 'never') throw e;
  }
  // Like the docker CLI: say so, pull with progress on stderr, create again.
  let ref = parseNormalizedNamed(req.body.Image);
  if (ref.tag === undefined && ref.digest === undefined) ref = { ...ref, tag: 'latest' };
  ctx.err(`Unable to find image '${familiarString(ref)}' locally\n`);
  const response = await ctx.client.request('POST', '/images/create', { query: { fromImage: referenceName(ref), tag: ref.digest ?? ref.tag }, signal: ctx.session.signal });
  const columns = ctx.session.tty?.cols;
  await displayJsonMessages(response.body ?? new ReadableStream(), req.quiet ? { write: () => {} } : { write: (t: string) => ctx.err(t), ...(columns !== undefined ? { columns } : {}) });
  return (await create()).Id;
}

/** distribution/reference's ParseAnyReference: an image ID or digest, else a name; its error, if any. */
function referenceError(image: string): string | undefined {
  if (isFullImageId(image) || /^sha256:[a-f0-9]{64}$/.test(image)) return undefined;
  try {
    parseNormalizedNamed(image);
    return undefined;
  } catch (e) {
    if (e instanceof EngineError && e.code === 'REFERENCE_INVALID') return e.message;
    throw e;
  }
}

/** `docker run` / `docker create` (and `docker container run|create`). */
export function runCommand(kind: 'run' | 'create'): RawCommand {
  return async (ctx) => {
    const command = ctx.path.replace(/^docker /, '') as 'run' | 'create' | 'container run' | 'container create';
    let req: RunOptions;
    try {
      const parsed = await parseRunOptions(ctx.argv, { command, env: ctx.session.env, cwd: ctx.session.cwd, readFile: (path) => readGuestFile(ctx, path) });
      if ('help' in parsed) {
        ctx.out(runHelpText(command));
        return 0;
      }
      req = parsed;
    } catch (e) {
      if (!(e instanceof EngineError)) throw e;
      ctx.err(formatRunError(e, ctx.path));
      return (e.details?.['exitStatus'] as number | undefined) ?? 125;
    }
    // the docker CLI parses the image reference itself (ParseAnyReference) before asking the daemon anything
    const badReference = referenceError(req.body.Image);
    if (badReference !== undefined) {
      if (kind === 'create') {
        ctx.err(`${badReference}\n`);
        return 1;
      }
      ctx.err(runErrorText(badReference, ctx.path, 'option'));
      return 125;
    }
    // the docker 28 client refuses an endpoint MAC address before asking a daemon speaking API 1.43 (drydock's)
    if (Object.values(req.body.NetworkingConfig.EndpointsConfig).some((ep) => ep.MacAddress)) {
      if (kind === 'create') {
        ctx.err(`${MAC_ADDRESS_API_ERROR}\n`);
        return 1;
      }
      ctx.err(runErrorText(MAC_ADDRESS_API_ERROR, ctx.path, 'option'));
      return 125;
    }
    if (req.detachKeys !== undefined && !detachKeyBytes(req.detachKeys)) {
      ctx.err(runErrorText(`Invalid detach keys (${req.detachKeys}) provided`, ctx.path, 'daemon'));
      return 125;
    }
    let id: string;
    try {
      id = await createFor(ctx, req);
    } catch (e) {
      if (!(e instanceof DaemonError)) throw e;
      // `docker create` returns the daemon's error as is (exit 1); `docker run` reports it with its help line
      if (kind === 'create') {
        ctx.err(`Error response from daemon: ${e.message}\n`);
        return 1;
      }
      ctx.err(runErrorText(e.message, ctx.path, 'daemon'));
      return 125;
    }
    if (kind === 'create') {
      ctx.out(`${id}\n`);
      return 0;
    }
    // -dit: detached with a held-open stdin (drydock has no terminal to give a detached container; attach works)
    return startAndFollow(ctx, id, {
      detach: req.detach,
      interactive: !!req.body.OpenStdin && !!req.body.Tty && !req.detach,
      autoRemove: !!req.body.HostConfig.AutoRemove,
      tty: !!req.body.Tty,
      command: ctx.path,
      stdin: req.body.OpenStdin && !req.detach ? 'once' : 'none',
      sigProxy: req.sigProxy,
    });
  };
}

export interface FollowOptions {
  detach: boolean;
  interactive: boolean;
  autoRemove: boolean;
  tty: boolean;
  command: string;
  /** copy the session's stdin to the container's: `once` closes it at EOF (StdinOnce), `keep` leaves it open */
  stdin?: 'once' | 'keep' | 'none';
  /** forward ^C (the signals the CLI gets) to the container while attached without a tty; Docker's default true */
  sigProxy?: boolean;
}

export async function startAndFollow(ctx: RawContext, id: string, o: FollowOptions): Promise<number> {
  const path = `/containers/${enc(id)}`;
  if (o.interactive) {
    let argv: string[];
    try {
      argv = (await ctx.client.json<{ Argv: string[] }>('POST', `${path}/drydock-interactive`)).Argv;
    } catch (e) {
      if (!(e instanceof DaemonError)) throw e;
      ctx.err(runErrorText(e.message, o.command, 'daemon'));
      return startStatus(e.message);
    }
    const wait = o.autoRemove ? ctx.client.json<{ StatusCode: number }>('POST', `${path}/wait`, { query: { condition: 'removed' } }).catch(() => undefined) : undefined;
    let end: ProcessEnd;
    try {
      end = await ctx.session.spawn({ argv });
    } catch {
      end = { exitCode: 255 };
    }
    await ctx.client.request('POST', `${path}/drydock-exited`, { body: 'signal' in end ? { Signal: end.signal } : { ExitCode: end.exitCode } });
    const w = (await wait) ?? (await ctx.client.json<{ StatusCode: number }>('POST', `${path}/wait`).catch(() => undefined));
    return w?.StatusCode ?? ('signal' in end ? 128 + end.signal : end.exitCode);
  }
  // Registered before the start, so a quick exit (and a --rm removal) is not missed; given up if the start fails.
  const giveUp = new AbortController();
  const waited = o.detach ? undefined : ctx.client.json<{ StatusCode: number }>('POST', `${path}/wait`, { query: { condition: o.autoRemove ? 'removed' : 'next-exit' }, signal: giveUp.signal });
  waited?.catch(() => undefined);
  // Attached before the start too, as the docker CLI attaches: a command that ends at once (and a --rm that removes
  // it) still has its output, which a log read after the start could find gone with the container.
  const attached = o.detach ? undefined : ctx.client.request('POST', `${path}/attach`, { query: { stream: '1', stdout: '1', stderr: '1' }, signal: ctx.session.signal });
  attached?.catch(() => undefined);
  const detachOutput = () => void attached?.then((r) => r.body?.cancel()).catch(() => undefined);
  // detached, the docker CLI prints the ID as soon as the container is created, a failed start or not
  if (o.detach) ctx.out(`${id}\n`);
  try {
    await ctx.client.request('POST', `${path}/start`, { signal: ctx.session.signal });
  } catch (e) {
    if (!(e instanceof DaemonError)) throw e;
    // a --rm container is removed after a failed start: its wait answers; any other would wait for good
    if (!o.autoRemove) giveUp.abort();
    detachOutput();
    ctx.err(runErrorText(e.message, o.command, 'daemon'));
    return startStatus(e.message);
  }
  if (o.detach) return 0;
  const pump = o.stdin && o.stdin !== 'none' ? pumpStdin(ctx, id, o.stdin === 'once') : undefined;
  const output = await (attached as Promise<Response>);
  if (proxiesSignals(ctx, o)) {
    const letGo = await followWithSignalProxy(ctx, id, output, o.tty);
    if (letGo !== undefined) return 128 + letGo;
  } else await copyOutput(ctx, output, o.tty, ctx.session.signal);
  pump?.stop();
  const result = await (waited as Promise<{ StatusCode: number }>).catch(async () => ({ StatusCode: 0 }));
  return result.StatusCode;
}

/**
 * --sig-proxy applies to an attached container without a tty (with one, ^C is a byte for the container's terminal),
 * on a terminal (where ^C comes from), and without stdin to copy: a relay process owns the terminal's stdin while
 * it runs, and the shim would not read it for the CLI.
 */
function proxiesSignals(ctx: RawContext, o: FollowOptions): boolean {
  return o.sigProxy !== false && !o.tty && ctx.session.tty !== undefined && (o.stdin ?? 'none') === 'none';
}

/**
 * True when the container's PID 1 has `signal` set to SIG_IGN (its SigIgn mask in the guest's /proc): forwarding it
 * can do nothing. Processes the guest agent starts inherit SIGINT and SIGQUIT ignored (the agent runs in the
 * background of the guest's init), so until that is fixed a ^C would hold the terminal for good.
 */
async function signalIgnored(ctx: RawContext, id: string, signal: number): Promise<boolean> {
  try {
    const info = await ctx.client.json<{ State: { Pid: number } }>('GET', `/containers/${enc(id)}/json`);
    if (!info.State.Pid) return false;
    const status = (await readGuestFile(ctx, `/proc/${info.State.Pid}/status`)) ?? '';
    const mask = /^SigIgn:\s*([0-9a-f]+)$/m.exec(status)?.[1];
    return mask !== undefined && ((BigInt(`0x${mask}`) >> BigInt(signal - 1)) & 1n) === 1n;
  } catch {
    return false;
  }
}

/**
 * The container's output goes through relay processes on the learner's terminal (attach-relay.ts): when ^C kills
 * one, its signal is forwarded to the container (`docker kill -s`) and the next relay carries on, until the
 * output ends with the container. Returns the signal when the CLI let go instead: the container's PID 1 ignores
 * it, so the learner gets the prompt back (as without --sig-proxy) rather than a terminal held for good.
 */
async function followWithSignalProxy(ctx: RawContext, id: string, output: Response, tty: boolean): Promise<number | undefined> {
  const relay = openRelay();
  const following = copyOutput(ctx, output, tty, ctx.session.signal, (stream, data) => relay.push({ stream, data })).finally(() => relay.end());
  following.catch(() => undefined);
  try {
    while (!ctx.session.signal.aborted) {
      const end = await ctx.session.spawn({ argv: ['docker', RELAY_COMMAND, relay.token] }).catch((): ProcessEnd => ({ exitCode: 255 }));
      // a relay killed by a signal (^C, ^\), or a shell reporting it as 128+n: the container gets the same
      const signal = 'signal' in end ? end.signal : end.exitCode > 128 && end.exitCode < 160 ? end.exitCode - 128 : 0;
      if (signal) {
        await ctx.client.request('POST', `/containers/${enc(id)}/kill`, { query: { signal: String(signal) } }).catch(() => undefined);
        if (await signalIgnored(ctx, id, signal)) return signal;
        continue;
      }
      if ('exitCode' in end && end.exitCode !== 0) {
        // no relay process (the shim could not start one): print the output here, without the proxy
        for (const c of relay.drain()) (c.stream === 'stderr' ? ctx.session.stderr : ctx.session.stdout).call(ctx.session, c.data);
        await following;
        for (const c of relay.drain()) (c.stream === 'stderr' ? ctx.session.stderr : ctx.session.stdout).call(ctx.session, c.data);
      }
      break;
    }
    await following;
    return undefined;
  } finally {
    closeRelay(relay);
  }
}

/** The CLI's own file in the guest (`--env-file`): undefined when it does not exist. */
async function readGuestFile(ctx: RawContext, path: string): Promise<string | undefined> {
  try {
    return await (await ctx.client.request('GET', '/drydock/guest-file', { query: { path } })).text();
  } catch (e) {
    if (e instanceof DaemonError && e.status === 404) return undefined;
    throw e;
  }
}

function base64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/**
 * Copies the session's stdin to the container's until EOF (then closes the container's when closeAtEof, Docker's
 * StdinOnce) or stop(). detachKeys (bytes) in the input end the copy and call onDetach instead.
 */
function pumpStdin(ctx: RawContext, id: string, closeAtEof: boolean, detach?: { keys: number[]; onDetach: () => void }): { stop(): void; done: Promise<void> } {
  const path = `/containers/${enc(id)}/drydock-stdin`;
  const reader = ctx.session.stdin.getReader();
  let stopped = false;
  let matched = 0;
  const done = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (stopped) return;
        if (done) break;
        let chunk = value;
        if (detach) {
          for (let i = 0; i < value.length; i++) {
            matched = value[i] === detach.keys[matched] ? matched + 1 : value[i] === detach.keys[0] ? 1 : 0;
            if (matched === detach.keys.length) {
              const before = value.subarray(0, Math.max(0, i + 1 - detach.keys.length));
              if (before.length) await ctx.client.request('POST', path, { body: { Data: base64(before) } });
              stopped = true;
              detach.onDetach();
              return;
            }
          }
          // A partial escape sequence at the end is held back until the next chunk says what it was.
          chunk = value.subarray(0, value.length - matched);
        }
        if (chunk.length) await ctx.client.request('POST', path, { body: { Data: base64(chunk) } });
      }
      if (closeAtEof) await ctx.client.request('POST', path, { body: { Eof: true } });
    } catch {
      // the container has gone: its stdin with it
    }
  })();
  return {
    stop() {
      stopped = true;
      void reader.cancel().catch(() => undefined);
    },
    done,
  };
}

type OutputSink = (stream: 'stdout' | 'stderr', data: Uint8Array) => void;

/** GET logs and copy it to the session (or `sink`), demultiplexed as it arrives (stdcopy frames may be split). */
export async function streamLogs(ctx: RawContext, id: string, query: URLSearchParams, tty: boolean, signal: AbortSignal = ctx.session.signal, sink?: OutputSink): Promise<void> {
  const response = await ctx.client.request('GET', `/containers/${enc(id)}/logs`, { query: queryOf(query), signal });
  await copyOutput(ctx, response, tty, signal, sink);
}

/**
 * The attach endpoint's stream (the current run's output as it comes, not the log's whole lines: a shell's prompt has
 * no newline) copied to the session, as the docker CLI attaches; input goes by drydock-stdin (pumpStdin).
 */
async function streamAttach(ctx: RawContext, id: string, tty: boolean, signal: AbortSignal): Promise<void> {
  const response = await ctx.client.request('POST', `/containers/${enc(id)}/attach`, { query: { stream: '1', stdout: '1', stderr: '1' }, signal });
  await copyOutput(ctx, response, tty, signal);
}

async function copyOutput(ctx: RawContext, response: Response, tty: boolean, signal: AbortSignal, sink?: OutputSink): Promise<void> {
  const write: OutputSink = sink ?? ((stream, data) => (stream === 'stderr' ? ctx.session.stderr : ctx.session.stdout).call(ctx.session, data));
  const raw = tty || response.headers.get('Content-Type') === 'application/vnd.docker.raw-stream';
  const reader = (response.body ?? new ReadableStream<Uint8Array>()).getReader();
  // the in-process router hands over the body itself, which a request's abort does not end: cancelled here (a detach)
  const stop = () => void reader.cancel().catch(() => undefined);
  signal.addEventListener('abort', stop, { once: true });
  let pending = new Uint8Array(0);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (raw) {
        write('stdout', value);
        continue;
      }
      const joined = new Uint8Array(pending.length + value.length);
      joined.set(pending);
      joined.set(value, pending.length);
      let end = 0;
      const view = new DataView(joined.buffer);
      while (end + 8 <= joined.length && end + 8 + view.getUint32(end + 4) <= joined.length) end += 8 + view.getUint32(end + 4);
      for (const f of demultiplex(joined.subarray(0, end))) write(f.stream === 'stderr' ? 'stderr' : 'stdout', f.data);
      pending = joined.slice(end);
    }
  } catch (e) {
    if (!signal.aborted) throw e;
  } finally {
    signal.removeEventListener('abort', stop);
  }
}

/** `docker logs` */
export const logsCommand: RawCommand = async (ctx) => {
  let parsed;
  try {
    parsed = parseLogsArgs(ctx.argv);
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    return flagError(ctx, e, 'docker logs [OPTIONS] CONTAINER');
  }
  if ('help' in parsed) {
    ctx.out('Usage:  docker logs [OPTIONS] CONTAINER\n\nFetch the logs of a container\n');
    return 0;
  }
  const info = await ctx.client.json<{ Config: { Tty: boolean } }>('GET', `/containers/${enc(parsed.container)}/json`);
  await streamLogs(ctx, parsed.container, parsed.query, info.Config.Tty);
  return 0;
};

/** `docker ps` / `docker container ls` */
export const psCommand: RawCommand = async (ctx) => {
  let parsed;
  try {
    parsed = parsePsArgs(ctx.argv);
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    return flagError(ctx, e, 'docker ps [OPTIONS]');
  }
  if ('help' in parsed) {
    ctx.out('Usage:  docker ps [OPTIONS]\n\nList containers\n');
    return 0;
  }
  const list = await ctx.client.json<ContainerSummary[]>('GET', '/containers/json', { query: queryOf(parsed.query) });
  if (parsed.quiet && parsed.format === undefined) {
    ctx.out(list.map((c) => `${parsed.trunc ? c.Id.slice(0, 12) : c.Id}\n`).join(''));
    return 0;
  }
  const now = ctx.now().getTime();
  const rows = list.map((c) => psRow(c, { trunc: parsed.trunc, now }));
  ctx.out(formatList(parsed.format, rows, PS_FORMAT));
  return 0;
};

const EXEC_FLAGS: FlagSpec[] = [
  { name: 'detach', short: 'd', type: 'bool' },
  { name: 'interactive', short: 'i', type: 'bool' },
  { name: 'tty', short: 't', type: 'bool' },
  { name: 'env', short: 'e', type: 'list' },
  { name: 'user', short: 'u', type: 'string' },
  { name: 'workdir', short: 'w', type: 'string' },
  { name: 'privileged', type: 'bool' },
  { name: 'detach-keys', type: 'string' },
];

/** `docker exec [-it] CONTAINER COMMAND [ARG...]` */
export const execCommand: RawCommand = async (ctx) => {
  let parsed;
  try {
    parsed = parseFlags(ctx.argv, EXEC_FLAGS, { interspersed: false });
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    return flagError(ctx, e, 'docker exec [OPTIONS] CONTAINER COMMAND [ARG...]');
  }
  if (parsed.help) {
    ctx.out('Usage:  docker exec [OPTIONS] CONTAINER COMMAND [ARG...]\n\nExecute a command in a running container\n');
    return 0;
  }
  const [container, ...cmd] = parsed.args;
  if (container === undefined || cmd.length === 0) {
    ctx.err(`docker: '${ctx.path}' requires at least 2 arguments\n\nUsage:  docker exec [OPTIONS] CONTAINER COMMAND [ARG...]\n\nSee '${ctx.path} --help' for more information\n`);
    return 1;
  }
  const v = parsed.flags;
  const tty = !!v['tty'];
  const body = {
    Cmd: cmd,
    Tty: tty,
    AttachStdin: !!v['interactive'],
    AttachStdout: true,
    AttachStderr: true,
    ...(v['env'] ? { Env: v['env'] as string[] } : {}),
    ...(v['user'] ? { User: v['user'] as string } : {}),
    ...(v['workdir'] ? { WorkingDir: v['workdir'] as string } : {}),
  };
  const { Id } = await ctx.client.json<{ Id: string }>('POST', `/containers/${enc(container)}/exec`, { body });
  if (v['interactive'] || tty) {
    const { Argv } = await ctx.client.json<{ Argv: string[] }>('POST', `/exec/${Id}/drydock-argv`);
    const end = await ctx.session.spawn({ argv: Argv }).catch((): ProcessEnd => ({ exitCode: 126 }));
    await ctx.client.request('POST', `/exec/${Id}/drydock-exited`, { body: 'signal' in end ? { Signal: end.signal } : { ExitCode: end.exitCode } });
  } else {
    const response = await ctx.client.request('POST', `/exec/${Id}/start`, { body: { Detach: false, Tty: tty } });
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (tty) ctx.session.stdout(bytes);
    else for (const f of demultiplex(bytes)) (f.stream === 'stderr' ? ctx.session.stderr : ctx.session.stdout).call(ctx.session, f.data);
  }
  const info = await ctx.client.json<{ ExitCode: number | null }>('GET', `/exec/${Id}/json`);
  return info.ExitCode ?? 0;
};

/** `docker start [-a] [-i] CONTAINER...` */
export const startCommand: RawCommand = async (ctx) => {
  let parsed;
  try {
    parsed = parseFlags(ctx.argv, [
      { name: 'attach', short: 'a', type: 'bool' },
      { name: 'interactive', short: 'i', type: 'bool' },
      { name: 'detach-keys', type: 'string' },
    ], { interspersed: true });
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    return flagError(ctx, e, 'docker start [OPTIONS] CONTAINER [CONTAINER...]');
  }
  if (parsed.help) {
    ctx.out('Usage:  docker start [OPTIONS] CONTAINER [CONTAINER...]\n\nStart one or more stopped containers\n');
    return 0;
  }
  if (parsed.args.length === 0) {
    ctx.err(`docker: '${ctx.path}' requires at least 1 argument\n\nUsage:  docker start [OPTIONS] CONTAINER [CONTAINER...]\n\nSee '${ctx.path} --help' for more information\n`);
    return 1;
  }
  const attach = !!parsed.flags['attach'] || !!parsed.flags['interactive'];
  if (attach) {
    const name = parsed.args[0] as string;
    const info = await ctx.client.json<{ Id: string; Config: { Tty: boolean; OpenStdin: boolean; StdinOnce: boolean }; HostConfig: { AutoRemove: boolean } }>('GET', `/containers/${enc(name)}/json`);
    const interactive = !!parsed.flags['interactive'];
    return startAndFollow(ctx, info.Id, {
      detach: false,
      interactive: info.Config.Tty && interactive,
      autoRemove: info.HostConfig.AutoRemove,
      tty: info.Config.Tty,
      command: ctx.path,
      stdin: interactive && info.Config.OpenStdin ? (info.Config.StdinOnce ? 'once' : 'keep') : 'none',
      sigProxy: true,
    });
  }
  let status = 0;
  for (const name of parsed.args) {
    try {
      await ctx.client.request('POST', `/containers/${enc(name)}/start`);
      ctx.out(`${name}\n`);
    } catch (e) {
      if (!(e instanceof DaemonError)) throw e;
      ctx.err(`Error response from daemon: ${e.message}\n`);
      status = 1;
    }
  }
  if (status) ctx.err('Error: failed to start containers: ' + parsed.args.join(', ') + '\n');
  return status;
};

function flagError(ctx: RawContext, e: Error, usage: string): number {
  const unknown = /^(unknown|bad|invalid|flag needs)/.test(e.message);
  ctx.err(unknown ? `${e.message}\n\nUsage:  ${usage}\n\nRun '${ctx.path} --help' for more information\n` : `docker: ${e.message}\nSee '${ctx.path} --help'.\n`);
  return unknown ? 125 : 1;
}

/** `--detach-keys` (`ctrl-p,ctrl-q`, `a`, `ctrl-@`...) as bytes, like the docker CLI's term.ToBytes. */
export function detachKeyBytes(spec: string): number[] | undefined {
  const out: number[] = [];
  for (const key of spec.split(',')) {
    const k = key.trim().toLowerCase();
    if (k.length === 1) out.push(k.charCodeAt(0));
    else if (/^ctrl-[a-z@[\\\]^_]$/.test(k)) out.push(k === 'ctrl-@' ? 0 : (k.charCodeAt(5) & 0x1f));
    else return undefined;
  }
  return out.length ? out : undefined;
}

interface AttachInfo {
  Id: string;
  State: { Running: boolean; Paused: boolean; Restarting: boolean };
  Config: { Tty: boolean; OpenStdin: boolean; StdinOnce: boolean; AttachStdin: boolean };
}

/**
 * `docker attach CONTAINER`: the container's output from now on, the session's stdin to its stdin (when it was
 * started with -i), its exit status at the end. Detach keys (ctrl-p ctrl-q) leave it running.
 */
export const attachCommand: RawCommand = async (ctx) => {
  let parsed;
  try {
    parsed = parseFlags(ctx.argv, [
      { name: 'no-stdin', type: 'bool' },
      { name: 'sig-proxy', type: 'bool' },
      { name: 'detach-keys', type: 'string' },
    ], { interspersed: true });
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    return flagError(ctx, e, 'docker attach [OPTIONS] CONTAINER');
  }
  if (parsed.help) {
    ctx.out('Usage:  docker attach [OPTIONS] CONTAINER\n\nAttach local standard input, output, and error streams to a running container\n');
    return 0;
  }
  if (parsed.args.length !== 1) {
    ctx.err(`docker: '${ctx.path}' requires 1 argument\n\nUsage:  docker attach [OPTIONS] CONTAINER\n\nSee '${ctx.path} --help' for more information\n`);
    return 1;
  }
  const keys = detachKeyBytes((parsed.flags['detach-keys'] as string | undefined) ?? 'ctrl-p,ctrl-q');
  if (!keys) {
    ctx.err(`Error response from daemon: Invalid detach keys (${parsed.flags['detach-keys'] as string}) provided\n`);
    return 1;
  }
  let info: AttachInfo;
  try {
    info = await ctx.client.json<AttachInfo>('GET', `/containers/${enc(parsed.args[0] as string)}/json`);
  } catch (e) {
    if (!(e instanceof DaemonError)) throw e;
    ctx.err(`Error response from daemon: ${e.message}\n`);
    return 1;
  }
  // The docker CLI's own checks (cli/command/container/attach.go), word for word.
  const refusal = !info.State.Running
    ? 'You cannot attach to a stopped container, start it first'
    : info.State.Paused
      ? 'You cannot attach to a paused container, unpause it first'
      : info.State.Restarting
        ? 'You cannot attach to a restarting container, wait until it is running'
        : info.Config.Tty && info.Config.AttachStdin
          ? 'this container runs on the terminal it was started from (docker run -it): drydock cannot share that terminal with a second one'
          : undefined;
  if (refusal) {
    ctx.err(`${refusal}\n`);
    return 1;
  }
  const id = info.Id;
  const waited = ctx.client.json<{ StatusCode: number }>('POST', `/containers/${enc(id)}/wait`, { query: { condition: 'next-exit' }, signal: ctx.session.signal });
  waited.catch(() => undefined);
  const stop = new AbortController();
  ctx.session.signal.addEventListener('abort', () => stop.abort(), { once: true });
  let detached = false;
  const pump =
    info.Config.OpenStdin && !parsed.flags['no-stdin']
      ? pumpStdin(ctx, id, info.Config.StdinOnce, { keys, onDetach: () => ((detached = true), stop.abort()) })
      : undefined;
  const query = new URLSearchParams({ stdout: '1', stderr: '1', follow: '1', tail: '0' });
  const sigProxy = (parsed.flags['sig-proxy'] as boolean | undefined) ?? true;
  if (!pump && proxiesSignals(ctx, { detach: false, interactive: false, autoRemove: false, tty: info.Config.Tty, command: ctx.path, sigProxy })) {
    const output = await ctx.client.request('GET', `/containers/${enc(id)}/logs`, { query: queryOf(query), signal: ctx.session.signal });
    const letGo = await followWithSignalProxy(ctx, id, output, info.Config.Tty);
    if (letGo !== undefined) return 128 + letGo;
  } else if (info.Config.Tty) {
    // The container's pty echoes and turns ^C into SIGINT: the learner's terminal goes raw while attached with stdin
    // (the docker CLI's SetRawTerminal), or every line would show twice; and it takes this terminal's size.
    const raw = pump !== undefined && ctx.session.tty !== undefined;
    if (raw) ctx.session.rawTerminal?.(true);
    try {
      if (ctx.session.tty) await ctx.client.request('POST', `/containers/${enc(id)}/resize`, { query: { h: String(ctx.session.tty.rows), w: String(ctx.session.tty.cols) } }).catch(() => undefined);
      await streamAttach(ctx, id, true, stop.signal);
    } finally {
      if (raw) ctx.session.rawTerminal?.(false);
    }
  } else await streamLogs(ctx, id, query, info.Config.Tty, stop.signal);
  pump?.stop();
  if (detached || ctx.session.signal.aborted) return 0;
  return (await waited.catch(() => ({ StatusCode: 0 }))).StatusCode;
};

const CP_USAGE = 'docker cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tdocker cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH';

/**
 * `docker cp` between a container and the guest (the CLI's host here). Both ends are in the guest, so the engine
 * copies there (drydock-cp) instead of streaming tar archives through the CLI as the docker CLI does.
 */
export const cpCommand: RawCommand = async (ctx) => {
  let parsed;
  try {
    parsed = parseFlags(ctx.argv, [
      { name: 'archive', short: 'a', type: 'bool' },
      { name: 'follow-link', short: 'L', type: 'bool' },
      { name: 'quiet', short: 'q', type: 'bool' },
    ], { interspersed: true });
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    return flagError(ctx, e, CP_USAGE);
  }
  if (parsed.help) {
    ctx.out(`Usage:  ${CP_USAGE}\n\nCopy files/folders between a container and the local filesystem\n`);
    return 0;
  }
  if (parsed.args.length !== 2) {
    ctx.err(`docker: '${ctx.path}' requires 2 arguments\n\nUsage:  ${CP_USAGE}\n\nSee '${ctx.path} --help' for more information\n`);
    return 1;
  }
  const [srcArg, dstArg] = parsed.args as [string, string];
  const src = splitCpArg(srcArg);
  const dst = splitCpArg(dstArg);
  if (src.container !== undefined && dst.container !== undefined) {
    ctx.err('copying between containers is not supported\n');
    return 1;
  }
  if (src.container === undefined && dst.container === undefined) {
    ctx.err('must specify at least one container source\n');
    return 1;
  }
  if (src.path === '-' || dst.path === '-') {
    ctx.err('docker cp with - (a tar stream on stdin or stdout) is not supported in drydock: copy to or from a path in the machine\n');
    return 1;
  }
  const toContainer = dst.container !== undefined;
  const container = (toContainer ? dst.container : src.container) as string;
  const local = toContainer ? src.path : dst.path;
  const remote = toContainer ? dst.path : src.path;
  if (local === '') {
    ctx.err(`lstat : no such file or directory\n`);
    return 1;
  }
  // A relative local path is the shim's (its cwd); the trailing `/` and `/.` the rules look at are kept.
  const guestPath = local.startsWith('/') ? local : `${ctx.session.cwd.replace(/\/$/, '')}/${local}`;
  let size: number;
  try {
    const body = { ToContainer: toContainer, ContainerPath: remote, GuestPath: guestPath, Archive: !!parsed.flags['archive'], FollowLink: !!parsed.flags['follow-link'] };
    size = (await ctx.client.json<{ Size: number }>('POST', `/containers/${enc(container)}/drydock-cp`, { body })).Size;
  } catch (e) {
    if (!(e instanceof DaemonError)) throw e;
    // Local-side failures are the CLI's own (no "Error response from daemon:"), as with the docker CLI.
    ctx.err(/^(lstat |cannot copy a directory|destination ")/.test(e.message) ? `${e.message}\n` : `Error response from daemon: ${e.message}\n`);
    return 1;
  }
  // The docker CLI reports the size only on a terminal (its progress output), not with -q.
  if (ctx.session.tty && !parsed.flags['quiet']) ctx.err(`Successfully copied ${humanSize(size)} to ${dstArg}\n`);
  return 0;
};
