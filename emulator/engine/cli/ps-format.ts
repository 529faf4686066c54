// `docker ps` output fields as the docker CLI's container formatter computes them from `/containers/json`
// (`{{.ID}}`, `{{.Names}}`, `{{.Command}}`, `{{.RunningFor}}`, ...), and its default table.
import { filtersQuery } from './filter-flag.ts';
import type { ContainerSummary } from '../containers/container-json.ts';
import { humanDuration } from '../units/human.ts';
import { displayablePorts } from '../network/port-format.ts';
import { FlagError, parseFlags, parseGoInt, type FlagSpec } from './flags.ts';

/** Same shape as the CLI's ListFormat (emulator/engine/cli/output-format.ts). */
export const PS_FORMAT = {
  defaultTable: '{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}',
  headers: {
    ID: 'CONTAINER ID',
    Image: 'IMAGE',
    Command: 'COMMAND',
    CreatedAt: 'CREATED AT',
    RunningFor: 'CREATED',
    Status: 'STATUS',
    State: 'STATE',
    Ports: 'PORTS',
    Names: 'NAMES',
    Labels: 'LABELS',
    Mounts: 'MOUNTS',
    Networks: 'NETWORKS',
    Size: 'SIZE',
  } as Record<string, string>,
};

/** The CLI's Ellipsis: at most `max` characters, the last one `…` when cut. */
function ellipsis(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** Go's strconv.Quote for printable text (control characters aside, JSON's escaping is the same). */
function goQuote(text: string): string {
  return JSON.stringify(text);
}

/** One row's fields; `trunc` is the CLI default (`--no-trunc` turns it off). */
export function psRow(c: ContainerSummary, options: { trunc: boolean; now: number }): Record<string, string> {
  const names = c.Names.map((n) => n.replace(/^\//, ''));
  const image = options.trunc && c.Image.startsWith('sha256:') ? c.Image.slice(7, 19) : c.Image;
  return {
    ID: options.trunc ? c.Id.slice(0, 12) : c.Id,
    Image: image,
    Command: goQuote(options.trunc ? ellipsis(c.Command, 20) : c.Command),
    CreatedAt: `${new Date(c.Created * 1000).toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`,
    RunningFor: `${humanDuration(options.now - c.Created * 1000)} ago`,
    Status: c.Status,
    State: c.State,
    Ports: displayablePorts(c.Ports),
    Names: names.join(','),
    Labels: Object.entries(c.Labels).map(([k, v]) => `${k}=${v}`).join(','),
    Mounts: c.Mounts.map((m) => (m.Type === 'volume' ? (options.trunc ? ellipsis(m.Name ?? '', 15) : (m.Name ?? '')) : m.Source)).join(','),
    Networks: Object.keys(c.NetworkSettings.Networks).sort().join(','),
    Size: '0B',
  };
}

export interface PsArgs {
  /** query string for `GET /containers/json` */
  query: URLSearchParams;
  quiet: boolean;
  trunc: boolean;
  format?: string;
  size: boolean;
}

const PS_FLAGS: FlagSpec[] = [
  { name: 'all', short: 'a', type: 'bool' },
  { name: 'quiet', short: 'q', type: 'bool' },
  { name: 'no-trunc', type: 'bool' },
  { name: 'latest', short: 'l', type: 'bool' },
  { name: 'last', short: 'n', type: 'string', parse: parseGoInt },
  { name: 'size', short: 's', type: 'bool' },
  { name: 'filter', short: 'f', type: 'list' },
  { name: 'format', type: 'string' },
];

/** `docker ps` flags -> the Engine API query and output options. Throws FlagError with pflag's and the CLI's messages. */
export function parsePsArgs(argv: readonly string[]): PsArgs | { help: true } {
  const parsed = parseFlags(argv, PS_FLAGS, { interspersed: true });
  if (parsed.help) return { help: true };
  if (parsed.args.length > 0) throw new FlagError(`"docker ps" accepts no arguments.`);
  const v = parsed.flags;
  const query = new URLSearchParams();
  if (v['all']) query.set('all', '1');
  const last = (v['last'] as number | undefined) ?? -1;
  const limit = v['latest'] ? 1 : last;
  if (limit > 0) query.set('limit', String(limit));
  const filters = filtersQuery((v['filter'] as string[] | undefined) ?? [], (m) => new FlagError(m));
  if (filters) query.set('filters', filters);
  const size = (v['size'] as boolean | undefined) ?? false;
  if (size) query.set('size', '1');
  const out: PsArgs = { query, quiet: (v['quiet'] as boolean | undefined) ?? false, trunc: !v['no-trunc'], size };
  const format = v['format'] as string | undefined;
  if (format !== undefined) out.format = format;
  return out;
}
