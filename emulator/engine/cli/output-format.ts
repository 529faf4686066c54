// `--format` for list commands, like the docker CLI's formatter: `table` (default columns, aligned),
// `table TEMPLATE` (header row from the same template), `json` (one object a line), or a bare Go template.
import { renderTemplate } from './go-template.ts';
import { tabulate } from './tab-writer.ts';

export interface ListFormat {
  /** the template behind plain `table` */
  defaultTable: string;
  /** column headers by field name */
  headers: Record<string, string>;
}

/** Go's `\t` and `\n` escapes are accepted inside --format, as the docker CLI does. */
function unescape(format: string): string {
  return format.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
}

export function formatList(format: string | undefined, rows: Record<string, unknown>[], spec: ListFormat): string {
  const f = format ?? '';
  if (f === 'json') return rows.map((r) => `${goJson(sortKeys(r))}\n`).join('');
  const table = f === '' || f === 'table' || f.startsWith('table ');
  if (!table) {
    const template = unescape(f);
    return rows.map((r) => `${renderTemplate(template, r)}\n`).join('');
  }
  const template = f === '' || f === 'table' ? spec.defaultTable : unescape(f.slice('table '.length));
  const text = [renderTemplate(template, spec.headers), ...rows.map((r) => renderTemplate(template, r))].join('\n');
  return `${tabulate(text)}\n`;
}

function sortKeys(r: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** JSON as Go's encoding/json writes it: `<`, `>` and `&` escaped. */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
}
