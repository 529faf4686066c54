import { describe, expect, it } from 'vitest';
import { applyProbeResult, healthConfigError, mergeHealthConfig, nextProbeDelay, probeCommand, probeOutput, startingHealth, stoppedHealth, type HealthResult, type HealthState } from './health.ts';
import { statusString, stateJSON, initialState } from './container-state.ts';

const S = 1e9;
const at = (start: number, exitCode: number, output = ''): HealthResult => ({ start, end: start + 10, exitCode, output });

describe('health config', () => {
  it('merges the container config over the image config (daemon/commit.go merge)', () => {
    const image = { Test: ['CMD-SHELL', 'curl -f localhost'], Interval: 30 * S, Retries: 5 };
    expect(mergeHealthConfig(undefined, image)).toEqual(image);
    expect(mergeHealthConfig({ Interval: 2 * S }, image)).toEqual({ Test: ['CMD-SHELL', 'curl -f localhost'], Interval: 2 * S, Retries: 5 });
    expect(mergeHealthConfig({ Test: ['NONE'] }, image)).toEqual({ Test: ['NONE'], Interval: 30 * S, Retries: 5 });
    expect(mergeHealthConfig(undefined, undefined)).toBeUndefined();
  });
  it('checks durations and retries with the daemon\'s words', () => {
    expect(healthConfigError({ Interval: 1000 })).toBe('Interval in Healthcheck cannot be less than 1ms');
    expect(healthConfigError({ Timeout: 5 })).toBe('Timeout in Healthcheck cannot be less than 1ms');
    expect(healthConfigError({ Retries: -1 })).toBe('Retries in Healthcheck cannot be negative');
    expect(healthConfigError({ StartPeriod: 1 })).toBe('StartPeriod in Healthcheck cannot be less than 1ms');
    expect(healthConfigError({ Interval: 0, Timeout: 1e6 })).toBeUndefined();
  });
  it('probe commands: CMD, CMD-SHELL, none for NONE and empty tests', () => {
    expect(probeCommand({ Test: ['CMD', 'cat', '/ok'] })).toEqual(['cat', '/ok']);
    expect(probeCommand({ Test: ['CMD-SHELL', 'test -f /ok'] })).toEqual(['/bin/sh', '-c', 'test -f /ok']);
    expect(probeCommand({ Test: ['NONE'] })).toBeUndefined();
    expect(probeCommand({})).toBeUndefined();
    expect(probeCommand({ Test: ['CMD'] })).toBeUndefined();
  });
  it('output is cut at 4096 bytes with ...', () => {
    expect(probeOutput(new Uint8Array(5000).fill(0x61))).toBe(`${'a'.repeat(4096)}...`);
    expect(probeOutput(new TextEncoder().encode('ok\n'))).toBe('ok\n');
  });
});

describe('health state machine (handleProbeResult)', () => {
  const h = { Test: ['CMD', 'x'], Retries: 2, StartPeriod: 10 * S };
  const started = 1_000_000;
  it('starting -> unhealthy after the retries, failures in the start period not counted', () => {
    let s: HealthState = startingHealth(undefined);
    s = applyProbeResult(h, s, at(started + 5000, 1), started);
    expect(s).toMatchObject({ status: 'starting', failingStreak: 0 });
    s = applyProbeResult(h, s, at(started + 11_000, 1), started);
    expect(s).toMatchObject({ status: 'starting', failingStreak: 1 });
    s = applyProbeResult(h, s, at(started + 12_000, 1), started);
    expect(s).toMatchObject({ status: 'unhealthy', failingStreak: 2 });
    s = applyProbeResult(h, s, at(started + 13_000, 0), started);
    expect(s).toMatchObject({ status: 'healthy', failingStreak: 0 });
    expect(s.log).toHaveLength(4);
  });
  it('a success in the start period is healthy at once; one failure later stays healthy until the retries', () => {
    let s = applyProbeResult(h, startingHealth(undefined), at(started + 1000, 0), started);
    expect(s.status).toBe('healthy');
    s = applyProbeResult(h, s, at(started + 2000, 1), started);
    expect(s).toMatchObject({ status: 'healthy', failingStreak: 1 });
  });
  it('keeps the last 5 results; a restart keeps the log and starts over', () => {
    let s = startingHealth(undefined);
    for (let i = 0; i < 7; i++) s = applyProbeResult({ Test: ['CMD', 'x'] }, s, at(started + i, i % 2, `run ${i}`), started);
    expect(s.log.map((r) => r.output)).toEqual(['run 2', 'run 3', 'run 4', 'run 5', 'run 6']);
    expect(startingHealth(s)).toEqual({ status: 'starting', failingStreak: 0, log: s.log });
    expect(stoppedHealth(s)?.status).toBe('unhealthy');
  });
  it('the start interval while starting within the start period, then the interval', () => {
    const cfg = { Test: ['CMD', 'x'], Interval: 30 * S, StartPeriod: 60 * S, StartInterval: 2 * S };
    expect(nextProbeDelay(cfg, startingHealth(undefined), started, started + 1000)).toBe(2000);
    expect(nextProbeDelay(cfg, { status: 'healthy', failingStreak: 0, log: [] }, started, started + 1000)).toBe(30_000);
    expect(nextProbeDelay(cfg, startingHealth(undefined), started, started + 61_000)).toBe(30_000);
    expect(nextProbeDelay({ Test: ['CMD', 'x'] }, startingHealth(undefined), started, started)).toBe(30_000);
  });
  it('docker ps STATUS and State.Health', () => {
    const state = { ...initialState(), status: 'running' as const, startedAt: started };
    expect(statusString({ ...state, health: startingHealth(undefined) }, started + 5000)).toBe('Up 5 seconds (health: starting)');
    expect(statusString({ ...state, health: { status: 'unhealthy', failingStreak: 3, log: [] } }, started + 5000)).toBe('Up 5 seconds (unhealthy)');
    expect(statusString({ ...state, health: { status: 'healthy', failingStreak: 0, log: [] } }, started + 5000)).toBe('Up 5 seconds (healthy)');
    expect(stateJSON({ ...state, health: { status: 'healthy', failingStreak: 0, log: [at(Date.UTC(2026, 0, 1), 0, 'ok')] } }).Health).toEqual({
      Status: 'healthy',
      FailingStreak: 0,
      Log: [{ Start: '2026-01-01T00:00:00Z', End: '2026-01-01T00:00:00.01Z', ExitCode: 0, Output: 'ok' }],
    });
    expect(stateJSON(state).Health).toBeUndefined();
  });
});
