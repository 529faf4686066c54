// --sig-proxy: while a run (or attach) without a tty follows a container on the learner's terminal, the signals
// the CLI gets (^C, ^\) go to the container, through relay processes that own the terminal (attach-relay.ts).
import type { ProcessEnd } from '../cli-session.ts';
import { closeRelay, openRelay, RELAY_COMMAND } from './attach-relay.ts';
import { copyOutput } from './container-output.ts';
import { enc, readGuestFile, type RawContext } from './raw-command.ts';

/** What decides whether signals are proxied: the follow's tty, stdin and --sig-proxy. */
export interface ProxyOptions {
  tty: boolean;
  stdin?: 'once' | 'keep' | 'none';
  sigProxy?: boolean;
}

/**
 * --sig-proxy applies to an attached container without a tty (with one, ^C is a byte for the container's terminal),
 * on a terminal (where ^C comes from), and without stdin to copy: a relay process owns the terminal's stdin while
 * it runs, and the shim would not read it for the CLI.
 */
export function proxiesSignals(ctx: RawContext, o: ProxyOptions): boolean {
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
export async function followWithSignalProxy(ctx: RawContext, id: string, output: Response, tty: boolean): Promise<number | undefined> {
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
