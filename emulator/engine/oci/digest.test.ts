import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type Digest, digestHex, digestingStream, isDigest, parseDigest, sha256Digest, sha256DigestOfString, shortId, StreamingDigester } from './digest.ts';
import { isEngineError } from '../errors.ts';

const EMPTY_JSON = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';

async function drain(stream: ReadableStream<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  const reader = stream.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) out.push(r.value);
  return out;
}

function chunked(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const chunk of chunks) c.enqueue(chunk);
      c.close();
    },
  });
}

describe('digest', () => {
  it('hashes the OCI empty JSON descriptor content {} to the spec value', () => {
    expect(sha256DigestOfString('{}')).toBe(EMPTY_JSON);
  });

  it('hashes an empty byte string and an empty tar (1024 zero bytes) to the well-known values', () => {
    expect(sha256Digest(new Uint8Array())).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Digest(new Uint8Array(1024))).toBe('sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef');
  });

  it('agrees with node:crypto on random data, in one piece and streamed in odd chunks', () => {
    const data = new Uint8Array(100_003).map((_, i) => (i * 31 + 7) & 0xff);
    const expected = `sha256:${createHash('sha256').update(data).digest('hex')}`;
    expect(sha256Digest(data)).toBe(expected);
    const d = new StreamingDigester();
    for (let i = 0; i < data.length; i += 4097) d.update(data.subarray(i, i + 4097));
    expect(d.digest()).toBe(expected);
    expect(d.size).toBe(data.length);
  });

  it('parses valid digests and explains invalid ones', () => {
    expect(parseDigest(EMPTY_JSON)).toBe(EMPTY_JSON);
    expect(isDigest(EMPTY_JSON)).toBe(true);
    expect(isDigest(EMPTY_JSON.toUpperCase())).toBe(false);
    expect(() => parseDigest('sha256:abc')).toThrow(/64 lowercase hex digits, got 3/);
    expect(() => parseDigest('sha512:' + 'a'.repeat(128))).toThrow(/only sha256/);
    expect(() => parseDigest('nonsense')).toThrow(/algorithm:hex/);
    try {
      parseDigest('x');
    } catch (e) {
      expect(isEngineError(e, 'INVALID_ARGUMENT')).toBe(true);
    }
  });

  it('gives hex and short IDs', () => {
    expect(digestHex(EMPTY_JSON as Digest)).toBe(EMPTY_JSON.slice(7));
    expect(shortId(EMPTY_JSON)).toBe('44136fa355b3');
  });

  it('passes verified bytes through a digesting stream', async () => {
    const data = new TextEncoder().encode('{}');
    const { stream, result } = digestingStream({ digest: EMPTY_JSON as Digest, size: 2 });
    const out = await drain(chunked([data.subarray(0, 1), data.subarray(1)]).pipeThrough(stream));
    expect(out.length).toBe(2);
    expect(await result).toEqual({ digest: EMPTY_JSON, size: 2 });
  });

  it('errors the stream on a digest mismatch, a truncated blob and a too long blob', async () => {
    const wrong = digestingStream({ digest: EMPTY_JSON as Digest });
    await expect(drain(chunked([new TextEncoder().encode('[]')]).pipeThrough(wrong.stream))).rejects.toMatchObject({
      code: 'DIGEST_MISMATCH',
      details: { expected: EMPTY_JSON },
    });
    await expect(wrong.result).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });

    const short = digestingStream({ digest: EMPTY_JSON as Digest, size: 2 });
    await expect(drain(chunked([new TextEncoder().encode('{')]).pipeThrough(short.stream))).rejects.toThrow(/truncated: expected 2 bytes, got 1/);

    const long = digestingStream({ digest: EMPTY_JSON as Digest, size: 2 });
    await expect(drain(chunked([new TextEncoder().encode('{}'), new TextEncoder().encode(' ')]).pipeThrough(long.stream))).rejects.toThrow(/too long/);
  });
});
