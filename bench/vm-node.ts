// VM benchmarks in Node (called by the bench runner): cold boot, snapshot restore, exec round trip, snapshot size, guest speed.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SNAPSHOT_INFO_FILE, parseSnapshotInfo } from '../emulator/vm/guest-assets.ts';
import { SHELL_PROMPT } from '../emulator/vm/machine.ts';
import { DEFAULT_GUEST_DIR, startNodeMachine } from '../emulator/vm/node-machine.ts';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** The same shell loop in the guest and natively: busybox ash arithmetic, no forks. */
export const LOOP_ITERATIONS = 20_000;
const LOOP = `i=0; s=0; while [ $i -lt ${LOOP_ITERATIONS} ]; do i=$((i+1)); s=$((s+i*3%7)); done`;
/** prints the loop's duration in ms, measured in the guest (no channel latency); /proc/uptime ticks in 10 ms */
const TIMED_LOOP = `read a _ < /proc/uptime; ${LOOP}; read b _ < /proc/uptime; echo $(( (\${b%.*}\${b#*.} - \${a%.*}\${a#*.}) * 10 ))`;

/** A busybox to run the loop natively: the guest's own i386 busybox when the build cache has it, else the host's. */
function nativeShell(): string[] {
  const guestBusybox = resolve(DEFAULT_GUEST_DIR, '../../emulator/guest/.build/busybox-x/bin/busybox');
  if (existsSync(guestBusybox)) return [guestBusybox, 'sh'];
  try {
    execFileSync('busybox', ['true']);
    return ['busybox', 'sh'];
  } catch {
    return ['sh'];
  }
}

export async function benchVmNode(options: { coldRuns?: number; restoreRuns?: number; execRuns?: number } = {}): Promise<Record<string, number>> {
  const { coldRuns = 3, restoreRuns = 5, execRuns = 30 } = options;

  const cold: number[] = [];
  for (let i = 0; i < coldRuns; i++) {
    const t0 = performance.now();
    const machine = await startNodeMachine({ coldBoot: true, health: false });
    await machine.waitForConsole(SHELL_PROMPT, { since: 0, timeoutMs: 60_000 });
    cold.push(performance.now() - t0);
    await machine.destroy();
  }

  const restore: number[] = [];
  for (let i = 0; i < restoreRuns; i++) {
    const machine = await startNodeMachine({ health: false });
    if (!machine.lastStart!.fromSnapshot) throw new Error(`no snapshot to restore: ${machine.lastStart!.snapshotProblem}`);
    restore.push(machine.lastStart!.readyMs);
    await machine.destroy();
  }

  const machine = await startNodeMachine({ health: false });
  try {
    const roundTrips: number[] = [];
    for (let i = 0; i < execRuns + 5; i++) {
      const t0 = performance.now();
      await machine.agent.exec(['true']);
      if (i >= 5) roundTrips.push(performance.now() - t0);
    }

    // Guest: time inside the guest, so the channel's latency does not count. One warm-up run for the JIT.
    const guestRuns: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await machine.agent.exec(['sh', '-c', TIMED_LOOP], { timeoutMs: 120_000 });
      const ms = Number(new TextDecoder().decode(r.stdout).trim());
      if (r.exitCode !== 0 || !Number.isFinite(ms) || ms <= 0) throw new Error(`guest loop timing failed: ${new TextDecoder().decode(r.stderr)}`);
      if (i > 0) guestRuns.push(ms);
    }
    // Natively the loop takes tens of ms: time the process from outside and subtract an empty run's start-up.
    const shell = nativeShell();
    const timeNative = (script: string) => {
      const t0 = performance.now();
      execFileSync(shell[0]!, [...shell.slice(1), '-c', script]);
      return performance.now() - t0;
    };
    const nativeRuns: number[] = [];
    for (let i = 0; i < 6; i++) {
      const empty = timeNative(':');
      const loop = timeNative(LOOP);
      if (i > 0) nativeRuns.push(Math.max(0.1, loop - empty));
    }

    const info = parseSnapshotInfo(readFileSync(join(DEFAULT_GUEST_DIR, SNAPSHOT_INFO_FILE)));
    return {
      boot_cold_ms_node: round(median(cold), 0),
      restore_ms_node: round(median(restore), 0),
      exec_roundtrip_ms_node: round(median(roundTrips), 2),
      snapshot_bytes: info.size,
      snapshot_raw_bytes: info.rawSize,
      guest_loop_ms: round(median(guestRuns), 0),
      native_loop_ms: round(median(nativeRuns), 1),
      guest_loop_vs_native_ratio: round(median(guestRuns) / median(nativeRuns), 1),
    };
  } finally {
    await machine.destroy();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  benchVmNode().then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
