// What the commands that parse their own argv share (run, create, start, exec, attach, logs, ps, cp): their context,
// pflag-style usage errors, the path and query helpers, and the CLI's own small files in the guest.
import type { CliSession } from '../cli-session.ts';
import { DaemonError, type EngineClient } from '../engine-client.ts';

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

export const enc = (s: string) => encodeURIComponent(s);
export const queryOf = (q: URLSearchParams): Record<string, string> => {
  const out: Record<string, string> = {};
  q.forEach((v, k) => (out[k] = v));
  return out;
};

export function flagError(ctx: RawContext, e: Error, usage: string): number {
  const unknown = /^(unknown|bad|invalid|flag needs)/.test(e.message);
  ctx.err(unknown ? `${e.message}\n\nUsage:  ${usage}\n\nRun '${ctx.path} --help' for more information\n` : `docker: ${e.message}\nSee '${ctx.path} --help'.\n`);
  return unknown ? 125 : 1;
}

/** The CLI's own file in the guest (`--env-file`): undefined when it does not exist. */
export async function readGuestFile(ctx: RawContext, path: string): Promise<string | undefined> {
  try {
    return await (await ctx.client.request('GET', '/drydock/guest-file', { query: { path } })).text();
  } catch (e) {
    if (e instanceof DaemonError && e.status === 404) return undefined;
    throw e;
  }
}

