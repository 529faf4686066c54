// Unit tests for the terminal tabs' shells in the worker, against the in-memory agent: how a shell starts, keys and
// output, hangup on close, and ends (by itself, with the machine).
import { describe, expect, it } from 'vitest';
import type { ShellEnd } from '../protocol.ts';
import { AgentClient } from './channel/agent-client.ts';
import { FakeAgent, type FakeProcess } from './channel/fake-agent.ts';
import { FrameType } from './channel/frame-codec.ts';
import { GuestShells, hangUpRestored, LOGIN_SHELL_ARGV, type ShellPort } from './guest-shells.ts';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

function fakePort() {
  const port = {
    shown: '',
    closed: false,
    onmessage: null as ShellPort['onmessage'],
    postMessage: (bytes: Uint8Array) => void (port.shown += text(bytes)),
    close: () => void (port.closed = true),
    type: (keys: string) => port.onmessage?.({ data: keys } as MessageEvent<string>),
  };
  return port;
}

function setup(options: { withholdAcks?: boolean } = {}) {
  const shells: FakeProcess[] = [];
  const agent = new FakeAgent({
    ...options,
    programs: {
      '/sbin/drydock-init': (proc) => {
        shells.push(proc);
        proc.stdout('root@drydock:~# ');
      },
    },
  });
  return { agent, client: new AgentClient(agent.transport), shells, guest: new GuestShells() };
}

describe('GuestShells', () => {
  it('starts root\'s login shell on a pty through drydock-init, sized before its first prompt', async () => {
    const { agent, client, shells, guest } = setup();
    const port = fakePort();
    await guest.open(client, port, { cols: 100, rows: 30 }, () => undefined);
    expect(shells[0]!.argv).toEqual(LOGIN_SHELL_ARGV);
    expect(LOGIN_SHELL_ARGV.slice(0, 3)).toEqual(['/sbin/drydock-init', '-c', 'fork']);
    expect(LOGIN_SHELL_ARGV[3]).toMatch(/^exec cwd=\/root console caps=CAP_CHOWN,.*,CAP_CHECKPOINT_RESTORE oom=0 env=PATH=\S+ env=HOME=\/root env=TERM=xterm-256color -- \/bin\/sh -l$/);
    const exec = agent.received.find((f) => f.type === FrameType.EXEC)!;
    expect(text(exec.payload).split('\0')).toEqual(expect.arrayContaining(['i', 't']));
    expect(agent.sizes).toEqual([`30 100 @${exec.stream}`]);
    await settle();
    expect(port.shown).toBe('root@drydock:~# ');
  });

  it('sends typed keys to the shell, those typed while its window is full in one frame', async () => {
    const { agent, client, guest } = setup({ withholdAcks: true });
    const port = fakePort();
    await guest.open(client, port, { cols: 80, rows: 24 }, () => undefined);
    for (const key of 'echo hi\r') {
      port.type(key);
      await settle();
    }
    const stdin = () => agent.received.filter((f) => f.type === FrameType.STDIN).map((f) => text(f.payload));
    expect(stdin()).toEqual(['e', 'c', 'h', 'o', ' ', 'h', 'i', '\r']); // the window holds 8
    // the first key waits for room in the window; the ones typed meanwhile join into the next frame
    for (const key of 'pwd\r') port.type(key);
    agent.releaseAcks();
    await settle();
    await settle();
    expect(stdin().slice(8)).toEqual(['p', 'wd\r']);
  });

  it('hangs the terminal up on close, closes the port and reports no end', async () => {
    const { client, shells, guest } = setup();
    const port = fakePort();
    const ends: ShellEnd[] = [];
    const id = await guest.open(client, port, { cols: 80, rows: 24 }, (end) => ends.push(end));
    guest.close(id);
    await settle();
    expect(shells[0]!.hungUp).toBe(true);
    expect(port.closed).toBe(true);
    expect(ends).toEqual([]);
    expect(guest.count).toBe(0);
    await expect(guest.resize(id, 80, 24)).rejects.toThrow(`no shell ${id} on this machine`);
  });

  it('reports a shell that exits, and ends the others with the machine', async () => {
    const { client, shells, guest } = setup();
    const ends: [number, ShellEnd][] = [];
    const ports = [fakePort(), fakePort()];
    const ids = [
      await guest.open(client, ports[0]!, { cols: 80, rows: 24 }, (end) => ends.push([1, end])),
      await guest.open(client, ports[1]!, { cols: 80, rows: 24 }, (end) => ends.push([2, end])),
    ];
    expect(new Set(ids).size).toBe(2);
    shells[0]!.exit(0);
    await settle();
    guest.endAll('the machine restarted');
    expect(ends).toEqual([
      [1, { cause: 'exited', message: 'exit 0' }],
      [2, { cause: 'machine', message: 'the machine restarted' }],
    ]);
    expect(ports.map((p) => p.closed)).toEqual([true, true]);
  });

  it('says the machine went away when the agent client closes under a shell', async () => {
    const { client, guest } = setup();
    const ends: ShellEnd[] = [];
    await guest.open(client, fakePort(), { cols: 80, rows: 24 }, (end) => ends.push(end));
    client.close('the machine was restored to a checkpoint');
    await settle();
    expect(ends).toEqual([{ cause: 'machine', message: 'the machine was restored to a checkpoint' }]);
  });

  it("hangs up a checkpoint's shells in the guest restored from it (its agent kept them; their tabs get new ones)", async () => {
    const { agent, client, shells, guest } = setup();
    await guest.open(client, fakePort(), { cols: 80, rows: 24 }, () => undefined);
    await guest.open(client, fakePort(), { cols: 80, rows: 24 }, () => undefined);
    const streams = guest.streams;
    // restored in place: the client that takes over numbers past the old one's streams, and no HELLO passes
    client.close('the machine was restored to a checkpoint');
    hangUpRestored(new AgentClient(agent.transport, { firstStream: client.nextStreamId }), streams);
    await settle();
    expect(shells.map((s) => s.hungUp)).toEqual([true, true]);
  });
});
