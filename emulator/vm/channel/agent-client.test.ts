// Unit tests for the agent client against an in-memory agent: requests, exit codes, flow control, errors.
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../engine/errors.ts';
import { ACK_WINDOW, AgentClient, SEND_CHUNK_BYTES, parseExit, startFailure } from './agent-client.ts';
import { FakeAgent, type FakeAgentOptions, type FakeProcess } from './fake-agent.ts';
import { FrameType, MAX_PAYLOAD_BYTES, encodeFrame } from './frame-codec.ts';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

function setup(options: FakeAgentOptions = {}) {
  const agent = new FakeAgent({
    chunkBytes: 5,
    ...options,
    programs: {
      echo: (p) => {
        p.stdout(p.argv.slice(1).join(' ') + '\n');
        p.exit(0);
      },
      fail: (p) => {
        p.stdout('out');
        p.stderr('err');
        p.exit(3);
      },
      cat: async (p) => {
        const input = await p.stdin();
        for (let at = 0; at < input.length; at += MAX_PAYLOAD_BYTES) p.stdout(input.subarray(at, at + MAX_PAYLOAD_BYTES));
        p.exit(0);
      },
      env: (p) => {
        p.stdout(`${p.cwd}\n${p.env.join('\n')}`);
        p.exit(0);
      },
      sleep: () => undefined,
      ...options.programs,
    },
  });
  const errors: EngineError[] = [];
  const client = new AgentClient(agent.transport, { onProtocolError: (e) => errors.push(e) });
  return { agent, client, errors };
}

async function expectEngineError(promise: Promise<unknown>, code: string, message?: RegExp) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EngineError);
  expect((error as EngineError).code).toBe(code);
  if (message) expect((error as EngineError).message).toMatch(message);
  return error as EngineError;
}

