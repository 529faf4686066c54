// The storage interface under the content store: a flat key -> bytes map with atomic writes, implemented
// by memory (tests), OPFS (browser) and a directory (Node, emulator/node-backends/).

export interface BlobBackend {
  /** True when `path` holds a complete value (never for a write still in progress). */
  has(path: string): Promise<boolean>;
  /** The value's bytes, or undefined when absent. */
  get(path: string): Promise<ReadableStream<Uint8Array> | undefined>;
  /** Size in bytes, or undefined when absent. */
  size(path: string): Promise<number | undefined>;
  /**
   * Stores the stream's bytes at `path` atomically: if the stream errors (digest mismatch, truncated
   * download, abort), put rejects with that error and `path` keeps its previous state.
   */
  put(path: string, data: ReadableStream<Uint8Array>): Promise<void>;
  /** Removes `path`; absent paths are not an error. */
  delete(path: string): Promise<void>;
  /** Every stored path that starts with `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
}

export function bytesStream(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      if (bytes.byteLength > 0) controller.enqueue(bytes);
      controller.close();
    },
  });
}

export async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  return chunks.length === 1 && chunks[0] ? chunks[0] : concatBytes(chunks);
}

/** One buffer holding the chunks in order. */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
