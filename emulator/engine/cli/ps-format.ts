// `docker ps` output fields as the docker CLI's container formatter computes them from `/containers/json`
// (`{{.ID}}`, `{{.Names}}`, `{{.Command}}`, `{{.RunningFor}}`, ...), and its default table.
import { filtersQuery } from './filter-flag.ts';
import type { ContainerSummary } from '../containers/container-json.ts';
import { humanDuration } from '../units/human.ts';
import { displayablePorts } from '../network/port-format.ts';
import { FlagParseError, parseArgs, parseGoInt, type FlagDef } from '../containers/pflag.ts';

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

const PS_FLAGS: FlagDef[] = [
  { name: 'all', short: 'a', kind: 'bool' },
  { name: 'quiet', short: 'q', kind: 'bool' },
  { name: 'no-trunc', kind: 'bool' },
  { name: 'latest', short: 'l', kind: 'bool' },
  { name: 'last', short: 'n', kind: 'string', parse: parseGoInt },
  { name: 'size', short: 's', kind: 'bool' },
  { name: 'filter', short: 'f', kind: 'list' },
  { name: 'format', kind: 'string' },
];

/** `docker ps` flags -> the Engine API query and output options. Throws FlagParseError with pflag's and the CLI's messages. */
export function parsePsArgs(argv: readonly string[]): PsArgs | { help: true } {
  const parsed = parseArgs(argv, PS_FLAGS, { interspersed: true });
  if (parsed.help) return { help: true };
  if (parsed.args.length > 0) throw new FlagParseError(`"docker ps" accepts no arguments.`);
  const v = parsed.values;
  const query = new URLSearchParams();
  if (v.get('all')) query.set('all', '1');
  const last = (v.get('last') as number | undefined) ?? -1;
  const limit = v.get('latest') ? 1 : last;
  if (limit > 0) query.set('limit', String(limit));
  const filters = filtersQuery((v.get('filter') as string[] | undefined) ?? [], (m) => new FlagParseError(m));
  if (filters) query.set('filters', filters);
  const size = (v.get('size') as boolean | undefined) ?? false;
  if (size) query.set('size', '1');
  const out: PsArgs = { query, quiet: (v.get('quiet') as boolean | undefined) ?? false, trunc: !v.get('no-trunc'), size };
  const format = v.get('format') as string | undefined;
  if (format !== undefined) out.format = format;
  return out;
}
