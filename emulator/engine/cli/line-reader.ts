// Lines from a byte stream, keeping what was read past the newline for the next call (login prompts).
import type { LineReader } from './command.ts';

export class StreamLineReader implements LineReader {
  readonly #stream: ReadableStream<Uint8Array>;
  #reader?: ReadableStreamDefaultReader<Uint8Array>;
  #buffer = '';
  #ended = false;
  readonly #decoder = new TextDecoder();

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#stream = stream;
  }

  async #more(): Promise<boolean> {
    if (this.#ended) return false;
    this.#reader ??= this.#stream.getReader();
    const { done, value } = await this.#reader.read();
    if (done) {
      this.#ended = true;
      this.#buffer += this.#decoder.decode();
      return false;
    }
    this.#buffer += this.#decoder.decode(value, { stream: true });
    return true;
  }

  async readLine(): Promise<string | undefined> {
    for (;;) {
      const nl = this.#buffer.indexOf('\n');
      if (nl >= 0) {
        const line = this.#buffer.slice(0, nl).replace(/\r$/, '');
        this.#buffer = this.#buffer.slice(nl + 1);
        return line;
      }
      if (!(await this.#more())) {
        if (!this.#buffer) return undefined;
        const line = this.#buffer;
        this.#buffer = '';
        return line;
      }
    }
  }

  async readAll(): Promise<string> {
    while (await this.#more()) {
      // keep reading to EOF
    }
    const all = this.#buffer;
    this.#buffer = '';
    return all;
  }
}
