// `docker run`, `create` and `start`: the run flow as the docker CLI has it (create, pulling on `No such image`;
// attach before the start; the wait; the ID printed for -d), `-it` on the learner's terminal (the shim spawns
// drydock-init there), and `start -a/-i`. The streams are container-output.ts, --sig-proxy signal-proxy.ts.
import { parseRunOptions, type RunOptions } from '../run-options.ts';
import { formatRunError, runErrorText, runHelpText } from '../run-usage.ts';
import { MAC_ADDRESS_API_ERROR } from '../run-network-flags.ts';
import { FlagError, parseFlags } from '../flags.ts';
import { EngineError } from '../../errors.ts';
import { familiarString, isFullImageId, parseNormalizedNamed, referenceName } from '../../registry/reference.ts';
import type { ProcessEnd } from '../cli-session.ts';
import { DaemonError } from '../engine-client.ts';
import { displayJsonMessages } from '../json-messages.ts';
import { copyOutput, pumpStdin } from './container-output.ts';
import { detachKeyBytes } from './containers-attach.ts';
import { followWithSignalProxy, proxiesSignals } from './signal-proxy.ts';
import { enc, flagError, readGuestFile, type RawContext, type RawCommand } from './raw-command.ts';

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
