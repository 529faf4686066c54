// `GET /containers/{id}/logs` as the Engine API takes it (stdout, stderr, tail, timestamps, since, until, follow)
// and answers it: raw text for tty containers, the 8-byte multiplexed frames (stdcopy) otherwise.
import { boolValue } from '../api/route-request.ts';
import { EngineError } from '../errors.ts';
import type { LogEntry, LogReadOptions, LogStream } from './log-store.ts';
import { formatLogLine } from './log-store.ts';

export interface LogsQuery extends LogReadOptions {
  follow: boolean;
  timestamps: boolean;
}


/** Docker's `since`/`until`: unix seconds (with fraction), RFC 3339, or a duration back from now (`10m`, `1h30m`). */
export function parseLogTime(value: string, now: number): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const duration = /^((\d+(\.\d+)?)(h|m|s|ms))+$/.test(value);
  if (duration) {
    let ms = 0;
    for (const m of value.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
      const n = Number(m[1]);
      ms += m[2] === 'h' ? n * 3_600_000 : m[2] === 'm' ? n * 60_000 : m[2] === 's' ? n * 1000 : n;
    }
    return now - ms;
  }
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new EngineError('INVALID_ARGUMENT', `invalid value for "since": failed to parse value as time or duration: "${value}"`);
  return t;
}

export function parseLogsQuery(params: URLSearchParams, now: number): LogsQuery {
  const stdout = boolValue(params.get('stdout'));
  const stderr = boolValue(params.get('stderr'));
  if (!stdout && !stderr) throw new EngineError('INVALID_ARGUMENT', 'Bad parameters: you must choose at least one stream');
  const query: LogsQuery = { stdout, stderr, follow: boolValue(params.get('follow')), timestamps: boolValue(params.get('timestamps')) };
  const tail = params.get('tail');
  if (tail !== null && tail !== '' && tail !== 'all') {
    if (!/^\d+$/.test(tail)) throw new EngineError('INVALID_ARGUMENT', `invalid value for "tail": "${tail}"`);
    query.tail = Number(tail);
  }
  const since = params.get('since');
  if (since && since !== '0') query.since = parseLogTime(since, now);
  const until = params.get('until');
  if (until && until !== '0') query.until = parseLogTime(until, now);
  return query;
}

/** One stdcopy frame: [stream, 0, 0, 0, size (big-endian u32)] then the bytes. stdin 0, stdout 1, stderr 2. */
export function stdcopyFrame(stream: LogStream, data: Uint8Array): Uint8Array {
  const frame = new Uint8Array(8 + data.byteLength);
  frame[0] = stream === 'stdout' ? 1 : 2;
  new DataView(frame.buffer).setUint32(4, data.byteLength, false);
  frame.set(data, 8);
  return frame;
}

/** A log entry as the logs endpoint sends it: framed unless the container has a tty. */
export function encodeLogEntry(entry: LogEntry, options: { tty: boolean; timestamps: boolean }): Uint8Array {
  const bytes = new TextEncoder().encode(formatLogLine(entry, options.timestamps));
  return options.tty ? bytes : stdcopyFrame(entry.stream, bytes);
}

/** Splits a multiplexed logs/attach body back into streams (what the CLI's stdcopy does). */
export function demultiplex(bytes: Uint8Array): { stream: LogStream; data: Uint8Array }[] {
  const out: { stream: LogStream; data: Uint8Array }[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  while (offset + 8 <= bytes.byteLength) {
    const size = view.getUint32(offset + 4, false);
    out.push({ stream: bytes[offset] === 2 ? 'stderr' : 'stdout', data: bytes.subarray(offset + 8, offset + 8 + size) });
    offset += 8 + size;
  }
  return out;
}
