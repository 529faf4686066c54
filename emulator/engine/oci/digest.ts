// Content digests (`sha256:<64 hex>`): parsing, validation, and streaming SHA-256 (WebCrypto cannot hash a stream).
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { EngineError } from '../errors.ts';

/** A validated sha256 digest, as the OCI image spec writes it. */
export type Digest = `sha256:${string}` & { readonly __brand: 'Digest' };

const SHA256_RE = /^sha256:[a-f0-9]{64}$/;
// OCI image spec, "Digests": algorithm ":" encoded, with the grammar below.
const ANY_DIGEST_RE = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export function isDigest(value: unknown): value is Digest {
  return typeof value === 'string' && SHA256_RE.test(value);
}

/** Validates `value` as a sha256 digest; throws INVALID_ARGUMENT saying what is wrong. */
export function parseDigest(value: string): Digest {
  if (isDigest(value)) return value;
  if (!ANY_DIGEST_RE.test(value)) {
    throw new EngineError('INVALID_ARGUMENT', `invalid digest "${value}": expected algorithm:hex, e.g. sha256:<64 hex digits>`);
  }
  const [algorithm, encoded = ''] = value.split(':', 2);
  if (algorithm !== 'sha256') {
    throw new EngineError('INVALID_ARGUMENT', `unsupported digest algorithm "${algorithm}" in "${value}": only sha256 is supported`);
  }
  throw new EngineError(
    'INVALID_ARGUMENT',
    `invalid sha256 digest "${value}": expected 64 lowercase hex digits, got ${encoded.length} characters`,
  );
}

/** The 64 hex digits of a digest (used as a file name: blobs/sha256/<hex>). */
export function digestHex(digest: Digest): string {
  return digest.slice('sha256:'.length);
}

/** Docker's short image ID: 12 hex digits. */
export function shortId(digest: Digest | string): string {
  const hex = digest.startsWith('sha256:') ? digest.slice(7) : digest;
  return hex.slice(0, 12);
}

export function sha256Digest(bytes: Uint8Array): Digest {
  return `sha256:${bytesToHex(sha256(bytes))}` as Digest;
}

export function sha256DigestOfString(text: string): Digest {
  return sha256Digest(new TextEncoder().encode(text));
}

/** Incremental SHA-256 for bytes that arrive in chunks. */
export class StreamingDigester {
  #hash = sha256.create();
  #size = 0;

  update(chunk: Uint8Array): void {
    this.#hash.update(chunk);
    this.#size += chunk.byteLength;
  }

  get size(): number {
    return this.#size;
  }

  digest(): Digest {
    return `sha256:${bytesToHex(this.#hash.digest())}` as Digest;
  }
}

/**
 * A pass-through stream that hashes what flows through it. `result` resolves when the stream ends;
 * if `expected` is given, the stream errors with DIGEST_MISMATCH instead of closing cleanly when the
 * bytes do not match (size or digest), so a consumer never sees a clean end of unverified data.
 */
export function digestingStream(expected?: { digest: Digest; size?: number }): {
  stream: TransformStream<Uint8Array, Uint8Array>;
  result: Promise<{ digest: Digest; size: number }>;
} {
  const digester = new StreamingDigester();
  let resolve!: (r: { digest: Digest; size: number }) => void;
  let reject!: (e: unknown) => void;
  const result = new Promise<{ digest: Digest; size: number }>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Avoid an unhandled rejection when the caller only listens to the stream.
  result.catch(() => {});
  const stream = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      digester.update(chunk);
      if (expected?.size !== undefined && digester.size > expected.size) {
        const error = sizeMismatch(expected.digest, expected.size, digester.size, 'more');
        reject(error);
        controller.error(error);
        return;
      }
      controller.enqueue(chunk);
    },
    flush(controller) {
      const actual = digester.digest();
      if (expected) {
        if (expected.size !== undefined && digester.size !== expected.size) {
          const error = sizeMismatch(expected.digest, expected.size, digester.size, 'fewer');
          reject(error);
          controller.error(error);
          return;
        }
        if (actual !== expected.digest) {
          const error = digestMismatch(expected.digest, actual);
          reject(error);
          controller.error(error);
          return;
        }
      }
      resolve({ digest: actual, size: digester.size });
    },
  });
  return { stream, result };
}

export function digestMismatch(expected: Digest, actual: Digest): EngineError {
  return new EngineError('DIGEST_MISMATCH', `digest mismatch: expected ${expected}, got ${actual}`, {
    details: { expected, actual },
  });
}

function sizeMismatch(digest: Digest, expectedSize: number, actualSize: number, which: 'more' | 'fewer'): EngineError {
  const what = which === 'fewer' ? 'truncated' : 'too long';
  return new EngineError(
    'DIGEST_MISMATCH',
    `blob ${digest} is ${what}: expected ${expectedSize} bytes, got ${which === 'more' ? 'more than ' : ''}${actualSize}`,
    { details: { expected: digest, expectedSize, actualSize } },
  );
}
