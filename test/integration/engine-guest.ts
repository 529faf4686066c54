// One real guest with the container engine for a test file (engine-host.ts composed as the browser worker composes
// it): started before the file's tests with its images pulled, stopped after them.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { PUBLIC_DIR, startEngineInGuest, type EngineInGuest } from '../../emulator/node-backends/engine-in-guest.ts';

/** whether public/registry has these images (npm run images:build); docker suites skip themselves without them */
export function imagesBuilt(...names: string[]): boolean {
  return names.every((name) => existsSync(resolve(PUBLIC_DIR, `registry/v2/${name}`)));
}

export interface ShResult {
  status: number;
  out: string;
  err: string;
}

export interface EngineGuest {
  /** the guest of the running file; throws before beforeAll has started it */
  readonly machine: EngineInGuest;
  /** `docker <args>` run by a shell in the guest */
  docker: EngineInGuest['docker'];
  /** a shell snippet in the guest, outside any container */
  sh(script: string, timeoutMs?: number): Promise<ShResult>;
}

export function useEngineGuest(options: { pull?: string[]; setupTimeoutMs?: number } = {}): EngineGuest {
  let machine: EngineInGuest | undefined;
  const decoder = new TextDecoder();
  beforeAll(async () => {
    machine = await startEngineInGuest({ onLog: (line) => console.warn(`[emulator] ${line}`) });
    for (const image of options.pull ?? []) {
      const pull = await machine.docker(`pull -q ${image}`, 600_000);
      expect(pull.status, pull.err).toBe(0);
    }
  }, options.setupTimeoutMs ?? 180_000);
  afterAll(async () => {
    await machine?.stop();
  });
  const running = (): EngineInGuest => {
    if (!machine) throw new Error('the guest is not running (did beforeAll fail?)');
    return machine;
  };
  return {
    get machine() {
      return running();
    },
    docker: (args, timeoutMs) => running().docker(args, timeoutMs),
    async sh(script, timeoutMs = 120_000) {
      const r = await running().emulator.exec(['sh', '-c', script], { timeoutMs });
      return { status: r.exitCode, out: decoder.decode(r.stdout), err: decoder.decode(r.stderr) };
    },
  };
}
