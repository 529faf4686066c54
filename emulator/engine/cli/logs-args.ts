// `docker logs [OPTIONS] CONTAINER`'s flags, turned into the query of `GET /containers/{id}/logs`.
import { FlagError, parseFlags, type FlagSpec } from './flags.ts';

const LOGS_FLAGS: FlagSpec[] = [
  { name: 'follow', short: 'f', type: 'bool' },
  { name: 'timestamps', short: 't', type: 'bool' },
  { name: 'tail', short: 'n', type: 'string' },
  { name: 'since', type: 'string' },
  { name: 'until', type: 'string' },
  { name: 'details', type: 'bool' },
];

/** `docker logs [OPTIONS] CONTAINER` -> the container and the query the CLI sends (stdout and stderr both). */
export function parseLogsArgs(argv: readonly string[]): { container: string; query: URLSearchParams } | { help: true } {
  const parsed = parseFlags(argv, LOGS_FLAGS, { interspersed: true });
  if (parsed.help) return { help: true };
  if (parsed.args.length !== 1) throw new FlagError(`"docker logs" requires exactly 1 argument.`);
  const v = parsed.flags;
  const query = new URLSearchParams({ stdout: '1', stderr: '1' });
  if (v['follow']) query.set('follow', '1');
  if (v['timestamps']) query.set('timestamps', '1');
  query.set('tail', (v['tail'] as string | undefined) ?? 'all');
  const since = v['since'] as string | undefined;
  if (since) query.set('since', since);
  const until = v['until'] as string | undefined;
  if (until) query.set('until', until);
  return { container: parsed.args[0] as string, query };
}
