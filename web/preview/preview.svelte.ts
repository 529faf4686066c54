// The preview of a port of the machine: which ports containers publish (from the engine), which one the pane shows
// and at which path, and whether the port service worker is there to serve it.
import type { MachineState } from '../machine.svelte.ts';
import { startPortBridge, type PortWorkerState } from './port-bridge.ts';
import { portUrl, portUrlTarget } from './port-url.ts';
import { publishedPorts, type PublishedPort } from './published-ports.ts';

/** How often the list of published ports is read while the tab is visible (an in-memory query in the worker). */
const POLL_MS = 2000;

export class PreviewState {
  /** published by running containers */
  ports = $state.raw<PublishedPort[]>([]);
  /** the port the pane shows, null when the pane is closed */
  port = $state<number | null>(null);
  /** the path the pane loads (its src) */
  path = $state('/');
  /** the path the pane's page is at now (links followed, redirects): what the address shows and a reload loads */
  current = $state('/');
  /** bumped to load the pane's page again */
  loads = $state(0);
  worker = $state.raw<PortWorkerState>({ state: 'registering' });

  readonly #machine: MachineState;
  readonly #base: string;

  constructor(machine: MachineState, base: string = globalThis.document?.baseURI ?? '') {
    this.#machine = machine;
    this.#base = base;
  }

  /** `<base>/ports/<port>/<path>`: the preview's address, for the pane and for a new tab. */
  url(port: number, path = '/'): string {
    return portUrl(new URL('./', this.#base), port, path);
  }

  show(port: number, path = '/'): void {
    this.port = port;
    this.path = path;
    this.current = path;
    this.loads++;
  }

  reload(): void {
    this.path = this.current;
    this.loads++;
  }

  /** The pane's page loaded at `href` (its own address, under `<base>/ports/<port>/`). */
  navigated(href: string | undefined): void {
    if (!href || this.port === null) return;
    const target = portUrlTarget(new URL(href), new URL('./', this.#base));
    if (target?.port === this.port) this.current = target.target;
  }

  close(): void {
    this.port = null;
  }

  /** Registers the service worker, polls the published ports while the machine runs, and reloads the pane after the
   *  machine restarted (the servers it showed are gone). Returns the disposer. */
  start(): () => void {
    void startPortBridge(this.#machine, this.#base).then((state) => (this.worker = state));
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      if (stopped) return;
      if (this.#machine.status === 'ready' && globalThis.document?.visibilityState !== 'hidden') {
        try {
          const response = await this.#machine.engineRequest('GET', '/containers/json');
          if (response.status === 200) this.#setPorts(publishedPorts(response.body));
        } catch {
          // the machine went away meanwhile: the next round asks again
        }
      }
      if (!stopped) timer = setTimeout(poll, POLL_MS);
    };
    void poll();
    const stopEffects = $effect.root(() => {
      let lastResult = this.#machine.result;
      $effect(() => {
        const result = this.#machine.result;
        if (result && lastResult && result !== lastResult && this.port !== null) this.reload();
        if (result) lastResult = result;
      });
    });
    return () => {
      stopped = true;
      clearTimeout(timer);
      stopEffects();
    };
  }

  #setPorts(ports: PublishedPort[]): void {
    const same = ports.length === this.ports.length && ports.every((p, i) => JSON.stringify(p) === JSON.stringify(this.ports[i]));
    if (!same) this.ports = ports;
  }
}
