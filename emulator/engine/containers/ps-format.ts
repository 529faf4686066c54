// `docker ps` output fields as the docker CLI's container formatter computes them from `/containers/json`
// (`{{.ID}}`, `{{.Names}}`, `{{.Command}}`, `{{.RunningFor}}`, ...), and its default table.
import type { ContainerSummary } from './container-json.ts';
import { humanDuration } from './container-state.ts';

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

/** Go's strconv.Quote for the printable ASCII and UTF-8 the Command column holds. */
function goQuote(text: string): string {
  return JSON.stringify(text).replace(/\u2026/g, '…');
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
    Ports: '',
    Names: names.join(','),
    Labels: Object.entries(c.Labels).map(([k, v]) => `${k}=${v}`).join(','),
    Mounts: c.Mounts.map((m) => (m.Type === 'volume' ? (options.trunc ? ellipsis(m.Name ?? '', 15) : (m.Name ?? '')) : m.Source)).join(','),
    Networks: Object.keys(c.NetworkSettings.Networks).join(','),
    Size: '0B',
  };
}
