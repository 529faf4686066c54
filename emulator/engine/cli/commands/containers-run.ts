// `docker run`, `create`, `start`, `exec`, `logs` and `ps`: the commands whose argv is parsed with the container
// model's own pflag rules (non-interspersed for run/exec), talking to the engine only through the Engine API.
import { createBodyFor } from '../../containers/create-body.ts';
import { demultiplex, parseLogsArgs } from '../../containers/logs-api.ts';
import { FlagParseError, parseArgs, type FlagDef } from '../../containers/pflag.ts';
import { parsePsArgs, psRow, PS_FORMAT } from '../../containers/ps-format.ts';
import { formatRunError, parseRunRequest, runErrorText, runHelpText, type RunRequest } from '../../containers/run-options.ts';
import type { ContainerSummary } from '../../containers/container-json.ts';
import { EngineError } from '../../errors.ts';
import { familiarString, parseNormalizedNamed, referenceName, referenceString } from '../../reference.ts';
import type { CliSession, ProcessEnd } from '../cli-session.ts';
import { DaemonError, type EngineClient } from '../engine-client.ts';
import { displayJsonMessages } from '../json-messages.ts';
import { formatList } from '../output-format.ts';

/** A command that parses its own argv (the container model's pflag): run, create, exec, ps, logs. */
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

/** Start failures the docker CLI maps to 127/126 (its toStatusError), everything else 125. */
function startStatus(message: string): number {
  if (/executable file not found|no such file or directory|not found/.test(message)) return 127;
  if (/permission denied|cannot execute/.test(message)) return 126;
  return 125;
}

async function createFor(ctx: RawContext, req: RunRequest, command: string): Promise<string> {
  const { body, name, platform } = createBodyFor(req);
  const create = () =>
    ctx.client.json<{ Id: string }>('POST', '/containers/create', { query: { name, platform }, body, signal: ctx.session.signal });
  try {
    return (await create()).Id;
  } catch (e) {
    if (!(e instanceof DaemonError) || e.status !== 404 || !/^No such image/.test(e.message) || req.pull === 'never') throw e;
  }
  // Like the docker CLI: say so, pull with progress on stderr, create again.
  let ref = parseNormalizedNamed(req.image);
  if (ref.tag === undefined && ref.digest === undefined) ref = { ...ref, tag: 'latest' };
  ctx.err(`Unable to find image '${familiarString(ref)}' locally\n`);
  const response = await ctx.client.request('POST', '/images/create', { query: { fromImage: referenceName(ref), tag: ref.digest ?? ref.tag }, signal: ctx.session.signal });
  const columns = ctx.session.tty?.cols;
  await displayJsonMessages(response.body ?? new ReadableStream(), req.quiet ? { write: () => {} } : { write: (t: string) => ctx.err(t), ...(columns !== undefined ? { columns } : {}) });
  void referenceString;
  void command;
  return (await create()).Id;
}

