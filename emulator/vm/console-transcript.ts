// The learner's console as text, for tests and the snapshot builder: the last part of its output (Latin-1, so every
// byte is one character), positions that survive trimming, and waits for a pattern to appear.
import { EngineError } from '../engine/errors.ts';

/** keep this much of the console's output for waitFor() */
export const TRANSCRIPT_LIMIT = 256 * 1024;

export class ConsoleTranscript {
  #text = '';
  /** total console characters ever received, so marks survive transcript trimming */
  #base = 0;
  readonly #waiters = new Set<() => void>();
  readonly #latin1 = new TextDecoder('latin1');

  constructor(private readonly limit = TRANSCRIPT_LIMIT) {}

  /** Output from the console: kept (the oldest half dropped past the limit), and waiters checked. */
  push(chunk: Uint8Array): void {
    this.#text += this.#latin1.decode(chunk);
    if (this.#text.length > this.limit) {
      const drop = this.#text.length - this.limit / 2;
      this.#text = this.#text.slice(drop);
      this.#base += drop;
    }
    for (const check of [...this.#waiters]) check();
  }

  /** Position in the console output, for waitFor(pattern, { since }). */
  mark(): number {
    return this.#base + this.#text.length;
  }

  /** Console output since a mark (or the retained tail). */
  text(since = 0): string {
    return this.#text.slice(Math.max(0, since - this.#base));
  }

  /** Resolve with the console text since `since` once it matches `pattern`. */
  waitFor(pattern: RegExp, options: { since?: number; timeoutMs?: number } = {}): Promise<string> {
    const since = options.since ?? this.mark();
    const timeoutMs = options.timeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      const check = () => {
        const text = this.text(since);
        if (!pattern.test(text)) return;
        cleanup();
        resolve(text);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new EngineError('TIMEOUT', `console did not show ${pattern} within ${timeoutMs} ms; it showed: ${JSON.stringify(this.text(since).slice(-300))}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }
}
