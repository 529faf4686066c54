// Integration setup: the guest must be built; the snapshot is (re)built when missing or stale, so tests can restore it.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildSnapshot } from '../../emulator/guest/snapshot.ts';
import { MANIFEST_FILE, SNAPSHOT_INFO_FILE, incompatibility, parseSnapshotInfo, sha256Hex } from '../../emulator/vm/guest-assets.ts';
import { MACHINE_CONFIG_VERSION, V86_VERSION } from '../../emulator/vm/machine.ts';
import { DEFAULT_GUEST_DIR } from '../../emulator/vm/node-machine.ts';

async function snapshotProblem(dir: string): Promise<string | null> {
  const infoPath = join(dir, SNAPSHOT_INFO_FILE);
  if (!existsSync(infoPath)) return 'no snapshot';
  const info = parseSnapshotInfo(readFileSync(infoPath));
  const manifestSha256 = await sha256Hex(readFileSync(join(dir, MANIFEST_FILE)));
  const mismatch = incompatibility(info.compatibility, { manifestSha256, v86: V86_VERSION, machineConfig: MACHINE_CONFIG_VERSION });
  if (mismatch) return mismatch;
  const statePath = join(dir, info.file);
  if (!existsSync(statePath) || (await sha256Hex(readFileSync(statePath))) !== info.sha256) return 'state file missing or corrupt';
  return null;
}

export default async function setup(): Promise<void> {
  if (!existsSync(join(DEFAULT_GUEST_DIR, MANIFEST_FILE))) {
    throw new Error(`${DEFAULT_GUEST_DIR}/${MANIFEST_FILE} is missing: build the guest first (npm run guest:build)`);
  }
  const problem = await snapshotProblem(DEFAULT_GUEST_DIR);
  if (problem) {
    console.log(`[integration] building the guest snapshot (${problem})`);
    const r = await buildSnapshot({ log: (line) => console.log(`[snapshot] ${line}`) });
    console.log(`[integration] snapshot ready: ${r.zstdBytes} bytes zstd, cold boot ${r.coldBootMs} ms`);
  }
}
