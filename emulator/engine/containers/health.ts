// Health checks as dockerd runs them (daemon/health.go): the container's HealthConfig merged with the image's, the
// daemon's checks of it, and the state machine a probe result drives (Status, FailingStreak, the last 5 results).
// The timers and the probe's exec are daemon/health-monitor.ts.
import type { HealthConfig } from '../oci/oci-types.ts';

export type { HealthConfig };

export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

/** One probe: Engine API HealthcheckResult (times as epoch ms here, RFC 3339 in the JSON). */
export interface HealthResult {
  start: number;
  end: number;
  /** 0 healthy, 1 unhealthy, -1 the probe could not run or timed out */
  exitCode: number;
  output: string;
}

/** What State.Health holds (moby's container.Health). */
export interface HealthState {
  status: HealthStatus;
  failingStreak: number;
  log: HealthResult[];
}

/** Engine API State.Health */
export interface HealthJSON {
  Status: HealthStatus;
  FailingStreak: number;
  Log: { Start: string; End: string; ExitCode: number; Output: string }[];
}

/** daemon/health.go's defaults, in milliseconds (retries: a count). */
export const HEALTH_DEFAULTS = { interval: 30_000, timeout: 30_000, startPeriod: 0, startInterval: 5_000, retries: 3 } as const;
/** results kept in State.Health.Log */
export const MAX_LOG_ENTRIES = 5;
/** bytes of a probe's output kept (moby's maxOutputLen) */
export const MAX_OUTPUT_LEN = 4096;
/** container.MinimumDuration: 1 ms, in nanoseconds */
const MINIMUM_NS = 1e6;

/**
 * daemon/commit.go merge: no container health config takes the image's; a container's empty Test, zero durations
 * and zero retries take the image's.
 */
export function mergeHealthConfig(user: HealthConfig | undefined, image: HealthConfig | undefined): HealthConfig | undefined {
  if (!user) return image ? structuredClone(image) : undefined;
  if (!image) return structuredClone(user);
  const out: HealthConfig = structuredClone(user);
  if (!out.Test?.length && image.Test?.length) out.Test = [...image.Test];
  for (const key of ['Interval', 'Timeout', 'StartPeriod', 'StartInterval', 'Retries'] as const) {
    if (!out[key] && image[key]) out[key] = image[key];
  }
  return out;
}

/** The daemon's verifyContainerSettings for Config.Healthcheck (durations in nanoseconds). */
export function healthConfigError(h: HealthConfig | undefined | null): string | undefined {
  if (!h) return undefined;
  const tooShort = (v: number | undefined) => v !== undefined && v !== 0 && v < MINIMUM_NS;
  if (tooShort(h.Interval)) return 'Interval in Healthcheck cannot be less than 1ms';
  if (tooShort(h.Timeout)) return 'Timeout in Healthcheck cannot be less than 1ms';
  if ((h.Retries ?? 0) < 0) return 'Retries in Healthcheck cannot be negative';
  if (tooShort(h.StartPeriod)) return 'StartPeriod in Healthcheck cannot be less than 1ms';
  if (tooShort(h.StartInterval)) return 'StartInterval in Healthcheck cannot be less than 1ms';
  return undefined;
}

/** The probe's argv (getProbe): CMD runs its arguments, CMD-SHELL the shell; none for NONE, an empty or unknown Test. */
export function probeCommand(h: HealthConfig | undefined, shell: readonly string[] = ['/bin/sh', '-c']): string[] | undefined {
  const test = h?.Test ?? [];
  if (test[0] === 'CMD' && test.length > 1) return test.slice(1);
  if (test[0] === 'CMD-SHELL' && test.length > 1) return [...shell, test.slice(1).join(' ')];
  return undefined;
}

/** The monitor's timings in milliseconds (timeoutWithDefault: zero means the default). */
export function healthTimings(h: HealthConfig): { interval: number; timeout: number; startPeriod: number; startInterval: number; retries: number } {
  const ms = (ns: number | undefined, fallback: number) => (ns && ns > 0 ? ns / 1e6 : fallback);
  return {
    interval: ms(h.Interval, HEALTH_DEFAULTS.interval),
    timeout: ms(h.Timeout, HEALTH_DEFAULTS.timeout),
    startPeriod: ms(h.StartPeriod, HEALTH_DEFAULTS.startPeriod),
    startInterval: ms(h.StartInterval, HEALTH_DEFAULTS.startInterval),
    retries: h.Retries && h.Retries > 0 ? h.Retries : HEALTH_DEFAULTS.retries,
  };
}

/** The wait before the next probe (monitor's getInterval): StartInterval while starting within the start period. */
export function nextProbeDelay(h: HealthConfig, state: HealthState, startedAt: number, now: number): number {
  const t = healthTimings(h);
  if (now - startedAt >= t.startPeriod) return t.interval;
  return state.status === 'starting' ? t.startInterval : t.interval;
}

/** initHealthMonitor: a (re)started container is `starting` again with no failing streak; its log is kept. */
export function startingHealth(previous: HealthState | undefined): HealthState {
  return { status: 'starting', failingStreak: 0, log: previous ? [...previous.log] : [] };
}

/**
 * handleProbeResult: the result joins the log (the last 5 kept); exit 0 is healthy and clears the streak; anything
 * else adds to the streak, except while still starting within the start period, and `retries` failures in a row
 * are unhealthy.
 */
export function applyProbeResult(h: HealthConfig, state: HealthState, result: HealthResult, startedAt: number): HealthState {
  const log = [...state.log, result].slice(-MAX_LOG_ENTRIES);
  if (result.exitCode === 0) return { status: 'healthy', failingStreak: 0, log };
  const t = healthTimings(h);
  const withinStart = state.status === 'starting' && result.start - startedAt < t.startPeriod;
  if (withinStart) return { ...state, log };
  const failingStreak = state.failingStreak + 1;
  return { status: failingStreak >= t.retries ? 'unhealthy' : state.status, failingStreak, log };
}

/** CloseMonitorChannel: once its monitor stops (the container stopped), a container reads unhealthy. */
export function stoppedHealth(state: HealthState | undefined): HealthState | undefined {
  return state ? { ...state, status: 'unhealthy' } : undefined;
}

/** moby's limitedBuffer: at most MAX_OUTPUT_LEN bytes of output, `...` when cut. */
export function probeOutput(bytes: Uint8Array): string {
  const cut = bytes.length > MAX_OUTPUT_LEN;
  return new TextDecoder().decode(cut ? bytes.subarray(0, MAX_OUTPUT_LEN) : bytes) + (cut ? '...' : '');
}

/** Health.String(): what `docker ps` puts in parentheses after `Up ...`. */
export function healthString(state: HealthState): string {
  return state.status === 'starting' ? 'health: starting' : state.status;
}