describe('AgentClient', () => {
  it('says HELLO and learns the agent version', async () => {
    const { client } = setup();
    expect(await client.hello()).toBe('drydock-agent 1');
    expect(client.agentVersion).toBe('drydock-agent 1');
  });

  it('waits for an unprompted HELLO from a starting agent', async () => {
    const { client, agent } = setup();
    const waiting = client.waitForHello();
    agent.send(FrameType.HELLO, 0, 'drydock-agent 1');
    expect(await waiting).toBe('drydock-agent 1');
  });

  it('measures a PING round trip', async () => {
    const { client } = setup();
    const ms = await client.ping();
    expect(ms).toBeGreaterThanOrEqual(0);
    expect(client.pendingStreams).toBe(0);
  });

  it('times out a PING to an agent that does not answer', async () => {
    const { client, agent } = setup();
    agent.responsive = false;
    await expectEngineError(client.ping({ timeoutMs: 20 }), 'TIMEOUT', /PING/);
    expect(client.pendingStreams).toBe(0);
  });

  it('runs a command and separates stdout and stderr', async () => {
    const { client } = setup();
    const ok = await client.exec(['echo', 'hello', 'world']);
    expect(ok.exitCode).toBe(0);
    expect(text(ok.stdout)).toBe('hello world\n');
    const bad = await client.exec(['fail']);
    expect(bad).toMatchObject({ exitCode: 3 });
    expect(text(bad.stdout)).toBe('out');
    expect(text(bad.stderr)).toBe('err');
    expect(bad.signal).toBeUndefined();
  });

  it('sends argv, env and cwd as NUL-terminated records', async () => {
    const { client, agent } = setup();
    const r = await client.exec(['env'], { cwd: '/tmp', env: { A: '1', B: 'x=y' } });
    expect(text(r.stdout)).toBe('/tmp\nA=1\nB=x=y');
    const exec = agent.received.find((f) => f.type === FrameType.EXEC)!;
    expect(text(exec.payload)).toBe('aenv\0eA=1\0eB=x=y\0c/tmp\0');
  });

  it('maps ENOENT to exit 127 with a Docker-style message', async () => {
    const { client } = setup();
    const bare = await client.exec(['nope']);
    expect(bare.exitCode).toBe(127);
    expect(text(bare.stderr)).toBe('exec: "nope": executable file not found in $PATH\n');
    const path = await client.exec(['/bin/nope']);
    expect(path.exitCode).toBe(127);
    expect(text(path.stderr)).toBe('exec: "/bin/nope": stat /bin/nope: no such file or directory\n');
  });

  it('maps EACCES and ENOEXEC to exit 126, other errnos to EXEC_FAILED', async () => {
    expect(startFailure('/etc/passwd', 'EACCES')).toEqual({ exitCode: 126, message: 'exec: "/etc/passwd": permission denied' });
    expect(startFailure('/x', 'ENOEXEC')?.exitCode).toBe(126);
    expect(startFailure('/x', 'EMFILE')).toBeNull();
    const { client, agent } = setup({ programs: {} });
    const proc = client.spawn(['x']);
    // The fake answered ENOENT already; a different errno on a new stream:
    await proc.exit;
    const other = client.spawn(['y']);
    agent.send(FrameType.ERROR, other.stream, 'EMFILE Too many open files');
    await expectEngineError(other.exit, 'EXEC_FAILED', /EMFILE/);
  });

  it('reports signals as 128 + n', () => {
    expect(parseExit(new TextEncoder().encode('signal 9'))).toEqual({ exitCode: 137, signal: 9 });
    expect(parseExit(new TextEncoder().encode('exit 0'))).toEqual({ exitCode: 0 });
    expect(() => parseExit(new TextEncoder().encode('gone'))).toThrow(EngineError);
  });

  it('kills a command that outlives its timeout and rejects with TIMEOUT', async () => {
    const { client, agent } = setup();
    const error = await expectEngineError(client.exec(['sleep', '100'], { timeoutMs: 30 }), 'TIMEOUT', /timed out after 30 ms/);
    expect(error.message).toMatch(/sleep 100/);
    const kill = agent.received.find((f) => f.type === FrameType.KILL)!;
    expect(text(kill.payload)).toBe('9');
    await new Promise((r) => setTimeout(r, 5));
    expect(client.pendingStreams).toBe(0);
  });

  it('kills an aborted command and rejects with ABORTED', async () => {
    const { client, agent } = setup();
    const controller = new AbortController();
    const running = client.exec(['sleep'], { signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    await expectEngineError(running, 'ABORTED');
    expect(agent.received.some((f) => f.type === FrameType.KILL)).toBe(true);
    await expectEngineError(client.exec(['echo'], { signal: controller.signal }), 'ABORTED');
  });

  it('streams stdin and closes it with an empty frame', async () => {
    const { client, agent } = setup();
    const input = 'x'.repeat(SEND_CHUNK_BYTES * 3 + 17);
    const r = await client.exec(['cat'], { stdin: input });
    expect(text(r.stdout)).toBe(input);
    const stdinFrames = agent.received.filter((f) => f.type === FrameType.STDIN);
    expect(stdinFrames.map((f) => f.payload.length)).toEqual([SEND_CHUNK_BYTES, SEND_CHUNK_BYTES, SEND_CHUNK_BYTES, 17, 0]);
    expect(text(agent.received.find((f) => f.type === FrameType.EXEC)!.payload)).toBe('acat\0i\0');
  });

  it('keeps at most 8 unacknowledged stdin frames in flight', async () => {
    const { client, agent } = setup({ withholdAcks: true });
    const proc = client.spawn(['cat'], { stdin: true });
    const big = new Uint8Array(SEND_CHUNK_BYTES * (ACK_WINDOW + 4));
    let written = false;
    const write = proc.write(big).then(() => (written = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(agent.received.filter((f) => f.type === FrameType.STDIN)).toHaveLength(ACK_WINDOW);
    expect(written).toBe(false);
    agent.releaseAcks();
    await new Promise((r) => setTimeout(r, 10));
    expect(agent.received.filter((f) => f.type === FrameType.STDIN)).toHaveLength(ACK_WINDOW + 4);
    expect(written).toBe(true);
    await write;
    agent.releaseAcks();
    await proc.closeStdin();
    agent.releaseAcks();
    expect((await proc.exit).exitCode).toBe(0);
  });

  it('delivers streamed output through callbacks and the pid through started', async () => {
    const { client } = setup({
      programs: {
        chatty: (p) => {
          p.stdout('a');
          p.stderr('b');
          p.stdout('c');
          p.exit(0);
        },
      },
    });
    const order: string[] = [];
    const proc = client.spawn(['chatty'], {
      onStdout: (b) => order.push(`out:${text(b)}`),
      onStderr: (b) => order.push(`err:${text(b)}`),
    });
    expect(await proc.started).toBeGreaterThan(0);
    expect(await proc.exit).toEqual({ exitCode: 0 });
    expect(order).toEqual(['out:a', 'err:b', 'out:c']);
    await expect(proc.write('x')).rejects.toThrow(/without stdin/);
  });

  it('adopts a process an earlier client spawned on the line (a guest restored in place): its output, signals and exit', async () => {
    const { agent, client } = setup({
      programs: {
        trap: (p) => {
          p.onSignal = (s) => {
            p.stdout(`got ${s}`);
            p.exit(3);
          };
        },
      },
    });
    const first = client.spawn(['trap']);
    const pid = (await first.started)!;
    const firstStream = client.nextStreamId;
    client.close('restored');
    const next = new AgentClient(agent.transport, { firstStream });
    expect(next.adopt(firstStream, pid)).toBeUndefined(); // never used by the earlier client
    let out = '';
    const adopted = next.adopt(first.stream, pid, { onStdout: (b) => (out += text(b)) })!;
    expect(adopted.stream).toBe(first.stream);
    expect(await adopted.started).toBe(pid);
    expect(next.adopt(first.stream, pid)).toBeUndefined(); // taken
    // the new client's own streams come after every earlier one
    expect((await next.exec(['echo', 'hi'])).exitCode).toBe(0);
    expect(next.nextStreamId).toBe(firstStream + 1);
    adopted.kill(15);
    expect(await adopted.exit).toEqual({ exitCode: 3 });
    expect(out).toBe('got 15');
    // after a HELLO the agent holds no earlier stream: nothing can be adopted
    const late = client.nextStreamId;
    await next.hello();
    expect(next.adopt(late - 1, pid)).toBeUndefined();
  });

  it("holds what an earlier client's process sends before it is adopted (its output, its exit) for the adopter; endAdoption drops the rest", async () => {
    const procs: FakeProcess[] = [];
    const { agent, client } = setup({ programs: { talk: (p) => void procs.push(p) } });
    const first = client.spawn(['talk']);
    const other = client.spawn(['talk']);
    const pid = (await first.started)!;
    await other.started;
    const firstStream = client.nextStreamId;
    client.close('restored');
    const strays: string[] = [];
    const next = new AgentClient(agent.transport, { firstStream, onProtocolError: (e) => strays.push(e.message) });
    // the restored processes write and end before the engine opened on the checkpoint adopts them
    procs[0]!.stdout('said before\n');
    procs[0]!.exit(3);
    procs[1]!.stdout('nobody takes this\n');
    await new Promise((r) => setTimeout(r, 0));
    let out = '';
    const adopted = next.adopt(first.stream, pid, { onStdout: (b) => (out += text(b)) })!;
    expect(await adopted.exit).toEqual({ exitCode: 3 });
    expect(out).toBe('said before\n');
    next.endAdoption();
    let late = '';
    next.adopt(other.stream, pid, { onStdout: (b) => (late += text(b)) });
    expect(late).toBe('');
    expect(strays).toEqual([]);
  });

  it('passes other signals to the process', async () => {
    const { client } = setup({
      programs: {
        trap: (p) => {
          p.onSignal = (s) => {
            p.stdout(`got ${s}`);
            p.exit(0);
          };
        },
      },
    });
    let out = '';
    const proc = client.spawn(['trap'], { onStdout: (b) => (out += text(b)) });
    await proc.started;
    proc.kill(15);
    await proc.exit;
    expect(out).toBe('got 15');
  });

  it('reads and writes files, in several DATA frames when large', async () => {
    const { client, agent } = setup();
    const data = Uint8Array.from({ length: 150_000 }, (_, i) => (i * 31) & 0xff);
    await client.writeFile('/etc/thing', data, { mode: 0o600 });
    expect(agent.files.get('/etc/thing')!.mode).toBe(0o600);
    expect(Buffer.from(agent.files.get('/etc/thing')!.data).equals(data)).toBe(true);
    expect(text(agent.received.find((f) => f.type === FrameType.WRITE_FILE)!.payload)).toBe('600 /etc/thing');
    const back = await client.readFile('/etc/thing');
    expect(Buffer.from(back).equals(data)).toBe(true);
    await client.writeFile('/empty', '');
    expect(agent.files.get('/empty')!.data.length).toBe(0);
    expect((await client.readFile('/empty')).length).toBe(0);
  });

  it('maps agent errors onto engine error codes', async () => {
    const { client } = setup();
    const missing = await expectEngineError(client.readFile('/nope'), 'NOT_FOUND', /read \/nope: No such file or directory/);
    expect(missing.details).toEqual({ errno: 'ENOENT' });
    await expectEngineError(client.writeFile('/readonly/x', new Uint8Array(100_000)), 'DENIED', /Read-only/);
    expect(client.pendingStreams).toBe(0);
  });

  it('sends RESIZE and SET_TIME in the documented text forms', async () => {
    const { client, agent } = setup();
    await client.resize(40, 120, '/dev/ttyS0');
    expect(agent.sizes).toEqual(['40 120 /dev/ttyS0']);
    await client.setTime(new Date(1_700_000_000_123));
    expect(agent.clock).toEqual({ seconds: 1_700_000_000, nanoseconds: 123_000_000 });
    expect(() => client.resize(0, 80, '/dev/ttyS0')).toThrow(EngineError);
  });

  it('spawns with a terminal (the `t` record) and resizes its pty by stream (RESIZE @id)', async () => {
    const { client, agent } = setup();
    const proc = client.spawn(['sh'], { stdin: true, tty: true });
    await proc.resize(24, 80);
    expect(text(agent.received.find((f) => f.type === FrameType.EXEC)!.payload)).toBe('ash\0i\0t\0');
    expect(agent.sizes).toEqual([`24 80 @${proc.stream}`]);
    await expect(client.spawn(['true']).resize(24, 80)).rejects.toThrow(/tty: true/);
  });

  it('refuses arguments it cannot encode', () => {
    const { client } = setup();
    expect(() => client.spawn([])).toThrow(/at least one/);
    expect(() => client.spawn(['a\0b'])).toThrow(/NUL/);
    expect(() => client.spawn(['x'], { env: { 'A=B': '1' } })).toThrow(/environment variable name/);
  });

  it('reports a framing error and skips the garbage: requests in flight go on, nothing is reset', async () => {
    const { client, agent, errors } = setup();
    agent.responsive = false;
    const pending = client.readFile('/x');
    await new Promise((r) => setTimeout(r, 0));
    const sent = agent.received.length;
    // stray bytes, then a header no agent sends (EXEC from the guest's side), then the real answer
    const stream = agent.received.at(-1)!.stream;
    agent.emitRaw(new TextEncoder().encode('garbage'));
    agent.send(FrameType.DATA, stream, 'content');
    agent.emitRaw(encodeFrame({ type: FrameType.EXEC, stream: 1, payload: new TextEncoder().encode('arm\0') }));
    agent.send(FrameType.END, stream, '');
    agent.responsive = true;
    expect(text(await pending)).toBe('content');
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/bad magic/), expect.stringMatching(/implausible frame header \(type EXEC/)]);
    expect(agent.received.slice(sent).map((f) => f.type)).not.toContain(FrameType.HELLO);
    expect(text((await client.exec(['echo', 'ok'])).stdout)).toBe('ok\n');
  });

  it('fails pending requests when the agent restarts on its own', async () => {
    const restarts: string[] = [];
    const agent = new FakeAgent({ programs: { sleep: () => undefined } });
    const client = new AgentClient(agent.transport, { onAgentRestart: (v) => restarts.push(v) });
    const running = client.exec(['sleep']);
    await new Promise((r) => setTimeout(r, 0));
    agent.send(FrameType.HELLO, 0, 'drydock-agent 1');
    await expectEngineError(running, 'PROTOCOL', /restarted/);
    expect(restarts).toEqual(['drydock-agent 1']);
  });

  it('reports frames for unknown streams and routes agent-chosen streams to their handler', async () => {
    const agent = new FakeAgent();
    const errors: EngineError[] = [];
    const shim: number[] = [];
    const client = new AgentClient(agent.transport, { onProtocolError: (e) => errors.push(e), onAgentStream: (f) => shim.push(f.stream) });
    agent.send(FrameType.STDOUT, 42, 'x');
    agent.send(0x40, 0x80000001, 'docker ps');
    expect(errors[0]!.message).toMatch(/unknown stream .*STDOUT on stream 42/);
    expect(shim).toEqual([0x80000001]);
    client.close();
  });

  it('fails everything on close() and refuses new requests', async () => {
    const { client, agent } = setup();
    agent.responsive = false;
    const pending = client.readFile('/x');
    client.close('machine destroyed');
    await expectEngineError(pending, 'ABORTED', /machine destroyed/);
    await expect(client.exec(['echo'])).rejects.toThrow(/machine destroyed/);
    expect(() => client.spawn(['echo'])).toThrow(/machine destroyed/);
  });
});
