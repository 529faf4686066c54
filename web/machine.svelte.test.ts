// Unit tests for the machine state: boot, resize coalescing, restart fallback, health, failures, share access (fake worker link).
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ExecResult, MachineHealth, PortHttpRequest, ShareTreeEntry, ShellEnd, StartOptions, StartResult } from '../emulator/protocol.ts';
import type { EmulatorLink, ShareEntry, StartCallbacks } from './emulator-client.ts';
import { MachineState, type ConsoleView, type TerminalSize } from './machine.svelte.ts';

const RESULT: StartResult = { fromSnapshot: true, readyMs: 10, bytesDownloaded: 1000 };

class FakeLink implements EmulatorLink {
  options: StartOptions | null = null;
  callbacks: StartCallbacks | null = null;
  resizes: TerminalSize[] = [];
  files = new Map<string, Uint8Array>();
  disposed = false;
  /** resolves start() when called; tests hold boots open with it */
  finishStart: (() => void) | null = null;

  constructor(
    private readonly behaviour: { start?: 'ok' | 'manual' | Error; restart?: 'ok' | 'hang' } = {},
  ) {}

  start(options: StartOptions, callbacks: StartCallbacks): Promise<StartResult> {
    this.options = options;
    this.callbacks = callbacks;
    callbacks.onProgress({ phase: 'download', loadedBytes: 10, totalBytes: 100, message: 'Downloading' });
    const outcome = this.behaviour.start ?? 'ok';
    if (outcome instanceof Error) return Promise.reject(outcome);
    const done = (): StartResult => {
      callbacks.onHealth('ready');
      return RESULT;
    };
    if (outcome === 'manual') return new Promise((resolve) => (this.finishStart = () => resolve(done())));
    return Promise.resolve(done());
  }
  restart(): Promise<StartResult> {
    if (this.behaviour.restart === 'hang') return new Promise(() => undefined);
    // Like the worker: the health callback given to start() reports the restart (starting, then ready once the
    // agent answers), on its own channel, after the call began.
    return new Promise((resolve) =>
      setTimeout(() => {
        this.callbacks?.onHealth('starting');
        this.callbacks?.onHealth('ready');
        resolve({ ...RESULT, readyMs: 5 });
      }, 0),
    );
  }
  async resize(cols: number, rows: number): Promise<void> {
    this.resizes.push({ cols, rows });
  }
  exec(): Promise<ExecResult> {
    return Promise.resolve({ exitCode: 0, stdout: new Uint8Array(), stderr: new Uint8Array() });
  }
  async writeShareFile(path: string, data: Uint8Array): Promise<void> {
    this.files.set(path, data);
  }
  async readShareFile(path: string): Promise<Uint8Array> {
    const data = this.files.get(path);
    if (!data) throw new Error(`ENOENT ${path}`);
    return data;
  }
  async listShare(): Promise<ShareEntry[]> {
    return [...this.files].map(([name, data]) => ({ name, isDirectory: false, size: data.length }));
  }
  async shareTree(): Promise<ShareTreeEntry[]> {
    return [...this.files].map(([path, data]) => ({ path: path.slice(1), type: 'file', size: data.length, mtime: 0 }));
  }
  async removeSharePath(path: string): Promise<void> {
    this.files.delete(path);
  }
  async makeShareDirectory(): Promise<void> {}
  async engineRequest(): Promise<{ status: number; body: string }> {
    return { status: 404, body: '{"message":"fake"}' };
  }
  async saveCheckpoint(): Promise<string> {
    return 'checkpoint-1';
  }
  restoreCheckpoint(): Promise<StartResult> {
    return this.restart();
  }
  shells = new Map<number, (end: ShellEnd) => void>();
  closedShells: number[] = [];
  async openShell(_port: MessagePort, _cols: number, _rows: number, onEnd: (end: ShellEnd) => void): Promise<number> {
    const id = this.shells.size + 1;
    this.shells.set(id, onEnd);
    return id;
  }
  async resizeShell(): Promise<void> {}
  async closeShell(id: number): Promise<void> {
    this.closedShells.push(id);
  }
  forwarded: PortHttpRequest[] = [];
  async forwardHttp(request: PortHttpRequest): Promise<void> {
    this.forwarded.push(request);
  }
  dispose(): void {
    this.disposed = true;
  }
}

class FakeView implements ConsoleView {
  ports: MessagePort[] = [];
  notesOnStartOver: string[] = [];
  constructor(public size: TerminalSize) {}
  attach(port: MessagePort): void {
    this.ports.push(port);
  }
  startOver(note: string): void {
    this.notesOnStartOver.push(note);
  }
}