/** `docker run` / `docker create` (and `docker container run|create`). */
export function runCommand(kind: 'run' | 'create'): RawCommand {
  return async (ctx) => {
    const command = ctx.path.replace(/^docker /, '') as 'run' | 'create' | 'container run' | 'container create';
    let req: RunRequest;
    try {
      const parsed = await parseRunRequest(ctx.argv, { command, env: ctx.session.env, cwd: ctx.session.cwd, readFile: async () => undefined });
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
    let id: string;
    try {
      id = await createFor(ctx, req, command);
    } catch (e) {
      if (!(e instanceof DaemonError)) throw e;
      ctx.err(runErrorText(e.message, ctx.path, 'daemon'));
      return 125;
    }
    if (kind === 'create') {
      ctx.out(`${id}\n`);
      return 0;
    }
    return startAndFollow(ctx, id, { detach: req.detach, interactive: req.interactive && req.tty, autoRemove: req.autoRemove, tty: req.tty, command: ctx.path });
  };
}

interface FollowOptions {
  detach: boolean;
  interactive: boolean;
  autoRemove: boolean;
  tty: boolean;
  command: string;
}

async function startAndFollow(ctx: RawContext, id: string, o: FollowOptions): Promise<number> {
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
  // Registered before the start, so a quick exit (and a --rm removal) is not missed.
  const waited = o.detach ? undefined : ctx.client.json<{ StatusCode: number }>('POST', `${path}/wait`, { query: { condition: o.autoRemove ? 'removed' : 'next-exit' } });
  waited?.catch(() => undefined);
  try {
    await ctx.client.request('POST', `${path}/start`, { signal: ctx.session.signal });
  } catch (e) {
    if (!(e instanceof DaemonError)) throw e;
    ctx.err(runErrorText(e.message, o.command, 'daemon'));
    return startStatus(e.message);
  }
  if (o.detach) {
    ctx.out(`${id}\n`);
    return 0;
  }
  await streamLogs(ctx, id, new URLSearchParams({ stdout: '1', stderr: '1', follow: '1', tail: 'all' }), o.tty);
  const result = await (waited as Promise<{ StatusCode: number }>).catch(async () => ({ StatusCode: 0 }));
  return result.StatusCode;
}

/** GET logs and copy it to the session, demultiplexed as it arrives (stdcopy frames may be split). */
async function streamLogs(ctx: RawContext, id: string, query: URLSearchParams, tty: boolean): Promise<void> {
  const response = await ctx.client.request('GET', `/containers/${enc(id)}/logs`, { query: queryOf(query), signal: ctx.session.signal });
  const raw = tty || response.headers.get('Content-Type') === 'application/vnd.docker.raw-stream';
  const reader = (response.body ?? new ReadableStream<Uint8Array>()).getReader();
  let pending = new Uint8Array(0);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (raw) {
        ctx.session.stdout(value);
        continue;
      }
      const joined = new Uint8Array(pending.length + value.length);
      joined.set(pending);
      joined.set(value, pending.length);
      let end = 0;
      const view = new DataView(joined.buffer);
      while (end + 8 <= joined.length && end + 8 + view.getUint32(end + 4) <= joined.length) end += 8 + view.getUint32(end + 4);
      for (const f of demultiplex(joined.subarray(0, end))) (f.stream === 'stderr' ? ctx.session.stderr : ctx.session.stdout).call(ctx.session, f.data);
      pending = joined.slice(end);
    }
  } catch (e) {
    if (!ctx.session.signal.aborted) throw e;
  }
}

/** `docker logs` */
export const logsCommand: RawCommand = async (ctx) => {
  let parsed;
  try {
    parsed = parseLogsArgs(ctx.argv);
  } catch (e) {
    if (!(e instanceof FlagParseError)) throw e;
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
    if (!(e instanceof FlagParseError)) throw e;
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

const EXEC_FLAGS: FlagDef[] = [
  { name: 'detach', short: 'd', kind: 'bool' },
  { name: 'interactive', short: 'i', kind: 'bool' },
  { name: 'tty', short: 't', kind: 'bool' },
  { name: 'env', short: 'e', kind: 'list' },
  { name: 'user', short: 'u', kind: 'string' },
  { name: 'workdir', short: 'w', kind: 'string' },
  { name: 'privileged', kind: 'bool' },
];

/** `docker exec [-it] CONTAINER COMMAND [ARG...]` */
export const execCommand: RawCommand = async (ctx) => {
  let parsed;
  try {
    parsed = parseArgs(ctx.argv, EXEC_FLAGS, { interspersed: false });
  } catch (e) {
    if (!(e instanceof FlagParseError)) throw e;
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
  const v = parsed.values;
  const tty = !!v.get('tty');
  const body = {
    Cmd: cmd,
    Tty: tty,
    AttachStdin: !!v.get('interactive'),
    AttachStdout: true,
    AttachStderr: true,
    ...(v.get('env') ? { Env: v.get('env') as string[] } : {}),
    ...(v.get('user') ? { User: v.get('user') as string } : {}),
    ...(v.get('workdir') ? { WorkingDir: v.get('workdir') as string } : {}),
  };
  const { Id } = await ctx.client.json<{ Id: string }>('POST', `/containers/${enc(container)}/exec`, { body });
  if (v.get('interactive') || tty) {
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
    parsed = parseArgs(ctx.argv, [
      { name: 'attach', short: 'a', kind: 'bool' },
      { name: 'interactive', short: 'i', kind: 'bool' },
    ], { interspersed: true });
  } catch (e) {
    if (!(e instanceof FlagParseError)) throw e;
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
  const attach = !!parsed.values.get('attach') || !!parsed.values.get('interactive');
  if (attach) {
    const name = parsed.args[0] as string;
    const info = await ctx.client.json<{ Id: string; Config: { Tty: boolean; OpenStdin: boolean }; HostConfig: { AutoRemove: boolean } }>('GET', `/containers/${enc(name)}/json`);
    return startAndFollow(ctx, info.Id, { detach: false, interactive: info.Config.Tty && !!parsed.values.get('interactive'), autoRemove: info.HostConfig.AutoRemove, tty: info.Config.Tty, command: ctx.path });
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
