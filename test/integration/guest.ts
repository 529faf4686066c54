// Shared helpers for integration tests: start the real guest in Node and run shell snippets in it.
import { expect } from 'vitest';
import type { Machine } from '../../emulator/vm/machine.ts';
import { startNodeMachine, type NodeMachineOptions } from '../../emulator/vm/node-machine.ts';

export const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** The guest restored from the snapshot (global-setup makes sure there is one). */
export async function restoreGuest(options: NodeMachineOptions = {}): Promise<Machine> {
  const machine = await startNodeMachine({ onLog: (line) => console.warn(`[machine] ${line}`), ...options });
  return machine;
}

/** Run a shell snippet through the agent; expects exit 0 unless told otherwise, returns stdout. */
export async function sh(machine: Machine, script: string, options: { exitCode?: number; timeoutMs?: number } = {}): Promise<string> {
  const r = await machine.agent.exec(['sh', '-c', script], { timeoutMs: options.timeoutMs ?? 30_000 });
  const result = { exitCode: r.exitCode, stdout: text(r.stdout), stderr: text(r.stderr) };
  expect(result.exitCode, `${script}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`).toBe(options.exitCode ?? 0);
  return result.stdout;
}
