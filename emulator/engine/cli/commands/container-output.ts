// The streams between the CLI's session and a container, as the docker CLI copies them: the attach or logs
// response to the terminal (demultiplexed as it arrives), the session's stdin to the container's (with detach keys).
import { demultiplex } from '../../containers/logs-api.ts';
import { enc, queryOf, type RawContext } from './raw-command.ts';

function base64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/**
 * Copies the session's stdin to the container's until EOF (then closes the container's when closeAtEof, Docker's
 * StdinOnce) or stop(). detachKeys (bytes) in the input end the copy and call onDetach instead.
 */
export function pumpStdin(ctx: RawContext, id: string, closeAtEof: boolean, detach?: { keys: number[]; onDetach: () => void }): { stop(): void; done: Promise<void> } {
  const path = `/containers/${enc(id)}/drydock-stdin`;
  const reader = ctx.session.stdin.getReader();
  let stopped = false;
  let matched = 0;
  const done = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (stopped) return;
        if (done) break;
        let chunk = value;
        if (detach) {
          for (let i = 0; i < value.length; i++) {
            matched = value[i] === detach.keys[matched] ? matched + 1 : value[i] === detach.keys[0] ? 1 : 0;
            if (matched === detach.keys.length) {
              const before = value.subarray(0, Math.max(0, i + 1 - detach.keys.length));
              if (before.length) await ctx.client.request('POST', path, { body: { Data: base64(before) } });
              stopped = true;
              detach.onDetach();
              return;
            }
          }
          // A partial escape sequence at the end is held back until the next chunk says what it was.
          chunk = value.subarray(0, value.length - matched);
        }
        if (chunk.length) await ctx.client.request('POST', path, { body: { Data: base64(chunk) } });
      }
      if (closeAtEof) await ctx.client.request('POST', path, { body: { Eof: true } });
    } catch {
      // the container has gone: its stdin with it
    }
  })();
  return {
    stop() {
      stopped = true;
      void reader.cancel().catch(() => undefined);
    },
    done,
  };
}

export type OutputSink = (stream: 'stdout' | 'stderr', data: Uint8Array) => void;

/** GET logs and copy it to the session (or `sink`), demultiplexed as it arrives (stdcopy frames may be split). */
export async function streamLogs(ctx: RawContext, id: string, query: URLSearchParams, tty: boolean, signal: AbortSignal = ctx.session.signal, sink?: OutputSink): Promise<void> {
  const response = await ctx.client.request('GET', `/containers/${enc(id)}/logs`, { query: queryOf(query), signal });
  await copyOutput(ctx, response, tty, signal, sink);
}

/**
 * The attach endpoint's stream (the current run's output as it comes, not the log's whole lines: a shell's prompt has
 * no newline) copied to the session, as the docker CLI attaches; input goes by drydock-stdin (pumpStdin).
 */
export async function streamAttach(ctx: RawContext, id: string, tty: boolean, signal: AbortSignal): Promise<void> {
  const response = await ctx.client.request('POST', `/containers/${enc(id)}/attach`, { query: { stream: '1', stdout: '1', stderr: '1' }, signal });
  await copyOutput(ctx, response, tty, signal);
}

export async function copyOutput(ctx: RawContext, response: Response, tty: boolean, signal: AbortSignal, sink?: OutputSink): Promise<void> {
  const write: OutputSink = sink ?? ((stream, data) => (stream === 'stderr' ? ctx.session.stderr : ctx.session.stdout).call(ctx.session, data));
  const raw = tty || response.headers.get('Content-Type') === 'application/vnd.docker.raw-stream';
  const reader = (response.body ?? new ReadableStream<Uint8Array>()).getReader();
  // the in-process router hands over the body itself, which a request's abort does not end: cancelled here (a detach)
  const stop = () => void reader.cancel().catch(() => undefined);
  signal.addEventListener('abort', stop, { once: true });
  let pending = new Uint8Array(0);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (raw) {
        write('stdout', value);
        continue;
      }
      const joined = new Uint8Array(pending.length + value.length);
      joined.set(pending);
      joined.set(value, pending.length);
      let end = 0;
      const view = new DataView(joined.buffer);
      while (end + 8 <= joined.length && end + 8 + view.getUint32(end + 4) <= joined.length) end += 8 + view.getUint32(end + 4);
      for (const f of demultiplex(joined.subarray(0, end))) write(f.stream === 'stderr' ? 'stderr' : 'stdout', f.data);
      pending = joined.slice(end);
    }
  } catch (e) {
    if (!signal.aborted) throw e;
  } finally {
    signal.removeEventListener('abort', stop);
  }
}
