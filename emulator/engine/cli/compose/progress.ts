// Compose v2's progress display on stderr: on a terminal the `[+] Running 2/3` block redrawn in place
// (` ✔ Container app-web-1  Started  0.4s`), otherwise one plain line per event (` Container app-web-1  Started`).

export interface ProgressSink {
  write(text: string): void;
  /** terminal width when stderr is a terminal */
  columns?: number;
  now(): number;
}

interface Row {
  id: string;
  status: string;
  done: boolean;
  error: boolean;
  start: number;
  end?: number;
}

const SPINNER = '⠿';

export class ComposeProgress {
  readonly #sink: ProgressSink;
  readonly #rows: Row[] = [];
  #drawn = 0;

  constructor(sink: ProgressSink) {
    this.#sink = sink;
  }

  /** `working` ("Creating") or `done` ("Created") for an object, e.g. `Container app-web-1` */
  event(id: string, status: string, state: 'working' | 'done' | 'error'): void {
    let row = this.#rows.find((r) => r.id === id);
    const now = this.#sink.now();
    if (!row) {
      row = { id, status, done: false, error: false, start: now };
      this.#rows.push(row);
    }
    row.status = status;
    row.done = state !== 'working';
    row.error = state === 'error';
    if (row.done) row.end = now;
    else delete row.end;
    if (this.#sink.columns === undefined) this.#sink.write(` ${id}  ${status}\n`);
    else this.#draw();
  }

  #draw(): void {
    const now = this.#sink.now();
    const done = this.#rows.filter((r) => r.done).length;
    const width = Math.max(...this.#rows.map((r) => r.id.length));
    const statusWidth = Math.max(...this.#rows.map((r) => r.status.length));
    const lines = [`[+] Running ${done}/${this.#rows.length}`];
    for (const r of this.#rows) {
      const icon = r.error ? '\x1b[31m✘\x1b[0m' : r.done ? '\x1b[32m✔\x1b[0m' : `\x1b[34m${SPINNER}\x1b[0m`;
      const secs = `${(((r.end ?? now) - r.start) / 1000).toFixed(1)}s`;
      const left = ` ${icon} ${r.id.padEnd(width)}  ${r.status.padEnd(statusWidth)}`;
      const visible = 3 + width + 2 + statusWidth;
      const pad = Math.max(1, (this.#sink.columns ?? 80) - visible - secs.length - 1);
      lines.push(`${left}${' '.repeat(pad)}${secs} `);
    }
    const up = this.#drawn > 0 ? `\x1b[${this.#drawn}A` : '';
    this.#sink.write(`${up}${lines.map((l) => `\r\x1b[2K${l}\n`).join('')}`);
    this.#drawn = lines.length;
  }
}
