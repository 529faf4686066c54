// The learner's terminal: xterm.js in the page, bytes to and from the guest console over a MessagePort.
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';

import type { ConsoleView, TerminalSize } from './machine.svelte.ts';
import { clipboardAction, leavesTerminal } from './terminal-keys.ts';

const encoder = new TextEncoder();

export class TerminalSession implements ConsoleView {
  readonly terminal: Terminal;
  readonly #fit = new FitAddon();
  #port: MessagePort | null = null;
  readonly #disposers: (() => void)[] = [];
  /** counted, not read from the buffer's rows, which stop growing once the scrollback is full */
  #lineFeeds = 0;
  /** The terminal's size in character cells, reactive for the UI. */
  size = $state.raw<TerminalSize>({ cols: 80, rows: 24 });

  constructor(options: { onResize: (size: TerminalSize) => void }) {
    this.terminal = new Terminal({
      // The DOM renderer (xterm's default) keeps what a person sees readable from the DOM, for tests and screen readers.
      cursorBlink: true,
      convertEol: false,
      scrollback: 5000,
      fontFamily: '"DejaVu Sans Mono", "Cascadia Mono", Menlo, Consolas, "Liberation Mono", monospace',
      fontSize: 14,
      theme: {
        background: '#0d1117',
        foreground: '#d6dde6',
        cursor: '#7ee787',
        selectionBackground: '#2f4a6d',
      },
    });
    this.terminal.loadAddon(this.#fit);
    let escapedAt: number | null = null;
    this.terminal.attachCustomKeyEventHandler((event) => {
      if (event.type === 'keydown') {
        // false without preventDefault: xterm ignores the Tab and the browser moves focus.
        if (leavesTerminal(event, escapedAt, Date.now())) {
          escapedAt = null;
          return false;
        }
        if (event.key !== 'Shift') escapedAt = event.key === 'Escape' ? Date.now() : null;
      }
      const action = clipboardAction(event);
      if (action === 'copy-selection') {
        // preventDefault also keeps Chromium's "inspect element" shortcut from opening.
        event.preventDefault();
        const selection = this.terminal.getSelection();
        if (selection) navigator.clipboard?.writeText(selection).catch((e: unknown) => console.warn('Copy to clipboard refused:', e));
        return false;
      }
      // false without preventDefault: xterm ignores the key and the browser fires its own copy/paste
      // event, which xterm's listeners turn into terminal input (no clipboard permission prompt).
      return action !== 'native';
    });

    const data = this.terminal.onData((text) => this.#send(encoder.encode(text)));
    // onBinary carries bytes as a latin-1 string (mouse reports in some modes).
    const binary = this.terminal.onBinary((text) => this.#send(Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff)));
    const resize = this.terminal.onResize(({ cols, rows }) => {
      this.size = { cols, rows };
      options.onResize({ cols, rows });
    });
    const lineFeed = this.terminal.onLineFeed(() => this.#lineFeeds++);
    this.#disposers.push(() => data.dispose(), () => binary.dispose(), () => resize.dispose(), () => lineFeed.dispose());
  }

  /** Attaches xterm to its element and keeps it fitted to the element's size; `keysHint` says how to leave it. */
  open(element: HTMLElement, keysHint?: string): void {
    this.terminal.open(element);
    if (keysHint) this.terminal.textarea?.setAttribute('aria-describedby', keysHint);
    this.fit();
    const observer = new ResizeObserver(() => this.fit());
    observer.observe(element);
    this.#disposers.push(() => observer.disconnect());
  }

  fit(): void {
    // proposeDimensions is undefined while the element is hidden or has no size yet.
    const proposed = this.#fit.proposeDimensions();
    if (!proposed || !Number.isFinite(proposed.cols) || !Number.isFinite(proposed.rows)) return;
    const cols = Math.max(20, proposed.cols);
    const rows = Math.max(5, proposed.rows);
    if (cols !== this.terminal.cols || rows !== this.terminal.rows) this.terminal.resize(cols, rows);
  }

  /** Connects to a guest console, replacing the previous one (from an earlier machine). */
  attach(port: MessagePort): void {
    this.detach();
    this.#port = port;
    port.onmessage = (event: MessageEvent<Uint8Array>) => this.terminal.write(event.data);
    port.start();
  }

  /** Stops showing the port; the machine owns it and closes it. */
  detach(): void {
    if (!this.#port) return;
    this.#port.onmessage = null;
    this.#port = null;
  }

  startOver(note: string): void {
    // Leave a full-screen program's alternate screen and reset the modes it set (DECSTR, not RIS: RIS would also
    // drop the scrollback), then erase the screen with PuTTY's ED2, which scrolls it into the scrollback, so a
    // learner can scroll back to what the old machine printed.
    const terminal = this.terminal;
    terminal.write('\x1b[?1049l\x1b[!p\x1b[0m');
    terminal.options.scrollOnEraseInDisplay = true;
    terminal.write('\x1b[2J\x1b[H', () => {
      terminal.options.scrollOnEraseInDisplay = false;
    });
    this.note(note);
  }

  /** The line the cursor is on, as shown (typeLines waits for the prompt there). */
  cursorLine(): string {
    const buffer = this.terminal.buffer.active;
    return buffer.getLine(buffer.baseY + buffer.cursorY)?.translateToString(true) ?? '';
  }

  /** How many line feeds the terminal has shown (typeLines: a prompt counts only after the typed line's echo). */
  lineFeeds(): number {
    return this.#lineFeeds;
  }

  /** A line of the page's own, dimmed and bracketed so it does not pass for the guest's output. */
  note(text: string): void {
    this.terminal.write(`\r\n\x1b[2m[${text}]\x1b[0m\r\n`);
  }

  focus(): void {
    this.terminal.focus();
  }

  #send(bytes: Uint8Array): void {
    // Typing before the machine is attached goes nowhere; the prompt is not there yet either.
    this.#port?.postMessage(bytes, [bytes.buffer]);
  }

  dispose(): void {
    this.detach();
    for (const dispose of this.#disposers.splice(0)) dispose();
    this.terminal.dispose();
  }
}
