/// <reference types="vite/client" />
// <drydock-lab>: a drydock terminal in any docs page. Shows the example and a Start button; on click, frames
// lab.html from the drydock build this script came from, and speaks the postMessage API (web/embed/README.md) to it.
import { dedent, encodeLabConfig, type LabConfig, type LabFile } from './lab-config.ts';
import { checkCommand, checkFilePath, envelope, parseLabMessage, type LabMessage, type RequestId } from './lab-protocol.ts';

/**
 * lab.html beside this script: the build puts the script at its root (`drydock-lab.js`); the dev server serves it from
 * its source folder. Written as a variable, not `new URL('…', import.meta.url)`, which Vite would take for an asset.
 */
const scriptUrl = import.meta.url;
const LAB_URL = new URL(import.meta.env.DEV ? '../../lab.html' : 'lab.html', scriptUrl);

const STYLE = `
:host { display: block; margin: 1rem 0; border: 1px solid #34404e; border-radius: 8px; overflow: hidden;
  background: #0d1117; color: #d6dde6; font-family: system-ui, sans-serif; }
.example { margin: 0; padding: 0.75rem 1rem; font: 0.9rem/1.4 "DejaVu Sans Mono", Menlo, Consolas, monospace;
  white-space: pre-wrap; overflow-wrap: anywhere; }
.files { margin: 0; padding: 0 1rem 0.5rem; font-size: 0.8rem; color: #8b98a8; }
.bar { display: flex; align-items: center; gap: 0.75rem; padding: 0.5rem 1rem; background: #11161d; border-top: 1px solid #222b36; }
button { font: inherit; font-size: 0.9rem; padding: 0.35rem 0.9rem; border-radius: 6px; border: 1px solid #4c9aff;
  background: #1b2430; color: #d6dde6; cursor: pointer; }
button:hover, button:focus-visible { background: #243040; }
.note { font-size: 0.8rem; color: #8b98a8; }
iframe { display: block; width: 100%; border: 0; }
`;

interface Pending {
  resolve: (text: string | undefined) => void;
  reject: (error: Error) => void;
}

