// Build progress as BuildKit reports it: vertexes (`[2/5] RUN npm install`) with statuses, logs, CACHED, DONE and
// ERROR; the engine emits these events, the CLI prints them in BuildKit's plain style (progressui's printer).
import { humanSize } from '../units/human.ts';

export type BuildEvent =
  /** a vertex started (BuildKit numbers vertexes in the order they appear: `#4`) */
  | { type: 'vertex'; n: number; name: string }
  /** a status line of a vertex: `transferring context: 1.2kB done`, `naming to ... done` */
  | { type: 'status'; n: number; text: string; done?: boolean; seconds?: number }
  /** output of a RUN, with seconds since its vertex started */
  | { type: 'log'; n: number; text: string; seconds: number }
  | { type: 'cached'; n: number }
  | { type: 'done'; n: number; seconds: number }
  | { type: 'error'; n: number; message: string }
  /** the failed build's summary: the vertex name, its last output lines, the Dockerfile excerpt, the error */
  | { type: 'failed'; vertex?: string; logTail: string[]; excerpt?: string[]; message: string }
  | { type: 'warning'; text: string };

/** go-units HumanSize with 3 significant digits as BuildKit prints sizes (`155B`, `1.23kB`). */
export function buildSize(bytes: number): string {
  return humanSize(bytes).replace(/\s+/g, '');
}

export function seconds(ms: number): number {
  return Math.round(ms / 100) / 10;
}

/** The plain printer: one line per event, a blank line when another vertex starts talking. */
export class PlainProgress {
  #last = -1;
  readonly #logs = new Map<number, string>();

  constructor(private readonly write: (text: string) => void) {}

  header(): void {
    this.write('#0 building with "default" instance using docker driver\n');
  }

  #switch(n: number): void {
    if (n !== this.#last) {
      this.write('\n');
      this.#last = n;
    }
  }

  event(e: BuildEvent): void {
    switch (e.type) {
      case 'vertex':
        this.#switch(e.n);
        this.write(`#${e.n} ${e.name}\n`);
        return;
      case 'status':
        this.#switch(e.n);
        this.write(`#${e.n} ${e.text}${e.done ? (e.seconds !== undefined ? ` ${e.seconds.toFixed(1)}s done` : ' done') : ''}\n`);
        return;
      case 'log': {
        this.#switch(e.n);
        // Partial lines wait for their newline, as progressui does.
        const text = (this.#logs.get(e.n) ?? '') + e.text;
        const lines = text.split('\n');
        this.#logs.set(e.n, lines.pop() ?? '');
        for (const line of lines) this.write(`#${e.n} ${e.seconds.toFixed(3)} ${line.replace(/\r$/, '')}\n`);
        return;
      }
      case 'cached':
        this.#switch(e.n);
        this.write(`#${e.n} CACHED\n`);
        return;
      case 'done':
        this.#flush(e.n, e.seconds);
        this.#switch(e.n);
        this.write(`#${e.n} DONE ${e.seconds.toFixed(1)}s\n`);
        return;
      case 'error':
        this.#flush(e.n, 0);
        this.#switch(e.n);
        this.write(`#${e.n} ERROR: ${e.message}\n`);
        return;
      case 'failed':
        if (e.vertex) {
          this.write(`------\n > ${e.vertex}:\n${e.logTail.map((l) => `${l}\n`).join('')}------\n`);
        }
        if (e.excerpt) this.write(`${e.excerpt.join('\n')}\n`);
        return;
      case 'warning':
        this.write(`${e.text}\n`);
        return;
    }
  }

  #flush(n: number, s: number): void {
    const rest = this.#logs.get(n);
    if (rest) this.write(`#${n} ${s.toFixed(3)} ${rest}\n`);
    this.#logs.delete(n);
  }
}

/**
 * BuildKit's source excerpt for an error at `line` (1-based): the Dockerfile name and line, then the lines
 * around it numbered, the failing one marked `>>>`.
 */
export function sourceExcerpt(file: string, text: string, startLine: number, endLine = startLine): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const from = Math.max(1, startLine - 4);
  const to = Math.min(lines.length, endLine + 2);
  const out = [`${file}:${startLine === endLine ? startLine : `${startLine}-${endLine}`}`, '--------------------'];
  for (let i = from; i <= to; i++) {
    const mark = i >= startLine && i <= endLine ? '>>>' : '   ';
    out.push(`${String(i).padStart(4)} | ${mark} ${lines[i - 1] ?? ''}`);
  }
  out.push('--------------------');
  return out;
}
