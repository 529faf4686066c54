// At most a few connections to one port at a time, the rest waiting their turn, as a browser limits its connections
// to one host (six): a server's listen backlog is small (busybox httpd's is 9) and a SYN past it is dropped.

export const CONNECTIONS_PER_PORT = 6;

export class PortSlots {
  private readonly busy = new Map<number, number>();
  private readonly waiting = new Map<number, (() => void)[]>();

  constructor(private readonly perPort = CONNECTIONS_PER_PORT) {}

  /** Runs `start` when a slot of `port` is free; the slot is held until the promise it returns settles. */
  run(port: number, start: () => Promise<void>): void {
    const go = () => {
      this.busy.set(port, (this.busy.get(port) ?? 0) + 1);
      void start()
        .catch(() => undefined)
        .finally(() => this.release(port));
    };
    if ((this.busy.get(port) ?? 0) < this.perPort) go();
    else this.waiting.set(port, [...(this.waiting.get(port) ?? []), go]);
  }

  /** Forgets whatever waits (the machine went away); running ones end by themselves. */
  clear(): void {
    this.waiting.clear();
  }

  private release(port: number): void {
    const left = (this.busy.get(port) ?? 1) - 1;
    if (left === 0) this.busy.delete(port);
    else this.busy.set(port, left);
    const next = this.waiting.get(port)?.shift();
    if (this.waiting.get(port)?.length === 0) this.waiting.delete(port);
    next?.();
  }
}
