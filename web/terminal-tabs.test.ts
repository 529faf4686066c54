// Unit tests for the terminal tabs: numbering, selection, closing (the shell is hung up), a shell that exits, and one
// that went with the machine starting again (fake machine and views).
import { describe, expect, it } from 'vitest';
import type { ShellEnd } from '../emulator/protocol.ts';
import type { TerminalSize } from './machine.svelte.ts';
import { type ShellHost, type TabView, TerminalTabs } from './terminal-tabs.svelte.ts';

class FakeView implements TabView {
  ports: MessagePort[] = [];
  notes: string[] = [];
  notesOnStartOver: string[] = [];
  disposed = false;
  constructor(
    public size: TerminalSize,
    readonly onResize: (size: TerminalSize) => void = () => undefined,
  ) {}
  attach(port: MessagePort): void {
    this.ports.push(port);
  }
  startOver(note: string): void {
    this.notesOnStartOver.push(note);
  }
  note(text: string): void {
    this.notes.push(text);
  }
  dispose(): void {
    this.disposed = true;
  }
  /** xterm fitted itself to a new size */
  fitTo(size: TerminalSize): void {
    this.size = size;
    this.onResize(size);
  }
}

class FakeHost implements ShellHost {
  opened: { id: number; size: TerminalSize; onEnd: (end: ShellEnd) => void }[] = [];
  resized: [number, TerminalSize][] = [];
  closed: number[] = [];
  ready = true;
  failNext: Error | null = null;
  /** holds openShell until released, to let a test act while a shell is starting */
  gate: Promise<void> | null = null;
  async openShell(_port: MessagePort, size: TerminalSize, onEnd: (end: ShellEnd) => void): Promise<number> {
    await this.gate;
    if (this.failNext) throw this.failNext;
    const id = this.opened.length + 1;
    this.opened.push({ id, size, onEnd });
    return id;
  }
  async resizeShell(id: number, size: TerminalSize): Promise<void> {
    this.resized.push([id, size]);
  }
  async closeShell(id: number): Promise<void> {
    this.closed.push(id);
  }
  async whenReady(): Promise<boolean> {
    return this.ready;
  }
}

function setup() {
  const host = new FakeHost();
  const console = new FakeView({ cols: 80, rows: 24 });
  const views: FakeView[] = [];
  const tabs = new TerminalTabs<FakeView>(console, host, (onResize) => {
    const view = new FakeView({ cols: 100, rows: 30 }, onResize);
    views.push(view);
    return view;
  });
  return { host, console, views, tabs };
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe('TerminalTabs', () => {
  it('starts with the console as Terminal 1, which cannot be closed', () => {
    const { tabs, console } = setup();
    expect(tabs.tabs.map((t) => [t.title, t.closable])).toEqual([['Terminal 1', false]]);
    expect(tabs.active.view).toBe(console);
    tabs.close(1);
    expect(tabs.tabs).toHaveLength(1);
  });

  it('opens a shell per new tab, at its terminal size, and selects it', async () => {
    const { tabs, host, views } = setup();
    const tab = tabs.add();
    expect(tab.title).toBe('Terminal 2');
    expect(tabs.activeNumber).toBe(2);
    await settle();
    expect(host.opened.map((o) => o.size)).toEqual([{ cols: 100, rows: 30 }]);
    expect(views[0]!.ports).toHaveLength(1);
    tabs.add();
    expect(tabs.tabs.map((t) => t.title)).toEqual(['Terminal 1', 'Terminal 2', 'Terminal 3']);
  });

  it('passes size changes on to the shell, once it runs and only when they change', async () => {
    const { tabs, host, views } = setup();
    host.gate = new Promise((release) => setTimeout(release, 5));
    tabs.add();
    views[0]!.fitTo({ cols: 120, rows: 40 }); // fitted while the shell was starting
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(host.opened[0]!.size).toEqual({ cols: 100, rows: 30 });
    expect(host.resized).toEqual([[1, { cols: 120, rows: 40 }]]);
    views[0]!.fitTo({ cols: 120, rows: 40 });
    views[0]!.fitTo({ cols: 90, rows: 20 });
    expect(host.resized).toEqual([
      [1, { cols: 120, rows: 40 }],
      [1, { cols: 90, rows: 20 }],
    ]);
  });

  it('hangs the shell up on close, selects the tab before it, and reuses the lowest free number', async () => {
    const { tabs, host, views } = setup();
    tabs.add();
    tabs.add();
    await settle();
    tabs.close(2);
    expect(host.closed).toEqual([1]);
    expect(views[0]!.disposed).toBe(true);
    expect(tabs.activeNumber).toBe(3); // the shown tab stays
    tabs.close(3);
    expect(tabs.activeNumber).toBe(1);
    expect(tabs.add().title).toBe('Terminal 2');
  });

  it('hangs up a shell whose tab closed while it was starting', async () => {
    const { tabs, host } = setup();
    let release!: () => void;
    host.gate = new Promise((r) => (release = r));
    tabs.add();
    tabs.close(2);
    release();
    await settle();
    expect(host.closed).toEqual([1]);
  });

  it('closes the tab of a shell that exits', async () => {
    const { tabs, host } = setup();
    tabs.add();
    await settle();
    host.opened[0]!.onEnd({ cause: 'exited', message: 'exit 0' });
    await settle();
    expect(tabs.tabs.map((t) => t.number)).toEqual([1]);
    expect(host.closed).toEqual([]); // it had ended: nothing to hang up
  });

  it('starts a fresh shell in the tab when its machine restarts, and says so when the machine does not come back', async () => {
    const { tabs, host, views } = setup();
    tabs.add();
    await settle();
    host.opened[0]!.onEnd({ cause: 'machine', message: 'the machine restarted' });
    await settle();
    expect(views[0]!.notesOnStartOver).toEqual(['This shell ended (the machine restarted); a new one starts.']);
    expect(host.opened.map((o) => o.id)).toEqual([1, 2]);
    expect(tabs.tabs.map((t) => t.number)).toEqual([1, 2]);

    host.ready = false;
    host.opened[1]!.onEnd({ cause: 'machine', message: 'the machine stopped' });
    await settle();
    expect(views[0]!.notes).toEqual(['This shell ended: the machine stopped']);
    expect(host.opened).toHaveLength(2);
  });

  it('says in the tab why a shell could not open', async () => {
    const { tabs, host, views } = setup();
    host.failNext = new Error('Cannot open a terminal: the machine is still starting');
    tabs.add();
    await settle();
    expect(views[0]!.notes).toEqual(['Could not open a shell: Cannot open a terminal: the machine is still starting']);
  });

  it('closes every extra tab on dispose', async () => {
    const { tabs, host } = setup();
    tabs.add();
    tabs.add();
    await settle();
    tabs.dispose();
    expect(host.closed).toEqual([1, 2]);
    expect(tabs.tabs).toHaveLength(1);
  });
});
