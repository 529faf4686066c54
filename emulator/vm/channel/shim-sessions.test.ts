// Unit tests of the docker shim sessions: the agent client over the in-memory fake agent, the shim played by the test.
import { describe, expect, it } from 'vitest';
import type { CliSession } from '../../engine/cli/cli-session.ts';
import { EngineError } from '../../engine/errors.ts';
import { ACK_WINDOW, AgentClient, type ByteTransport } from './agent-client.ts';
import { FakeAgent } from './fake-agent.ts';
import { FrameDecoder, FrameType, encodeFrame, type Frame } from './frame-codec.ts';
import { SHIM_OUTPUT_CHUNK_BYTES, ShimFrameType, ShimSessions, parseOpen, type CliHandler } from './shim-sessions.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();
const SHIM = 0x80000001;
const tick = () => new Promise((r) => setTimeout(r, 0));

/** The fake agent for host streams; frames the host sends on agent-chosen streams land in `toShim`. */
function setup(handler: CliHandler) {
  const fake = new FakeAgent();
  const toShim: Frame[] = [];
  const split = new FrameDecoder({
    onFrame: (f) => ((f.stream & 0x80000000) !== 0 ? toShim.push(f) : fake.transport.send(encodeFrame(f))),
    onError: (e) => {
      throw e;
    },
  });
  const transport: ByteTransport = { send: (b) => split.push(b), onBytes: (l) => fake.transport.onBytes(l) };
  const client = new AgentClient(transport);
  const errors: EngineError[] = [];
  const sessions = new ShimSessions(client, handler, { onError: (e) => errors.push(e) });
  const fromShim = (type: number, payload: string | Uint8Array = '', stream = SHIM) => fake.send(type, stream, payload);
  const open = (records: string[], stream = SHIM) => fromShim(ShimFrameType.SHIM_OPEN, records.map((r) => `${r}\0`).join(''), stream);
  const shown = (type: number) => toShim.filter((f) => f.type === type).map((f) => dec.decode(f.payload)).join('');
  return { fake, client, sessions, toShim, errors, fromShim, open, shown };
}

