// The HTTP side of the daemon's streams, as dockerd's routers write them: a container's output (attach, exec start)
// raw with a tty and in stdcopy's multiplexed frames without, with the content type that tells the client which (and
// that a transport turns into `101 UPGRADED`, hijack.ts); JSON documents one a line (stats).
import { stdcopyFrame } from '../containers/logs-api.ts';
import type { ContainerOutput, OutputChunk } from '../daemon/container-attach.ts';
import { MULTIPLEXED_STREAM, RAW_STREAM } from './hijack.ts';

/** A 200 whose body is the output, framed for the client; its cancel reaches the daemon's stream (the client went). */
export function outputResponse(output: ContainerOutput): Response {
  const body = output.chunks.pipeThrough(
    new TransformStream<OutputChunk, Uint8Array>({
      transform: (chunk, c) => c.enqueue(output.tty ? chunk.data : stdcopyFrame(chunk.stream, chunk.data)),
    }),
  );
  return new Response(body, { status: 200, headers: { 'Content-Type': output.tty ? RAW_STREAM : MULTIPLEXED_STREAM } });
}

/** A 200 streaming each document as a JSON line, as dockerd's json.Encoder does. */
export function jsonLinesResponse(documents: ReadableStream<unknown>): Response {
  const encoder = new TextEncoder();
  const body = documents.pipeThrough(new TransformStream<unknown, Uint8Array>({ transform: (doc, c) => c.enqueue(encoder.encode(`${JSON.stringify(doc)}\n`)) }));
  return new Response(body, { status: 200, headers: { 'Content-Type': 'application/json' } });
}
