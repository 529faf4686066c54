// Work that must not overlap per key (a container's network, a stored file): each key's work runs in call order,
// one at a time; a failure is its caller's and does not stop the next.
export class KeyedTurns {
  readonly #last = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const next = (this.#last.get(key) ?? Promise.resolve()).catch(() => undefined).then(work);
    const settled = next.catch(() => undefined);
    this.#last.set(key, settled);
    void settled.then(() => {
      if (this.#last.get(key) === settled) this.#last.delete(key);
    });
    return next;
  }
}