describe('ShimSessions', () => {
  it('hands the request to the handler and relays output and the exit status', async () => {
    let seen: CliSession | undefined;
    const t = setup((s) => {
      seen = s;
      s.stdout('hello ');
      s.stdout(enc.encode('world\n'));
      s.stderr('warning\n');
      s.exit(3);
    });
    t.open(['aps', 'a-a', 'c/root', 'eTERM=xterm', 'eDOCKER_HOST=x=y', 't24 80', 'i']);
    await tick();
    expect(seen).toMatchObject({ argv: ['ps', '-a'], cwd: '/root', env: { TERM: 'xterm', DOCKER_HOST: 'x=y' }, tty: { rows: 24, cols: 80 }, hasStdin: true });
    expect(t.toShim.map((f) => [f.type, f.stream])).toEqual([
      [FrameType.STDOUT, SHIM],
      [FrameType.STDOUT, SHIM],
      [FrameType.STDERR, SHIM],
      [ShimFrameType.SHIM_EXIT, SHIM],
    ]);
    expect(t.shown(FrameType.STDOUT)).toBe('hello world\n');
    expect(t.shown(ShimFrameType.SHIM_EXIT)).toBe('3');
    expect(() => seen!.exit(0)).toThrow(EngineError);
    expect(t.sessions.active).toBe(0);
    expect(t.errors).toEqual([]);
  });

  it('keeps at most ACK_WINDOW output frames unacknowledged, and sends SHIM_EXIT after all output', async () => {
    const big = new Uint8Array(SHIM_OUTPUT_CHUNK_BYTES * 20 + 5).map((_, i) => i & 0xff);
    const t = setup((s) => {
      s.stdout(big);
      s.exit(0);
    });
    t.open(['alogs']);
    await tick();
    expect(t.toShim.length).toBe(ACK_WINDOW);
    for (let i = 0; i < 30 && !t.toShim.some((f) => f.type === ShimFrameType.SHIM_EXIT); i++) t.fromShim(FrameType.ACK);
    const out = t.toShim.filter((f) => f.type === FrameType.STDOUT);
    expect(out.length).toBe(21);
    expect(out.every((f) => f.payload.length <= SHIM_OUTPUT_CHUNK_BYTES)).toBe(true);
    expect(Buffer.concat(out.map((f) => f.payload)).equals(big)).toBe(true);
    expect(t.toShim.at(-1)!.type).toBe(ShimFrameType.SHIM_EXIT);
  });

  it('grants stdin credit only when the engine reads, and ends the stream at the empty frame', async () => {
    let session: CliSession | undefined;
    const t = setup((s) => {
      session = s;
    });
    t.open(['acat', 'i']);
    await tick();
    expect(t.toShim).toEqual([]); // nobody reads: the shim gets no credit and leaves the terminal alone
    const read = new Response(session!.stdin).text();
    await tick();
    expect(t.toShim.map((f) => f.type)).toEqual(Array(ACK_WINDOW).fill(FrameType.ACK));
    t.fromShim(ShimFrameType.SHIM_STDIN, 'line 1\n');
    t.fromShim(ShimFrameType.SHIM_STDIN, 'line 2\n');
    t.fromShim(ShimFrameType.SHIM_STDIN, '');
    expect(await read).toBe('line 1\nline 2\n');
    // Credit is topped up as the engine consumes: never more than the window outstanding.
    expect(t.toShim.filter((f) => f.type === FrameType.ACK).length).toBeLessThanOrEqual(ACK_WINDOW + 3);
  });

  it('gives an empty stdin when the shim has none', async () => {
    let text: Promise<string> | undefined;
    const t = setup((s) => {
      text = new Response(s.stdin).text();
      s.exit(0);
    });
    t.open(['aversion']);
    expect(await text).toBe('');
    expect(t.toShim.some((f) => f.type === FrameType.ACK)).toBe(false);
  });

  it('puts a terminal raw and back (SHIM_RAW) behind the output before it; nothing for a shim without a terminal', async () => {
    const t = setup((s) => {
      s.stdout('before\n');
      s.rawTerminal?.(true);
      s.rawTerminal?.(false);
      s.exit(0);
    });
    t.open(['aattach', 'abox', 't24 80', 'i']);
    await tick();
    expect(t.toShim.map((f) => [f.type, dec.decode(f.payload)])).toEqual([
      [FrameType.STDOUT, 'before\n'],
      [ShimFrameType.SHIM_RAW, '1'],
      [ShimFrameType.SHIM_RAW, '0'],
      [ShimFrameType.SHIM_EXIT, '0'],
    ]);
    const piped = setup((s) => (s.rawTerminal?.(true), s.exit(0)));
    piped.open(['aattach', 'abox', 'i']);
    await tick();
    expect(piped.toShim.map((f) => f.type)).toEqual([ShimFrameType.SHIM_EXIT]);
  });

  it('spawns on the shim and resolves with the child exit or signal', async () => {
    let session: CliSession | undefined;
    const t = setup((s) => {
      session = s;
    });
    t.open(['arun', 'a-it', 'abusybox']);
    await tick();
    const first = session!.spawn({ argv: ['sh', '-c', 'exit 3'], env: ['PATH=/bin'], cwd: '/tmp' });
    await expect(session!.spawn({ argv: ['true'] })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(t.shown(ShimFrameType.SHIM_SPAWN)).toBe('ash\0a-c\0aexit 3\0ePATH=/bin\0c/tmp\0');
    t.fromShim(ShimFrameType.SHIM_CHILD_EXIT, 'exit 3');
    expect(await first).toEqual({ exitCode: 3 });
    const second = session!.spawn({ argv: ['sleep', '9'] });
    t.fromShim(ShimFrameType.SHIM_CHILD_EXIT, 'signal 2');
    expect(await second).toEqual({ signal: 2 });
    await expect(session!.spawn({ argv: [] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('aborts the session when the shim goes away (^C)', async () => {
    let session: CliSession | undefined;
    const t = setup((s) => {
      session = s;
    });
    t.open(['apull', 'abusybox']);
    await tick();
    const child = session!.spawn({ argv: ['sh'] });
    expect(session!.signal.aborted).toBe(false);
    t.fromShim(ShimFrameType.SHIM_CLOSED);
    expect(session!.signal.aborted).toBe(true);
    await expect(child).rejects.toMatchObject({ code: 'ABORTED' });
    expect(t.sessions.active).toBe(0);
    // Late output from the engine's aborted work goes nowhere, without throwing.
    const before = t.toShim.length;
    session!.stdout('late');
    session!.exit(1);
    expect(t.toShim.length).toBe(before);
  });

  it('exits 0 when an async handler returns, and 1 with the message when it throws', async () => {
    const t = setup(async (s) => {
      if (s.argv[0] === 'fail') throw new EngineError('NOT_FOUND', 'No such container: web');
      s.stdout('ok\n');
    });
    t.open(['aok'], 0x80000005);
    t.open(['afail'], 0x80000006);
    await tick();
    const on = (stream: number) => t.toShim.filter((f) => f.stream === stream).map((f) => [f.type, dec.decode(f.payload)]);
    expect(on(0x80000005)).toEqual([[FrameType.STDOUT, 'ok\n'], [ShimFrameType.SHIM_EXIT, '0']]);
    expect(on(0x80000006)).toEqual([[FrameType.STDERR, 'docker: No such container: web\n'], [ShimFrameType.SHIM_EXIT, '1']]);
  });

  it('ends a shim whose session this side does not know, and aborts sessions when the agent restarts', async () => {
    let session: CliSession | undefined;
    const t = setup((s) => {
      session = s;
    });
    t.fromShim(ShimFrameType.SHIM_CHILD_EXIT, 'exit 0', 0x80000009);
    expect(t.toShim.map((f) => [f.type, f.stream])).toEqual([[FrameType.STDERR, 0x80000009], [ShimFrameType.SHIM_EXIT, 0x80000009]]);
    t.open(['aps']);
    await tick();
    t.fake.send(FrameType.HELLO, 0, 'drydock-agent 1'); // unprompted: the agent restarted
    expect(session!.signal.aborted).toBe(true);
    expect(t.sessions.active).toBe(0);
  });

  it('parses SHIM_OPEN records and ignores an unterminated tail', () => {
    expect(parseOpen(enc.encode('aa\0a\0c/x\0ebad\0t1 2\0i\0aunterminated'))).toEqual({
      argv: ['a', ''],
      cwd: '/x',
      env: {},
      tty: { rows: 1, cols: 2 },
      hasStdin: true,
    });
  });

  it('without ShimSessions, the agent client answers a shim like Docker without a daemon', () => {
    const fake = new FakeAgent();
    const toShim: Frame[] = [];
    const split = new FrameDecoder({ onFrame: (f) => toShim.push(f), onError: () => undefined });
    const errors: EngineError[] = [];
    new AgentClient({ send: (b) => split.push(b), onBytes: (l) => fake.transport.onBytes(l) }, { onProtocolError: (e) => errors.push(e) });
    fake.send(ShimFrameType.SHIM_OPEN, SHIM, 'aps\0');
    fake.send(FrameType.ACK, SHIM); // the shim's ACK for the message: not worth a log line
    expect(toShim.map((f) => [f.type, f.stream, dec.decode(f.payload)])).toEqual([
      [FrameType.STDERR, SHIM, 'Cannot connect to the Docker daemon at unix:///run/drydock/engine.sock. Is the docker daemon running?\n'],
      [ShimFrameType.SHIM_EXIT, SHIM, '1'],
    ]);
    expect(errors).toEqual([]);
  });

  it('refuses a second listener on the same client', () => {
    const t = setup(() => undefined);
    expect(() => new ShimSessions(t.client, () => undefined)).toThrow(EngineError);
    t.sessions.dispose();
    expect(() => new ShimSessions(t.client, () => undefined).dispose()).not.toThrow();
  });
});
