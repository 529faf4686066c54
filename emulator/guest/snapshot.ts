// Snapshot builder (npm run guest:snapshot): cold-boots the guest in Node, waits for an idle shell prompt, saves
// v86's state zstd-compressed into public/guest/ with snapshot.json, then restores it once to prove it works.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { SNAPSHOT_INFO_FILE, sha256Hex, type SnapshotInfo } from '../vm/guest-assets.ts';
import { SHELL_PROMPT } from '../vm/machine.ts';
import { DEFAULT_GUEST_DIR, startNodeMachine } from '../vm/node-machine.ts';

export const SNAPSHOT_STATE_FILE = 'state.bin.zst';

export interface SnapshotReport {
  guestDir: string;
  coldBootMs: number;
  rawBytes: number;
  zstdBytes: number;
  gzipBytes: number;
  /** restore of the new snapshot to the agent's first answer */
  verifyRestoreMs: number;
}

/**
 * Free memory holds stale data that compresses badly (v86 skips only all-zero pages). Writing zeros into a tmpfs
 * file and deleting it leaves most free pages zeroed; dropping the page cache first frees more of them.
 */
const ZERO_FREE_MEMORY = `
sync
echo 3 > /proc/sys/vm/drop_caches
free_kb=$(awk '/^MemFree:/ {print $2}' /proc/meminfo)
fill_mb=$(( free_kb / 1024 - 24 ))
if [ "$fill_mb" -gt 0 ]; then
  dd if=/dev/zero of=/dev/shm/.drydock-zero bs=1M count="$fill_mb" 2>/dev/null
  rm -f /dev/shm/.drydock-zero
fi
echo 3 > /proc/sys/vm/drop_caches
`;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function buildSnapshot(options: { guestDir?: string; log?: (line: string) => void; zeroFreeMemory?: boolean } = {}): Promise<SnapshotReport> {
  const guestDir = options.guestDir ?? DEFAULT_GUEST_DIR;
  const log = options.log ?? (() => undefined);
  const t0 = performance.now();
  const machine = await startNodeMachine({ guestDir, coldBoot: true, health: false, onLog: log });
  const compatibility = machine.snapshotCompatibility;
  let raw: Uint8Array;
  let coldBootMs: number;
  try {
    await machine.waitForConsole(SHELL_PROMPT, { since: 0, timeoutMs: 60_000 });
    coldBootMs = Math.round(performance.now() - t0);
    log(`cold boot to the shell prompt: ${coldBootMs} ms`);
    if (options.zeroFreeMemory !== false) {
      const zero = await machine.agent.exec(['sh', '-c', ZERO_FREE_MEMORY], { timeoutMs: 60_000 });
      if (zero.exitCode !== 0) log(`zeroing free memory failed (${zero.exitCode}): ${new TextDecoder().decode(zero.stderr)}`);
    }
    // Let the boot's last writes and timers finish: the console must be quiet and the prompt the last thing on it.
    let mark = machine.consoleMark();
    for (let quiet = 0; quiet < 5; ) {
      await sleep(200);
      const now = machine.consoleMark();
      quiet = now === mark ? quiet + 1 : 0;
      mark = now;
    }
    if (!SHELL_PROMPT.test(machine.consoleText())) throw new Error(`the console does not end at a prompt: ${JSON.stringify(machine.consoleText().slice(-200))}`);
    if (machine.agent.pendingStreams !== 0) throw new Error('the control channel is busy; refusing to snapshot mid-request');
    raw = new Uint8Array(await machine.saveState());
  } finally {
    await machine.destroy();
  }

  // zstd for the app (v86 decompresses it itself); gzip only measured, for comparison.
  const work = mkdtempSync(join(tmpdir(), 'drydock-snapshot-'));
  let zstd: Uint8Array;
  try {
    const rawPath = join(work, 'state.bin');
    writeFileSync(rawPath, raw);
    execFileSync('zstd', ['-q', '-19', '-T0', '-f', rawPath, '-o', `${rawPath}.zst`]);
    zstd = new Uint8Array(execFileSync('cat', [`${rawPath}.zst`], { maxBuffer: 1 << 30 }));
  } catch (error) {
    throw new Error(`zstd failed (Debian: apt-get install zstd): ${(error as Error).message}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const gzipBytes = gzipSync(raw, { level: 9 }).length;

  const info: SnapshotInfo = {
    file: SNAPSHOT_STATE_FILE,
    sha256: await sha256Hex(zstd),
    size: zstd.length,
    rawSize: raw.length,
    compatibility,
    createdAt: new Date().toISOString(),
  };
  // State first, description last: a reader never sees a snapshot.json that points at a half-written state.
  const statePath = join(guestDir, SNAPSHOT_STATE_FILE);
  writeFileSync(`${statePath}.tmp`, zstd);
  renameSync(`${statePath}.tmp`, statePath);
  writeFileSync(join(guestDir, `${SNAPSHOT_INFO_FILE}.tmp`), JSON.stringify(info, null, 2) + '\n');
  renameSync(join(guestDir, `${SNAPSHOT_INFO_FILE}.tmp`), join(guestDir, SNAPSHOT_INFO_FILE));

  // Prove it: restore, run a command, and see a fresh prompt for a newline typed on the console.
  const restored = await startNodeMachine({ guestDir, health: false, onLog: log });
  let verifyRestoreMs: number;
  try {
    const start = restored.lastStart!;
    if (!start.fromSnapshot) throw new Error(`the new snapshot was not used: ${start.snapshotProblem}`);
    verifyRestoreMs = start.readyMs;
    const r = await restored.agent.exec(['true'], { timeoutMs: 10_000 });
    if (r.exitCode !== 0) throw new Error('`true` failed in the restored guest');
    const mark = restored.consoleMark();
    restored.sendConsoleInput('\r');
    await restored.waitForConsole(SHELL_PROMPT, { since: mark, timeoutMs: 10_000 });
  } finally {
    await restored.destroy();
  }
  return { guestDir, coldBootMs, rawBytes: raw.length, zstdBytes: zstd.length, gzipBytes, verifyRestoreMs };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const mib = (n: number) => `${(n / 1048576).toFixed(2)} MiB`;
  buildSnapshot({ log: (line) => console.error(`[snapshot] ${line}`) }).then(
    (r) => {
      console.log(
        `snapshot: ${join(r.guestDir, SNAPSHOT_STATE_FILE)}\n` +
          `  raw ${mib(r.rawBytes)}, zstd -19 ${mib(r.zstdBytes)} (written), gzip -9 ${mib(r.gzipBytes)} (not written)\n` +
          `  cold boot to prompt ${r.coldBootMs} ms; restore of the new snapshot ${r.verifyRestoreMs} ms`,
      );
    },
    (error: unknown) => {
      console.error(`[snapshot] failed: ${(error as Error).stack ?? String(error)}`);
      process.exitCode = 1;
    },
  );
}
