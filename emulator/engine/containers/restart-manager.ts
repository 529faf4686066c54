// Restart policies as dockerd's restartmanager applies them: whether an exited container starts again
// (`no`, `always`, `unless-stopped`, `on-failure[:N]`), after a backoff of 100 ms doubling up to a minute
// (back to 100 ms once a run lasted 10 s), and cancelled for good by `docker stop`/`kill`.
import type { ContainerRecord } from './container-store.ts';

export const RESTART_BACKOFF_START_MS = 100;
export const RESTART_BACKOFF_MAX_MS = 60_000;
/** a run at least this long resets the backoff */
export const RESTART_RESET_AFTER_MS = 10_000;

export class RestartManager {
  /** the delay before the next restart; 0 until the first one */
  timeoutMs = 0;
  cancelled = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * moby's ShouldRestart: the delay before starting the container again, or undefined when its policy says
   * it stays exited. `record.restartCount` is the count so far (on-failure's maximum is checked against it).
   */
  shouldRestart(record: Pick<ContainerRecord, 'hostConfig' | 'restartCount' | 'state' | 'manuallyStopped'>, exitCode: number, now: number): number | undefined {
    if (this.cancelled) return undefined;
    if (now - record.state.startedAt >= RESTART_RESET_AFTER_MS) this.timeoutMs = 0;
    this.timeoutMs = this.timeoutMs === 0 ? RESTART_BACKOFF_START_MS : Math.min(this.timeoutMs * 2, RESTART_BACKOFF_MAX_MS);
    const policy = record.hostConfig.RestartPolicy?.Name || 'no';
    const max = record.hostConfig.RestartPolicy?.MaximumRetryCount ?? 0;
    let restart = false;
    if (policy === 'always') restart = true;
    else if (policy === 'unless-stopped') restart = !record.manuallyStopped;
    else if (policy === 'on-failure') restart = exitCode !== 0 && (max === 0 || record.restartCount < max);
    return restart ? this.timeoutMs : undefined;
  }

  schedule(delayMs: number, run: () => void): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.cancelled) run();
    }, delayMs);
  }

  /** No restart from now on (a pending one is dropped). */
  cancel(): void {
    this.cancelled = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
