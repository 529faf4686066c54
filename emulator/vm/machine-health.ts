// A machine's health as the page sees it (stopped, starting, ready, hung): the state, told to the listener at each
// change, and while the guest is up the agent ping that tells a running guest from a hung one.
import type { EngineError } from '../engine/errors.ts';
import type { MachineHealth } from '../protocol.ts';
import type { AgentClient } from './channel/agent-client.ts';

export interface HealthOptions {
  /** ping period and how long without an answer means `hung`; false: no pings (snapshot builder) */
  pings?: { intervalMs: number; hungAfterMs: number } | false;
  onHealth?: (health: MachineHealth) => void;
}

export class MachineHealthWatch {
  #state: MachineHealth = 'stopped';
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly options: HealthOptions) {}

  get state(): MachineHealth {
    return this.#state;
  }

  /** A start or restore is under way: no pings meanwhile (the agent of the guest being replaced would not answer). */
  starting(): void {
    this.#stopPings();
    this.#set('starting');
  }

  /** The guest answers: pinged from now on through `current()`'s agent, an answer from a guest since replaced ignored. */
  ready(current: () => { agent: AgentClient } | null): void {
    this.#set('ready');
    this.#stopPings();
    const pings = this.options.pings ?? { intervalMs: 1000, hungAfterMs: 3000 };
    if (pings === false) return;
    let inFlight = false;
    this.#timer = setInterval(() => {
      const booted = current();
      if (inFlight || !booted) return;
      inFlight = true;
      booted.agent
        .ping({ timeoutMs: pings.hungAfterMs })
        .then(
          () => current() === booted && this.#set('ready'),
          (error: EngineError) => {
            if (current() !== booted) return;
            if (error.code === 'TIMEOUT') this.#set('hung');
          },
        )
        .finally(() => (inFlight = false));
    }, pings.intervalMs);
  }

  stopped(): void {
    this.#stopPings();
    this.#set('stopped');
  }

  #stopPings(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  #set(health: MachineHealth): void {
    if (health === this.#state) return;
    this.#state = health;
    this.options.onHealth?.(health);
  }
}
