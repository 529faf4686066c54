// A build's progress as BuildKit reports it while solving: vertexes numbered in the order they start (`#4`), each
// with statuses, RUN output (the last 10 lines kept for the failure summary), CACHED, DONE or ERROR.
import { seconds, type BuildEvent } from './progress.ts';

export class Progress {
  #n = 0;
  constructor(readonly emit: (e: BuildEvent) => void) {}
  vertex(name: string): Vertex {
    const n = ++this.#n;
    this.emit({ type: 'vertex', n, name });
    return new Vertex(this.emit, n, name);
  }
}

export class Vertex {
  readonly start = performance.now();
  readonly tail: string[] = [];
  #partial = '';
  constructor(
    private readonly emit: (e: BuildEvent) => void,
    readonly n: number,
    readonly name: string,
  ) {}
  get elapsed(): number {
    return (performance.now() - this.start) / 1000;
  }
  status(text: string, done = true, secs?: number): void {
    this.emit({ type: 'status', n: this.n, text, done, ...(secs !== undefined ? { seconds: secs } : {}) });
  }
  log(bytes: Uint8Array): void {
    const text = new TextDecoder().decode(bytes);
    const s = this.elapsed;
    this.emit({ type: 'log', n: this.n, text, seconds: s });
    const lines = (this.#partial + text).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const l of lines) this.tail.push(`${s.toFixed(3)} ${l}`);
    if (this.tail.length > 10) this.tail.splice(0, this.tail.length - 10);
  }
  cached(): void {
    this.emit({ type: 'cached', n: this.n });
  }
  done(): void {
    this.emit({ type: 'done', n: this.n, seconds: seconds(performance.now() - this.start) });
  }
  error(message: string): void {
    if (this.#partial) this.tail.push(`${this.elapsed.toFixed(3)} ${this.#partial}`);
    this.emit({ type: 'error', n: this.n, message });
  }
}