function machineWith(...links: FakeLink[]): { machine: MachineState; created: FakeLink[] } {
  const created: FakeLink[] = [];
  const machine = new MachineState({
    guestBaseUrl: 'http://drydock.test/app/guest/',
    restartTimeoutMs: 50,
    createLink: () => {
      const link = links.shift();
      if (!link) throw new Error('test made more workers than it expected');
      created.push(link);
      return link;
    },
  });
  return { machine, created };
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe('MachineState', () => {
  beforeEach(() => {
    // The state logs restart fallbacks and failures for developers; the tests assert on state instead.
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
  });

  it('boots, reports progress and health, and tells the guest the terminal size', async () => {
    const link = new FakeLink();
    const { machine } = machineWith(link);
    const view = new FakeView({ cols: 120, rows: 40 });
    machine.connectTerminal(view);
    await machine.boot();
    await settle();

    expect(machine.status).toBe('ready');
    expect(machine.health).toBe('ready' satisfies MachineHealth);
    expect(machine.result).toEqual(RESULT);
    expect(link.options).toMatchObject({ guestBaseUrl: 'http://drydock.test/app/guest/', cols: 120, rows: 40, coldBoot: false });
    // The page keeps one end of the console channel and the worker gets the other.
    expect(view.ports).toHaveLength(1);
    expect(view.ports[0] === link.options!.terminal).toBe(false);
    expect(link.resizes).toEqual([{ cols: 120, rows: 40 }]);
    expect(machine.progress?.phase).toBe('ready');
  });

  it('attaches the console when the terminal connects after the boot began', async () => {
    const link = new FakeLink({ start: 'manual' });
    const { machine } = machineWith(link);
    const booting = machine.boot();
    expect(machine.status).toBe('booting');
    expect(link.options).toMatchObject({ cols: 80, rows: 24 });

    const view = new FakeView({ cols: 100, rows: 30 });
    machine.connectTerminal(view);
    expect(view.ports).toHaveLength(1);
    // Sizes arriving while the machine starts are coalesced and sent once it is up.
    machine.resize({ cols: 101, rows: 31 });
    machine.resize({ cols: 102, rows: 32 });
    expect(link.resizes).toEqual([]);
    link.finishStart!();
    await booting;
    await settle();
    expect(link.resizes).toEqual([{ cols: 100, rows: 30 }]);
  });

  it('replaces a worker whose restart does not answer', async () => {
    const stuck = new FakeLink({ restart: 'hang' });
    const fresh = new FakeLink();
    const { machine, created } = machineWith(stuck, fresh);
    const view = new FakeView({ cols: 90, rows: 25 });
    machine.connectTerminal(view);
    await machine.boot();
    stuck.callbacks!.onHealth('hung');
    expect(machine.hung).toBe(true);

    await machine.restart();
    expect(created).toEqual([stuck, fresh]);
    expect(stuck.disposed).toBe(true);
    expect(machine.status).toBe('ready');
    expect(machine.hung).toBe(false);
    // The new worker got a new console port, and a new screen with a note.
    expect(view.ports).toHaveLength(2);
    expect(view.notesOnStartOver).toEqual(['The machine restarted; what it showed before is above.', 'A new machine replaced the one that stopped; what it showed is above.']);
  });

  it('ignores late callbacks from a worker it has abandoned', async () => {
    const old = new FakeLink({ restart: 'hang' });
    const { machine } = machineWith(old, new FakeLink());
    await machine.boot();
    await machine.restart();
    old.callbacks!.onHealth('hung');
    expect(machine.health).toBe('ready');
  });

  it('is healthy again after a restart and after a checkpoint restore (the worker reports health on its boot callback)', async () => {
    const link = new FakeLink();
    const { machine } = machineWith(link);
    await machine.boot();
    expect(machine.health).toBe('ready');

    const restarting = machine.restart();
    expect(machine.health).toBe('starting');
    await restarting;
    await settle();
    expect(machine.status).toBe('ready');
    expect(machine.health).toBe('ready');

    await machine.restoreCheckpoint(await machine.saveCheckpoint());
    await settle();
    expect(machine.health).toBe('ready');
    // and the worker's later reports still count
    link.callbacks!.onHealth('hung');
    expect(machine.hung).toBe(true);
  });

  it('reports a failed start with the error code', async () => {
    const error = Object.assign(new Error('the guest has not been built'), { code: 'NOT_FOUND' });
    const { machine } = machineWith(new FakeLink({ start: error }));
    await machine.boot();
    expect(machine.status).toBe('failed');
    expect(machine.error).toBe('the guest has not been built (NOT_FOUND)');
    expect(machine.busy).toBe(false);
  });

  it('refuses share access until the machine runs, then writes and reads share paths', async () => {
    const link = new FakeLink({ start: 'manual' });
    const { machine } = machineWith(link);
    const booting = machine.boot();
    expect(() => machine.share.write('a.txt', 'x')).toThrow('Cannot use the shared folder: the machine is still starting');
    link.finishStart!();
    await booting;

    await machine.share.write('/lesson//./Dockerfile', 'FROM busybox\n');
    // The worker's ShareFs only takes absolute paths.
    expect([...link.files.keys()]).toEqual(['/lesson/Dockerfile']);
    expect(await machine.share.readText('lesson/Dockerfile')).toBe('FROM busybox\n');
    expect(() => machine.share.read('../etc/passwd')).toThrow('must not contain ".."');
  });

  it('ends the shells of a worker it replaces, and closes only shells that still run', async () => {
    const first = new FakeLink();
    const second = new FakeLink();
    const { machine } = machineWith(first, second);
    await machine.boot();
    const ends: ShellEnd[] = [];
    const a = await machine.openShell(new MessageChannel().port2, { cols: 80, rows: 24 }, (end) => ends.push(end));
    const b = await machine.openShell(new MessageChannel().port2, { cols: 80, rows: 24 }, (end) => ends.push(end));
    // b exits by itself: told once, and closing it afterwards asks the worker nothing
    first.shells.get(b)!({ cause: 'exited', message: 'exit 0' });
    first.shells.get(b)!({ cause: 'exited', message: 'exit 0' });
    await machine.closeShell(b);
    expect(first.closedShells).toEqual([]);
    await machine.boot();
    expect(ends).toEqual([
      { cause: 'exited', message: 'exit 0' },
      { cause: 'machine', message: 'the machine was replaced by a new one' },
    ]);
    // a's worker is gone: closing its tab asks nobody
    await machine.closeShell(a);
    expect(first.closedShells).toEqual([]);
    expect(second.closedShells).toEqual([]);
  });
});
