// The terminal tabs: the machine's console (Terminal 1, where lessons type) and more login shells on the same machine.
import type { ShellEnd } from '../emulator/protocol.ts';
import type { TerminalSize } from './machine.svelte.ts';

/** What a tab shows (TerminalSession in the app). */
export interface TabView {
  /** Shows bytes from this port and sends typed bytes to it. */
  attach(port: MessagePort): void;
  /** A new screen for a shell that starts over; what was shown stays in the scrollback, under this note. */
  startOver(note: string): void;
  /** Prints a note of the page's own (not the guest's) on the screen. */
  note(text: string): void;
  readonly size: TerminalSize;
  dispose(): void;
}

/** What the tabs need of the machine (MachineState). */
export interface ShellHost {
  openShell(port: MessagePort, size: TerminalSize, onEnd: (end: ShellEnd) => void): Promise<number>;
  resizeShell(id: number, size: TerminalSize): Promise<void>;
  closeShell(id: number): Promise<void>;
  whenReady(timeoutMs: number): Promise<boolean>;
}

export interface TerminalTab<V> {
  /** 1 for the console; the number in its title */
  readonly number: number;
  readonly title: string;
  readonly view: V;
  /** every tab but the console */
  readonly closable: boolean;
}

/** A restart may be a cold boot on a busy machine (MachineState allows it this long too). */
const MACHINE_WAIT_MS = 60_000;

/** An extra tab's shell: its id once open, the size it was last told. */
interface Shell {
  id: number | null;
  sentSize: TerminalSize | null;
  closed: boolean;
}

export class TerminalTabs<V extends TabView> {
  tabs = $state.raw<TerminalTab<V>[]>([]);
  activeNumber = $state(1);
  readonly active = $derived(this.tabs.find((t) => t.number === this.activeNumber) ?? this.tabs[0]!);

  readonly #host: ShellHost;
  readonly #createView: (onResize: (size: TerminalSize) => void) => V;
  readonly #shells = new Map<V, Shell>();

  /** `console`: Terminal 1's view, which the machine connects itself; `createView` makes the others' views. */
  constructor(console: V, host: ShellHost, createView: (onResize: (size: TerminalSize) => void) => V) {
    this.#host = host;
    this.#createView = createView;
    this.tabs = [{ number: 1, title: 'Terminal 1', view: console, closable: false }];
  }

  /** A new tab with a fresh login shell, selected. */
  add(): TerminalTab<V> {
    const taken = new Set(this.tabs.map((t) => t.number));
    let number = 2;
    while (taken.has(number)) number++;
    const shell: Shell = { id: null, sentSize: null, closed: false };
    const view = this.#createView((size) => this.#resized(shell, size));
    const tab: TerminalTab<V> = { number, title: `Terminal ${number}`, view, closable: true };
    this.#shells.set(view, shell);
    this.tabs = [...this.tabs, tab].sort((a, b) => a.number - b.number);
    this.activeNumber = number;
    void this.#open(tab, shell);
    return tab;
  }

  select(number: number): void {
    if (this.tabs.some((t) => t.number === number)) this.activeNumber = number;
  }

  /** Closes an extra tab: its shell is hung up (SIGHUP), and the tab before it is selected. */
  close(number: number): void {
    const index = this.tabs.findIndex((t) => t.number === number);
    const tab = this.tabs[index];
    if (!tab?.closable) return;
    const shell = this.#shells.get(tab.view)!;
    shell.closed = true;
    if (shell.id !== null) this.#host.closeShell(shell.id).catch((e: unknown) => console.warn(`Closing ${tab.title} failed:`, e));
    this.#shells.delete(tab.view);
    this.tabs = this.tabs.filter((t) => t !== tab);
    if (this.activeNumber === number) this.activeNumber = this.tabs[Math.max(0, index - 1)]!.number;
    tab.view.dispose();
  }

  /** Closes every extra tab and its shell. */
  dispose(): void {
    for (const tab of this.tabs) if (tab.closable) this.close(tab.number);
  }

  async #open(tab: TerminalTab<V>, shell: Shell): Promise<void> {
    const channel = new MessageChannel();
    tab.view.attach(channel.port1);
    const size = tab.view.size;
    let id: number;
    try {
      id = await this.#host.openShell(channel.port2, size, (end) => void this.#ended(tab, shell, end));
    } catch (error) {
      channel.port1.close();
      if (!shell.closed) tab.view.note(`Could not open a shell: ${(error as Error).message}`);
      return;
    }
    if (shell.closed) {
      await this.#host.closeShell(id).catch(() => undefined);
      return;
    }
    shell.id = id;
    shell.sentSize = size;
    // the terminal may have been fitted while the shell was starting
    this.#resized(shell, tab.view.size);
  }

  /** A shell that exits closes its tab (as a terminal window does); one that went with the machine starts again. */
  async #ended(tab: TerminalTab<V>, shell: Shell, end: ShellEnd): Promise<void> {
    if (shell.closed) return;
    shell.id = null;
    if (end.cause === 'exited') return this.close(tab.number);
    if (await this.#host.whenReady(MACHINE_WAIT_MS)) {
      if (shell.closed) return;
      tab.view.startOver(`This shell ended (${end.message}); a new one starts.`);
      return this.#open(tab, shell);
    }
    if (!shell.closed) tab.view.note(`This shell ended: ${end.message}`);
  }

  #resized(shell: Shell, size: TerminalSize): void {
    if (shell.id === null || shell.closed) return; // #open sends the size it has once the shell runs
    if (shell.sentSize?.cols === size.cols && shell.sentSize.rows === size.rows) return;
    shell.sentSize = size;
    this.#host.resizeShell(shell.id, size).catch((e: unknown) => console.warn('Resizing a terminal failed:', e));
  }
}
