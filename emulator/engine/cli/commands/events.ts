// `docker events` / `docker system events`: the daemon's event stream (GET /events), printed as the docker CLI's
// prettyPrintEvent prints it, until ^C or `--until`.
import { parseGoDuration } from '../../units/go-duration.ts';
import { CliError, type Command } from '../command.ts';
import { filtersQuery } from '../filter-flag.ts';
import { FlagError } from '../flags.ts';
import { renderTemplate } from '../go-template.ts';

interface EventMessage {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes?: Record<string, string> };
  scope?: string;
  time?: number;
  timeNano?: number;
}

/**
 * The event as a template sees it: moby's events.Message by its Go field names (`.Time`, `.TimeNano`, `.Scope`), where
 * the JSON has `time`, `timeNano`, `scope`. TimeNano is past 2^53: its digits are taken from the line as they came.
 */
export function templateView(m: EventMessage, line: string): Record<string, unknown> {
  const timeNano = /"timeNano":\s*(\d+)/.exec(line)?.[1] ?? String(m.timeNano ?? 0);
  return { Type: m.Type, Action: m.Action, Actor: { ID: m.Actor.ID, Attributes: m.Actor.Attributes ?? {} }, Scope: m.scope ?? 'local', Time: m.time ?? 0, TimeNano: timeNano };
}

export const events: Command = {
  usage: 'docker system events [OPTIONS]',
  aliases: 'docker system events, docker events',
  description: 'Get real time events from the server',
  flags: [
    { name: 'filter', short: 'f', type: 'strings', valueName: 'filter', description: 'Filter output based on conditions provided' },
    {
      name: 'format',
      type: 'string',
      valueName: 'string',
      description: "Format output using a custom template:\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates",
    },
    { name: 'since', type: 'string', valueName: 'string', description: 'Show all events created since timestamp' },
    { name: 'until', type: 'string', valueName: 'string', description: 'Stream events until this timestamp' },
  ],
  args: { max: 0 },
  async run(ctx) {
    const now = ctx.now();
    const stamp = (name: string) => {
      const value = ctx.flags[name] as string | undefined;
      return value === undefined || value === '' ? undefined : cliTimestamp(value, now);
    };
    const format = ctx.flags.format as string | undefined;
    const response = await ctx.client.request('GET', '/events', {
      query: { since: stamp('since'), until: stamp('until'), filters: filtersQuery((ctx.flags.filter as string[] | undefined) ?? [], (m) => new FlagError(m)) },
      signal: ctx.session.signal,
    });
    const reader = (response.body ?? new ReadableStream<Uint8Array>()).getReader();
    const decoder = new TextDecoder();
    let pending = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        pending += decoder.decode(value, { stream: true });
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          if (!line.trim()) continue;
          const m = JSON.parse(line) as EventMessage;
          if (format === 'json' || format === '{{json .}}') ctx.out(`${line}\n`);
          else if (format) ctx.out(`${renderTemplate(format, templateView(m, line) as never)}\n`);
          else ctx.out(prettyEvent(m, line));
        }
      }
    } catch (e) {
      if (!ctx.session.signal.aborted) throw e;
    }
    return 0;
  },
};

/** prettyPrintEvent: RFC3339NanoFixed time (the guest's zone is UTC), type, action, actor, attributes sorted. */
function prettyEvent(m: EventMessage, line: string): string {
  // the exact nanoseconds are in the text (a JSON number past 2^53 loses them in JSON.parse)
  const nanoText = /"timeNano":(\d+)/.exec(line)?.[1];
  let text = '';
  if (nanoText) {
    const nano = BigInt(nanoText);
    const seconds = Number(nano / 1_000_000_000n);
    const fraction = (nano % 1_000_000_000n).toString().padStart(9, '0');
    text = `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${fraction}Z `;
  } else if (m.time) {
    text = `${new Date(m.time * 1000).toISOString().slice(0, 19)}.000000000Z `;
  }
  text += `${m.Type} ${m.Action} ${m.Actor.ID}`;
  const attributes = Object.entries(m.Actor.Attributes ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (attributes.length > 0) text += ` (${attributes.map(([k, v]) => `${k}=${v}`).join(', ')})`;
  return `${text}\n`;
}

/**
 * The docker CLI's GetTimestamp: a Go duration is that long before now (whole seconds), a date or RFC 3339 time
 * becomes `seconds.nanoseconds` (the guest's zone is UTC), a unix timestamp passes as it is.
 */
export function cliTimestamp(value: string, now: Date): string {
  const d = value === '0' ? undefined : parseGoDuration(value);
  if (typeof d === 'number') return String(Math.floor((now.getTime() - d / 1e6) / 1000));
  if (value.includes('-')) {
    const iso = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : /[zZ]|[+-]\d{2}:\d{2}$/.test(value) ? value : `${value}Z`;
    const ms = Date.parse(iso);
    if (Number.isNaN(ms)) throw new CliError(`parsing time "${value}" as "2006-01-02T15:04:05.999999999Z07:00": cannot parse "${value}" as a time`);
    const fraction = /\.(\d{1,9})/.exec(value)?.[1] ?? '';
    return `${Math.floor(ms / 1000)}.${fraction.padEnd(9, '0')}`;
  }
  if (!/^\d+(\.\d{1,9})?$/.test(value)) throw new CliError(`failed to parse value as time or duration: "${value}"`);
  return value;
}
