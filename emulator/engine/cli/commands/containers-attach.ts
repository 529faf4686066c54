// `docker attach`: the container's output from now on on the learner's terminal, its stdin from the session (with
// detach keys), signals proxied; and `--detach-keys` read as the docker CLI reads them (run validates them too).
import { FlagError, parseFlags } from '../flags.ts';
import { DaemonError } from '../engine-client.ts';
import { pumpStdin, streamAttach, streamLogs } from './container-output.ts';
import { followWithSignalProxy, proxiesSignals } from './signal-proxy.ts';
import { enc, flagError, queryOf, type RawCommand } from './raw-command.ts';

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
  if (!pump && proxiesSignals(ctx, { tty: info.Config.Tty, sigProxy })) {
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
