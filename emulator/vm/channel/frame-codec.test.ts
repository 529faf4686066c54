// Unit tests for the control channel's framing: byte layout, chunking, errors and resynchronisation.
import { describe, expect, it } from 'vitest';
import {
  FRAME_HEADER_BYTES,
  FRAME_MAGIC,
  FrameDecoder,
  FrameError,
  FrameType,
  MAX_PAYLOAD_BYTES,
  encodeFrame,
  frameTypeName,
  type Frame,
} from './frame-codec.ts';

const text = (s: string) => new TextEncoder().encode(s);

function collect() {
  const frames: Frame[] = [];
  const errors: FrameError[] = [];
  const decoder = new FrameDecoder({ onFrame: (f) => frames.push(f), onError: (e) => errors.push(e) });
  return { decoder, frames, errors };
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** deterministic pseudo-random numbers, so a failing split can be replayed */
function lcg(seed: number) {
  let state = seed >>> 0;
  return (max: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % max;
  };
}

describe('encodeFrame', () => {
  it('lays out magic, type, flags, stream and length little-endian as PROTOCOL.md says', () => {
    const bytes = encodeFrame({ type: FrameType.EXEC, stream: 0x01020304, payload: text('ab') });
    expect([...bytes]).toEqual([0xd7, 0x10, 0, 0, 0x04, 0x03, 0x02, 0x01, 2, 0, 0, 0, 0x61, 0x62]);
  });

  it('encodes an empty payload as a bare header', () => {
    const bytes = encodeFrame({ type: FrameType.HELLO, stream: 0, payload: new Uint8Array(0) });
    expect(bytes.length).toBe(FRAME_HEADER_BYTES);
    expect(bytes[0]).toBe(FRAME_MAGIC);
  });

  it('encodes agent-chosen stream ids with the top bit set', () => {
    const bytes = encodeFrame({ type: FrameType.STDOUT, stream: 0x80000001, payload: new Uint8Array(0) });
    expect([...bytes.subarray(4, 8)]).toEqual([1, 0, 0, 0x80]);
  });

  it('accepts a payload of exactly the limit and refuses one byte more', () => {
    expect(encodeFrame({ type: FrameType.DATA, stream: 1, payload: new Uint8Array(MAX_PAYLOAD_BYTES) }).length).toBe(
      FRAME_HEADER_BYTES + MAX_PAYLOAD_BYTES,
    );
    expect(() => encodeFrame({ type: FrameType.DATA, stream: 1, payload: new Uint8Array(MAX_PAYLOAD_BYTES + 1) })).toThrow(
      FrameError,
    );
  });

  it('refuses out-of-range header fields', () => {
    const payload = new Uint8Array(0);
    expect(() => encodeFrame({ type: 256, stream: 1, payload })).toThrow(/type/);
    expect(() => encodeFrame({ type: 1, stream: -1, payload })).toThrow(/stream/);
    expect(() => encodeFrame({ type: 1, stream: 2 ** 32, payload })).toThrow(/stream/);
    expect(() => encodeFrame({ type: 1, stream: 1.5, payload })).toThrow(/stream/);
    expect(() => encodeFrame({ type: 1, stream: 1, flags: 0x10000, payload })).toThrow(/flags/);
  });
});

describe('FrameDecoder', () => {
  const sample: Frame[] = [
    { type: FrameType.HELLO, stream: 0, payload: text('drydock-agent 1') },
    { type: FrameType.STDOUT, stream: 7, payload: text('hello\n') },
    { type: FrameType.ACK, stream: 7, payload: new Uint8Array(0) },
    { type: FrameType.EXIT, stream: 7, payload: text('exit 3') },
    { type: FrameType.DATA, stream: 0x80000002, payload: Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff) },
  ];
  const wire = concat(...sample.map(encodeFrame));

  const expectSample = (frames: Frame[]) => {
    const shape = (f: Frame) => `${f.type}/${f.stream}/${Buffer.from(f.payload).toString('hex')}`;
    expect(frames.map(shape)).toEqual(sample.map(shape));
  };

  it('decodes several frames delivered in one chunk', () => {
    const { decoder, frames, errors } = collect();
    decoder.push(wire);
    expectSample(frames);
    expect(errors).toEqual([]);
    expect(decoder.idle).toBe(true);
  });

  it('decodes frames fed one byte at a time', () => {
    const { decoder, frames, errors } = collect();
    for (let i = 0; i < wire.length; i++) decoder.push(wire.subarray(i, i + 1));
    expectSample(frames);
    expect(errors).toEqual([]);
  });

  it('decodes frames split at every possible single cut point', () => {
    for (let cut = 0; cut <= wire.length; cut += 1) {
      const { decoder, frames, errors } = collect();
      decoder.push(wire.subarray(0, cut));
      decoder.push(wire.subarray(cut));
      expectSample(frames);
      expect(errors).toEqual([]);
    }
  });

  it('decodes frames split at random points (200 seeded splits)', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rand = lcg(seed);
      const { decoder, frames, errors } = collect();
      let at = 0;
      while (at < wire.length) {
        const n = 1 + rand(40);
        decoder.push(wire.subarray(at, at + n));
        at += n;
      }
      expectSample(frames);
      expect(errors).toEqual([]);
    }
  });

  it('reports a partial frame as not idle until it completes', () => {
    const { decoder, frames } = collect();
    const one = encodeFrame(sample[1]!);
    decoder.push(one.subarray(0, 5));
    expect(decoder.idle).toBe(false);
    decoder.push(one.subarray(5, 14));
    expect(decoder.idle).toBe(false);
    expect(frames).toEqual([]);
    decoder.push(one.subarray(14));
    expect(decoder.idle).toBe(true);
    expect(frames).toHaveLength(1);
  });

  it('delivers payloads that do not alias the caller\'s chunk', () => {
    const { decoder, frames } = collect();
    const one = encodeFrame(sample[1]!);
    decoder.push(one);
    one.fill(0);
    expect(new TextDecoder().decode(frames[0]!.payload)).toBe('hello\n');
  });

  it('decodes the largest allowed frame', () => {
    const { decoder, frames, errors } = collect();
    const payload = Uint8Array.from({ length: MAX_PAYLOAD_BYTES }, (_, i) => i & 0xff);
    const bytes = encodeFrame({ type: FrameType.DATA, stream: 3, payload });
    for (let at = 0; at < bytes.length; at += 4093) decoder.push(bytes.subarray(at, at + 4093));
    expect(errors).toEqual([]);
    expect(frames).toHaveLength(1);
    expect(Buffer.from(frames[0]!.payload).equals(payload)).toBe(true);
  });

  it('keeps the reserved flags field', () => {
    const { decoder, frames } = collect();
    decoder.push(encodeFrame({ type: FrameType.OK, stream: 1, flags: 0xbeef, payload: new Uint8Array(0) }));
    expect(frames[0]!.flags).toBe(0xbeef);
  });

  it('reports a bad magic byte once per run of garbage, then resynchronises on the next frame', () => {
    const { decoder, frames, errors } = collect();
    const garbage = text('login: \r\n');
    decoder.push(concat(garbage, encodeFrame(sample[1]!)));
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/bad magic byte 0x6c/);
    expect(frames.map((f) => f.stream)).toEqual([7]);
  });

  it('reports garbage between two good frames', () => {
    const { decoder, frames, errors } = collect();
    decoder.push(concat(encodeFrame(sample[0]!), Uint8Array.of(1, 2, 3), encodeFrame(sample[3]!)));
    expect(errors).toHaveLength(1);
    expect(frames.map((f) => f.type)).toEqual([FrameType.HELLO, FrameType.EXIT]);
  });

  it('reports an oversize length and does not wait for that many bytes', () => {
    const { decoder, frames, errors } = collect();
    const bad = encodeFrame({ type: FrameType.DATA, stream: 1, payload: new Uint8Array(0) });
    new DataView(bad.buffer).setUint32(8, MAX_PAYLOAD_BYTES + 1, true);
    decoder.push(bad);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(FrameError);
    expect(errors[0]!.message).toMatch(/exceeds/);
    decoder.push(encodeFrame(sample[3]!));
    expect(frames.map((f) => f.type)).toEqual([FrameType.EXIT]);
  });

  it('finds a frame that starts inside a rejected header', () => {
    const { decoder, frames, errors } = collect();
    // The first 12 bytes look like a header with a length of 0xD7FFFFFF; its last byte is the magic of a real frame.
    const junk = Uint8Array.of(FRAME_MAGIC, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff);
    decoder.push(concat(junk, encodeFrame(sample[1]!)));
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/exceeds/);
    expect(frames.map((f) => [f.type, f.stream])).toEqual([[FrameType.STDOUT, 7]]);
  });

  it('recovers after reset() in the middle of a frame', () => {
    const { decoder, frames, errors } = collect();
    decoder.push(encodeFrame(sample[1]!).subarray(0, 9));
    decoder.reset();
    decoder.push(encodeFrame(sample[3]!));
    expect(errors).toEqual([]);
    expect(frames.map((f) => f.type)).toEqual([FrameType.EXIT]);
  });

  it('round-trips every type in the protocol table', () => {
    const { decoder, frames } = collect();
    for (const [name, type] of Object.entries(FrameType)) {
      decoder.push(encodeFrame({ type, stream: type, payload: text(name) }));
    }
    expect(frames.map((f) => frameTypeName(f.type))).toEqual(Object.keys(FrameType));
    expect(frames.map((f) => new TextDecoder().decode(f.payload))).toEqual(Object.keys(FrameType));
  });
});

describe('frameTypeName', () => {
  it('names known types and shows unknown ones in hex', () => {
    expect(frameTypeName(0x1f)).toBe('ERROR');
    expect(frameTypeName(0x4a)).toBe('0x4a');
    expect(frameTypeName(0x05)).toBe('0x05');
  });
});