export class DrydockLabElement extends HTMLElement {
  readonly #root: ShadowRoot;
  #frame: HTMLIFrameElement | null = null;
  #ready = false;
  /** set when the lab could not start: requests fail with it instead of waiting for a "ready" that will not come */
  #failure: string | null = null;
  #readyWaiters: Pending[] = [];
  readonly #pending = new Map<RequestId, Pending>();
  /** run() calls waiting for their command's `exit` event */
  readonly #running = new Map<RequestId, () => void>();
  #nextId = 1;
  readonly #onMessage = (event: MessageEvent): void => this.#receive(event);

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: 'open' });
  }

  connectedCallback(): void {
    window.addEventListener('message', this.#onMessage);
    if (!this.#frame) this.#renderPlaceholder();
    if (this.hasAttribute('autostart')) this.start();
  }

  disconnectedCallback(): void {
    window.removeEventListener('message', this.#onMessage);
  }

  /** The example as the author wrote it: commands one per line (attribute), files from attributes and children. */
  get config(): LabConfig {
    const commands = (this.getAttribute('commands') ?? '')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '');
    const files: LabFile[] = [];
    const dockerfile = this.getAttribute('dockerfile');
    if (dockerfile !== null) files.push({ path: 'Dockerfile', text: dedent(dockerfile) });
    // <script type="text/plain" data-file="app.py">: the browser keeps a script's content as text, never as markup.
    for (const script of this.querySelectorAll<HTMLScriptElement>(':scope > script[type="text/plain"][data-file]')) {
      files.push({ path: script.dataset.file ?? '', text: dedent(script.textContent ?? '') });
    }
    // The API answers this page only (an opaque origin, as from file:, gets no API).
    const origins = location.origin === 'null' ? [] : [location.origin];
    return { commands, files, origins };
  }

  /** Frames the lab (once); the machine boots inside it. */
  start(): void {
    if (this.#frame) return;
    const config = this.config;
    const problem = configProblem(config);
    if (problem) {
      this.#renderProblem(problem);
      return;
    }
    const frame = document.createElement('iframe');
    frame.title = this.getAttribute('label') ?? 'drydock terminal';
    frame.style.height = cssLength(this.getAttribute('height')) ?? '22rem';
    frame.allow = 'clipboard-read; clipboard-write';
    frame.src = `${LAB_URL.href}#${encodeLabConfig(config)}`;
    this.#frame = frame;
    this.#root.replaceChildren(style(), frame);
    frame.focus();
  }

  /** Types a command in the lab's terminal and resolves once its prompt is back. Starts the lab if needed. */
  async run(command: string): Promise<void> {
    const id = this.#nextId++;
    const done = new Promise<void>((resolve) => this.#running.set(id, resolve));
    try {
      await this.#request({ type: 'run', id, command });
    } catch (error) {
      this.#running.delete(id);
      throw error;
    }
    return done;
  }

  /** Writes a file in the example's folder, /root/app (path relative to it). */
  async writeFile(path: string, text: string): Promise<void> {
    await this.#request({ type: 'write-file', id: this.#nextId++, path, text });
  }

  /** The lab's terminal as text (scrollback and screen). */
  async readTerminal(): Promise<string> {
    return (await this.#request({ type: 'read-terminal', id: this.#nextId++ })) ?? '';
  }

  async #request(request: { type: string; id: RequestId } & Record<string, unknown>): Promise<string | undefined> {
    this.start();
    await this.#whenReady();
    const frame = this.#frame?.contentWindow;
    if (!frame) throw new Error('the drydock lab frame is gone');
    return new Promise((resolve, reject) => {
      this.#pending.set(request.id, { resolve, reject });
      frame.postMessage(envelope(request), LAB_URL.origin);
    });
  }

  #whenReady(): Promise<void> {
    if (this.#ready) return Promise.resolve();
    if (this.#failure !== null) return Promise.reject(new Error(`drydock lab: ${this.#failure}`));
    return new Promise((resolve, reject) => this.#readyWaiters.push({ resolve: () => resolve(), reject }));
  }

  /** Only the lab this element framed, at the build's origin, is heard; its messages are checked like any input. */
  #receive(event: MessageEvent): void {
    if (!this.#frame || event.source !== this.#frame.contentWindow || event.origin !== LAB_URL.origin) return;
    const parsed = parseLabMessage(event.data);
    if (parsed === null) return;
    if (!parsed.ok) {
      console.warn(`<drydock-lab>: ignored a malformed message from the lab: ${parsed.error}`);
      return;
    }
    this.#handle(parsed.value);
  }

  #handle(message: LabMessage): void {
    switch (message.type) {
      case 'reply': {
        const pending = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        if (!pending) return;
        if (message.ok) pending.resolve(message.text);
        else pending.reject(new Error(`drydock lab: ${message.error}`));
        return;
      }
      case 'ready':
        this.#ready = true;
        this.#failure = null;
        for (const waiter of this.#readyWaiters.splice(0)) waiter.resolve(undefined);
        this.dispatchEvent(new CustomEvent('drydock-ready', { bubbles: true }));
        return;
      case 'failed':
        this.#failure = message.error;
        for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(new Error(`drydock lab: ${message.error}`));
        this.dispatchEvent(new CustomEvent('drydock-failed', { bubbles: true, detail: { error: message.error } }));
        return;
      case 'exit':
        if (message.id !== null) {
          this.#running.get(message.id)?.();
          this.#running.delete(message.id);
        }
        this.dispatchEvent(new CustomEvent('drydock-exit', { bubbles: true, detail: { id: message.id, command: message.command } }));
        return;
    }
  }

  /** Built with text nodes only: the commands are the author's text, shown, never parsed as HTML. */
  #renderPlaceholder(): void {
    const { commands, files } = this.config;
    const parts: Node[] = [style()];
    // Five examples on a page are five "Start" buttons: each is described by its own commands.
    const button = document.createElement('button');
    if (commands.length) {
      const pre = document.createElement('pre');
      pre.id = 'example';
      button.setAttribute('aria-describedby', pre.id);
      pre.className = 'example';
      pre.textContent = commands.map((c) => `$ ${c}`).join('\n');
      parts.push(pre);
    }
    if (files.length) {
      const list = document.createElement('p');
      list.className = 'files';
      list.textContent = `Files in /root/app: ${files.map((f) => f.path).join(', ')}`;
      parts.push(list);
    }
    const bar = document.createElement('div');
    bar.className = 'bar';
    button.type = 'button';
    button.textContent = this.getAttribute('start-label') ?? 'Start';
    button.addEventListener('click', () => this.start());
    const note = document.createElement('span');
    note.className = 'note';
    note.textContent = 'Runs a real Linux machine in this page (drydock)';
    bar.append(button, note);
    parts.push(bar);
    this.#root.replaceChildren(...parts);
  }

  #renderProblem(problem: string): void {
    const p = document.createElement('p');
    p.className = 'example';
    p.setAttribute('role', 'alert');
    p.textContent = `This example cannot start: ${problem}`;
    this.#root.replaceChildren(style(), p);
  }
}

/** The author's mistakes, said in the page rather than in a frame that never starts. */
function configProblem(config: LabConfig): string | null {
  for (const [i, command] of config.commands.entries()) {
    const checked = checkCommand(command, `commands line ${i + 1}`);
    if (typeof checked !== 'string') return checked.error;
  }
  for (const file of config.files) {
    const checked = checkFilePath(file.path, 'data-file');
    if (typeof checked !== 'string') return checked.error;
  }
  return null;
}

/** A CSS length the author gave as `height` ("300", "20rem", "50vh"); anything else is ignored. */
function cssLength(value: string | null): string | null {
  if (value === null) return null;
  if (/^\d+$/.test(value)) return `${value}px`;
  return /^\d+(\.\d+)?(px|rem|em|vh)$/.test(value) ? value : null;
}

function style(): HTMLStyleElement {
  const element = document.createElement('style');
  element.textContent = STYLE;
  return element;
}

if (!customElements.get('drydock-lab')) customElements.define('drydock-lab', DrydockLabElement);

declare global {
  interface HTMLElementTagNameMap {
    'drydock-lab': DrydockLabElement;
  }
}
