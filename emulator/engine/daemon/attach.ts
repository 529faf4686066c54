// `docker attach` and a container's stdin (moby's daemon/attach.go): the output of its run from now on, what it
// logged first, and the client's input as the stdin of a container started with OpenStdin (`-i`).
import { formatLogLine } from '../containers/log-store.ts';
import { EngineError } from '../errors.ts';
import { pumpInput } from '../api/hijack.ts';
import { running, type DaemonState } from './daemon-state.ts';
import { attachOutput, type ContainerOutput, type OutputChunk } from './container-attach.ts';

export interface AttachOptions {
  stream: boolean;
  logs: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}

/**
 * `POST /containers/{id}/attach` (dockerd's ContainerAttach): with `stream`, the output of the container's run
 * from now on (of its next run when it is not running: `docker run` and `start -a` attach before they start), the
 * body ending when that run ends; with `logs`, what it logged first. A hijacked request's input is the
 * container's stdin when `stdin` is asked and the container has one (-i); its end closes that stdin when the
 * container says StdinOnce (`run -i`), as the docker CLI's half-close does (the CLI half-closes at once when it
 * attaches no stdin, so a half-close never means the client has gone).
 */
export function attach(d: DaemonState, ref: string, options: AttachOptions, input: ReadableStream<Uint8Array> | undefined, signal?: AbortSignal): ContainerOutput {
  const record = d.deps.containers.get(ref);
  const id = record.id;
  const tty = record.config.Tty;
  const encoder = new TextEncoder();
  const before: OutputChunk[] = options.logs ? d.deps.logs.read(id, { stdout: options.stdout, stderr: options.stderr }).map((e) => ({ stream: e.stream, data: encoder.encode(formatLogLine(e, false)) })) : [];
  const chunks = options.stream
    ? attachOutput({ stdout: options.stdout, stderr: options.stderr, before }, (l) => d.attached.listen(id, l))
    : new ReadableStream<OutputChunk>({ start: (c) => (before.forEach((b) => c.enqueue(b)), c.close()) });
  if (input) {
    if (options.stdin && options.stream && record.config.OpenStdin) void pumpStdin(d, id, record.config.StdinOnce === true, input, signal);
    // nothing reads it: drained so the transport is never held up by it
    else void pumpInput(input, async () => {}, signal);
  }
  d.event(record, 'attach');
  return { tty, chunks };
}

/** An attached client's stdin into the container's (its next run's, when it has not started yet). */
async function pumpStdin(d: DaemonState, id: string, once: boolean, input: ReadableStream<Uint8Array>, signal?: AbortSignal): Promise<void> {
  let gone = false;
  const end = await pumpInput(input, async (chunk) => {
    if (gone) return;
    const proc = await d.attached.stdin(id, { wait: true });
    if (!proc?.write) return void (gone = true);
    // a write that fails means the process has ended: the rest of the input is drained, as a pipe's reader gone
    await proc.write(chunk).catch(() => (gone = true));
  }, signal);
  if (end !== 'eof' || !once || gone) return;
  const proc = await d.attached.stdin(id, { wait: true });
  // the process may have ended first: its stdin is closed already
  await proc?.closeStdin?.().catch(() => undefined);
}

/** Writes bytes to the stdin of a container started with OpenStdin (`-i`); `eof` closes it (StdinOnce). */
export async function writeStdin(d: DaemonState, ref: string, data: Uint8Array, eof: boolean): Promise<void> {
  const record = d.deps.containers.get(ref);
  const proc = await d.attached.stdin(record.id, { wait: false });
  if (!proc?.write) {
    if (!record.config.OpenStdin) throw new EngineError('CONFLICT', `container ${record.id} was not started with an open stdin (-i)`);
    if (!running(record)) throw new EngineError('CONFLICT', `container ${record.id} is not running`);
    return;
  }
  try {
    if (data.length) await proc.write(data);
    if (eof) await proc.closeStdin?.();
  } catch {
    // the process has ended: what it did not read is lost, as with a pipe
  }
}
