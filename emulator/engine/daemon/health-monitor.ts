// dockerd's health monitor (daemon/health.go monitor): one loop per running container with a health check, one
// probe at a time (the next is scheduled only once the last has ended, a timed-out one killed first), results into
// State.Health through the store. Stops with the container: every way a container stops is a store event.
import type { ContainerRecord, ContainerStore } from '../containers/container-store.ts';
import { goDuration } from '../builder/image-config.ts';
import { applyProbeResult, healthTimings, nextProbeDelay, probeCommand, probeOutput, startingHealth, type HealthResult } from '../containers/health.ts';

/** How one probe ended: its exit status and output, or killed at its timeout. */
export type ProbeOutcome = { exitCode: number; output: Uint8Array } | { timedOut: true };

export interface HealthMonitorDeps {
  containers: ContainerStore;
  /** runs argv in the running container as its process (user, env, working directory); kills it after timeoutMs */
  probe(id: string, argv: string[], timeoutMs: number): Promise<ProbeOutcome>;
  now?: () => number;
}

interface Monitor {
  timer?: ReturnType<typeof setTimeout>;
  stopped: boolean;
  /** the probe in flight: a new run's monitor starts only after it has ended (probes must not pile up) */
  probing?: Promise<void>;
}

const STOP_EVENTS = new Set(['die', 'restart', 'destroy', 'dead', 'start-failed']);

export class HealthMonitor {
  readonly #monitors = new Map<string, Monitor>();
  readonly #now: () => number;
  readonly #dispose: () => void;

  constructor(private readonly deps: HealthMonitorDeps) {
    this.#now = deps.now ?? Date.now;
    this.#dispose = deps.containers.subscribe((record, event) => {
      if (event === 'start') this.#start(record);
      else if (STOP_EVENTS.has(event)) this.#stop(record.id);
    });
  }

  /** Containers with a probe loop now (tests: none is left after a stop). */
  get active(): number {
    return [...this.#monitors.values()].filter((m) => !m.stopped).length;
  }

  dispose(): void {
    this.#dispose();
    for (const id of [...this.#monitors.keys()]) this.#stop(id);
  }

  /** initHealthMonitor: `starting`, no failing streak, and the first probe after the (start) interval. */
  #start(record: ContainerRecord): void {
    const h = record.config.Healthcheck;
    const previous = this.#monitors.get(record.id);
    this.#stop(record.id);
    if (!h || !probeCommand(h)) return;
    this.deps.containers.setHealth(record.id, startingHealth(record.state.health));
    const monitor: Monitor = { stopped: false };
    this.#monitors.set(record.id, monitor);
    const begin = () => {
      if (!monitor.stopped) this.#schedule(record.id, monitor);
    };
    // a probe of the last run still being killed: wait for it
    if (previous?.probing) void previous.probing.then(begin);
    else begin();
  }

  /** A running container taken over after a checkpoint restore: its probes go on from the health it had (no reset to `starting`). */
  adopt(record: ContainerRecord): void {
    const h = record.config.Healthcheck;
    this.#stop(record.id);
    if (!h || !probeCommand(h) || !record.state.health) return;
    const monitor: Monitor = { stopped: false };
    this.#monitors.set(record.id, monitor);
    this.#schedule(record.id, monitor);
  }

  #stop(id: string): void {
    const m = this.#monitors.get(id);
    if (!m) return;
    m.stopped = true;
    if (m.timer !== undefined) clearTimeout(m.timer);
    if (!m.probing) this.#monitors.delete(id);
    // CloseMonitorChannel: a stopped container's health reads unhealthy (the store's stop transitions do that)
  }

  #schedule(id: string, m: Monitor): void {
    const record = this.deps.containers.find(id);
    const h = record?.config.Healthcheck;
    if (!record || !h || !record.state.health) return;
    m.timer = setTimeout(() => {
      m.timer = undefined;
      m.probing = this.#probe(id, m).finally(() => {
        m.probing = undefined;
        if (m.stopped) {
          if (this.#monitors.get(id) === m) this.#monitors.delete(id);
          return;
        }
        this.#schedule(id, m);
      });
    }, nextProbeDelay(h, record.state.health, record.state.startedAt, this.#now()));
    (m.timer as { unref?: () => void }).unref?.();
  }

  async #probe(id: string, m: Monitor): Promise<void> {
    const record = this.deps.containers.find(id);
    const h = record?.config.Healthcheck;
    const argv = probeCommand(h);
    if (!record || !h || !argv) return;
    const timeout = healthTimings(h).timeout;
    const start = this.#now();
    let result: HealthResult;
    if (record.state.status === 'paused') {
      result = { start, end: start, exitCode: -1, output: `Container ${id} is paused, unpause the container before exec` };
    } else {
      const outcome = await this.deps.probe(id, argv, timeout).catch((e: unknown) => ({ exitCode: -1, output: new TextEncoder().encode((e as Error).message) }));
      const end = this.#now();
      result = 'timedOut' in outcome
        ? { start, end, exitCode: -1, output: `Health check exceeded timeout (${goDuration(timeout * 1e6)})` }
        : { start, end, exitCode: outcome.exitCode, output: probeOutput(outcome.output) };
    }
    // probe may have been cancelled while it ran: its result is dropped, as dockerd's handleProbeResult does
    const now = this.deps.containers.find(id);
    if (m.stopped || !now?.state.health || now.state.status === 'exited') return;
    await this.deps.containers.setHealth(id, applyProbeResult(h, now.state.health, result, now.state.startedAt));
  }
}
