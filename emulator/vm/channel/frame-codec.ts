// Binary frames of the control channel (emulator/guest/agent/PROTOCOL.md): encoder and an incremental decoder.

export const FRAME_MAGIC = 0xd7;
export const FRAME_HEADER_BYTES = 12;
/** PROTOCOL.md: "length ... at most 65536" */
export const MAX_PAYLOAD_BYTES = 65536;

/** Frame types, named as in PROTOCOL.md. */
export const FrameType = {
  HELLO: 0x01,
  PING: 0x02,
  PONG: 0x03,
  EXEC: 0x10,
  STARTED: 0x11,
  STDIN: 0x12,
  STDOUT: 0x13,
  STDERR: 0x14,
  EXIT: 0x15,
  KILL: 0x16,
  ACK: 0x17,
  HANGUP: 0x18,
  ERROR: 0x1f,
  READ_FILE: 0x20,
  DATA: 0x21,
  END: 0x22,
  WRITE_FILE: 0x23,
  OK: 0x24,
  LIST_TREE: 0x25,
  RESIZE: 0x30,
  SET_TIME: 0x31,
} as const;
export type FrameTypeName = keyof typeof FrameType;

const typeNames = new Map<number, FrameTypeName>(
  Object.entries(FrameType).map(([name, code]) => [code, name as FrameTypeName]),
);

/** "HELLO", or "0x4a" for types this side does not know (the shim's 0x40-0x4F range, say). */
export function frameTypeName(type: number): string {
  return typeNames.get(type) ?? `0x${type.toString(16).padStart(2, '0')}`;
}

export interface Frame {
  type: number;
  stream: number;
  payload: Uint8Array;
  /** reserved, 0 on the wire today */
  flags?: number;
}

/** A violation of the framing (not an error reported by the agent). */
export class FrameError extends Error {
  override readonly name = 'FrameError';
}

export function encodeFrame(frame: Frame): Uint8Array {
  const { type, stream, payload } = frame;
  const flags = frame.flags ?? 0;
  if (!Number.isInteger(type) || type < 0 || type > 0xff) throw new FrameError(`frame type out of range: ${type}`);
  if (!Number.isInteger(stream) || stream < 0 || stream > 0xffffffff) throw new FrameError(`stream id out of range: ${stream}`);
  if (!Number.isInteger(flags) || flags < 0 || flags > 0xffff) throw new FrameError(`flags out of range: ${flags}`);
  if (payload.length > MAX_PAYLOAD_BYTES) {
    throw new FrameError(`payload of ${payload.length} bytes exceeds the ${MAX_PAYLOAD_BYTES}-byte limit`);
  }
  const bytes = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, FRAME_MAGIC);
  view.setUint8(1, type);
  view.setUint16(2, flags, true);
  view.setUint32(4, stream, true);
  view.setUint32(8, payload.length, true);
  bytes.set(payload, FRAME_HEADER_BYTES);
  return bytes;
}

export interface FrameDecoderEvents {
  onFrame(frame: Frame): void;
  /** The byte stream broke the framing. The decoder has already skipped ahead to the next magic byte. */
  onError(error: FrameError): void;
  /** A header this side would never receive (a type the peer does not send, reserved flags set) is garbage too */
  acceptHeader?(type: number, flags: number): boolean;
}

/**
 * Turns a byte stream cut at arbitrary points into frames. Each byte is copied once, so feeding one byte at a
 * time (a UART's pace) costs the same as feeding whole frames.
 */
export class FrameDecoder {
  private readonly header = new Uint8Array(FRAME_HEADER_BYTES);
  private headerFill = 0;
  private payload: Uint8Array | null = null;
  private payloadFill = 0;
  private type = 0;
  private flags = 0;
  private stream = 0;
  /** after a framing error: drop bytes until a magic byte */
  private resyncing = false;

  constructor(private readonly events: FrameDecoderEvents) {}

  push(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.payload) {
        const take = Math.min(chunk.length - i, this.payload.length - this.payloadFill);
        this.payload.set(chunk.subarray(i, i + take), this.payloadFill);
        this.payloadFill += take;
        i += take;
        if (this.payloadFill === this.payload.length) this.emit(this.payload);
        continue;
      }
      if (this.headerFill === 0) {
        const byte = chunk[i]!;
        if (byte !== FRAME_MAGIC) {
          if (!this.resyncing) {
            this.resyncing = true;
            this.events.onError(new FrameError(`bad magic byte 0x${byte.toString(16).padStart(2, '0')}`));
          }
          i++;
          continue;
        }
      }
      const take = Math.min(chunk.length - i, FRAME_HEADER_BYTES - this.headerFill);
      this.header.set(chunk.subarray(i, i + take), this.headerFill);
      this.headerFill += take;
      i += take;
      if (this.headerFill === FRAME_HEADER_BYTES && !this.parseHeader()) {
        // Rescan the header's own bytes after its magic: the real frame may start inside it.
        const rest = this.header.slice(1);
        this.headerFill = 0;
        this.push(rest);
      }
    }
  }

  /** Drop a partly received frame, e.g. after the peer was restarted. */
  reset(): void {
    this.headerFill = 0;
    this.payload = null;
    this.payloadFill = 0;
    this.resyncing = false;
  }

  /** true when no partial frame is buffered */
  get idle(): boolean {
    return this.headerFill === 0 && this.payload === null;
  }

  private parseHeader(): boolean {
    const view = new DataView(this.header.buffer);
    const length = view.getUint32(8, true);
    if (length > MAX_PAYLOAD_BYTES) {
      if (!this.resyncing) {
        this.resyncing = true;
        this.events.onError(new FrameError(`frame length ${length} exceeds the ${MAX_PAYLOAD_BYTES}-byte limit`));
      }
      return false;
    }
    const type = view.getUint8(1);
    const flags = view.getUint16(2, true);
    if (this.events.acceptHeader && !this.events.acceptHeader(type, flags)) {
      if (!this.resyncing) {
        this.resyncing = true;
        this.events.onError(new FrameError(`implausible frame header (type ${frameTypeName(type)}, flags ${flags})`));
      }
      return false;
    }
    this.type = view.getUint8(1);
    this.flags = view.getUint16(2, true);
    this.stream = view.getUint32(4, true);
    this.resyncing = false;
    if (length === 0) {
      this.emit(new Uint8Array(0));
    } else {
      this.payload = new Uint8Array(length);
      this.payloadFill = 0;
    }
    return true;
  }

  private emit(payload: Uint8Array): void {
    const frame: Frame = { type: this.type, stream: this.stream, payload, flags: this.flags };
    this.headerFill = 0;
    this.payload = null;
    this.payloadFill = 0;
    this.events.onFrame(frame);
  }
}
