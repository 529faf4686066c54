// Snapshot restore, the learner's console, restart, hang detection, and falling back to a cold boot.
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesStream } from '../../emulator/engine/store/blob-backend.ts';
import { MemoryBlobBackend } from '../../emulator/engine/store/store-backend-memory.ts';
import { SNAPSHOT_INFO_FILE, parseSnapshotInfo } from '../../emulator/vm/guest-assets.ts';
import { SHELL_PROMPT, type Machine } from '../../emulator/vm/machine.ts';
import { DEFAULT_GUEST_DIR } from '../../emulator/vm/node-machine.ts';
import { restoreGuest, sh, text } from './guest.ts';

describe('restored machine', () => {
  let machine: Machine;
  const health: string[] = [];
  beforeAll(async () => {
    machine = await restoreGuest({ onHealth: (h) => health.push(h), health: { intervalMs: 250, hungAfterMs: 1500 } });
  });
  afterAll(async () => {
    await machine?.destroy();
  });

  it('comes from the snapshot and runs commands at once', async () => {
    expect(machine.lastStart).toMatchObject({ fromSnapshot: true });
    expect(machine.lastStart!.snapshotProblem).toBeUndefined();
    const r = await machine.agent.exec(['cat', '/proc/uptime']);
    expect(r.exitCode).toBe(0);
  });

  it('gives the learner a working shell on the console', async () => {
    const mark = machine.consoleMark();
    machine.sendConsoleInput('\r');
    await machine.waitForConsole(SHELL_PROMPT, { since: mark, timeoutMs: 10_000 });
    const before = machine.consoleMark();
    machine.sendConsoleInput('echo drydock-$((6*7))\r');
    const shown = await machine.waitForConsole(/drydock-42\r?\n[^]*[#$] /, { since: before, timeoutMs: 10_000 });
    expect(shown).toContain('drydock-42');
  });

  it('keeps machine traffic off the console', async () => {
    const mark = machine.consoleMark();
    await machine.agent.exec(['echo', 'not-on-the-console']);
    await machine.agent.writeFile('/tmp/quiet', 'x');
    expect(machine.consoleText(mark)).not.toContain('not-on-the-console');
  });

  it('notices a hung agent and its recovery', async () => {
    machine.sendConsoleInput('kill -STOP $(pidof drydock-agent)\r');
    await expect.poll(() => machine.health, { timeout: 10_000, interval: 100 }).toBe('hung');
    machine.sendConsoleInput('kill -CONT $(pidof drydock-agent)\r');
    await expect.poll(() => machine.health, { timeout: 10_000, interval: 100 }).toBe('ready');
    expect(health).toContain('hung');
    expect((await machine.agent.exec(['true'])).exitCode).toBe(0);
  });

  it('keeps the agent\'s line (the virtio console) through an in-place restore: a megabyte each way after it', async () => {
    const data = new Uint8Array(1 << 20).map((_, i) => (i * 2654435761) >>> 24);
    await machine.agent.writeFile('/tmp/saved', data);
    const state = await machine.saveState();
    await sh(machine, 'rm /tmp/saved; echo later > /tmp/later');
    expect((await machine.restoreState(state)).fromSnapshot).toBe(true);
    expect(await sh(machine, 'cat /tmp/later 2>&1 || echo gone')).toMatch(/gone/);
    expect(Buffer.from(await machine.agent.readFile('/tmp/saved')).equals(data)).toBe(true);
    await machine.agent.writeFile('/tmp/again', data);
    expect(await sh(machine, 'cmp /tmp/saved /tmp/again && echo same')).toBe('same\n');
  });

  it('restart() throws the guest away and restores the snapshot', async () => {
    await sh(machine, 'echo scratch > /root/scratch');
    const result = await machine.restart();
    expect(result.fromSnapshot).toBe(true);
    expect(await sh(machine, 'cat /root/scratch 2>&1 || echo gone')).toMatch(/gone/);
    expect(health.at(-1)).toBe('ready');
  });
});

/** A copy of public/guest/ (symlinks) where `change` may replace files. */
function guestCopy(change: (dir: string) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'drydock-guest-'));
  for (const name of readdirSync(DEFAULT_GUEST_DIR)) symlinkSync(join(DEFAULT_GUEST_DIR, name), join(dir, name));
  change(dir);
  return dir;
}

describe('snapshot fallback', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('cold-boots with a reason when the snapshot is corrupt', async () => {
    const dir = guestCopy((d) => {
      const info = parseSnapshotInfo(readFileSync(join(d, SNAPSHOT_INFO_FILE)));
      const state = join(d, info.file);
      rmSync(state);
      copyFileSync(join(DEFAULT_GUEST_DIR, info.file), state);
      const bytes = readFileSync(state);
      bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
      writeFileSync(state, bytes);
    });
    dirs.push(dir);
    const machine = await restoreGuest({ guestDir: dir });
    try {
      expect(machine.lastStart).toMatchObject({ fromSnapshot: false });
      expect(machine.lastStart!.snapshotProblem).toMatch(/corrupt/);
      expect(text((await machine.agent.exec(['echo', 'cold'])).stdout)).toBe('cold\n');
    } finally {
      await machine.destroy();
    }
  });

  it('announces a cold boot with the reason when the snapshot belongs to another guest build', async () => {
    const dir = guestCopy((d) => {
      const info = parseSnapshotInfo(readFileSync(join(d, SNAPSHOT_INFO_FILE)));
      info.compatibility.manifestSha256 = '0'.repeat(64);
      rmSync(join(d, SNAPSHOT_INFO_FILE));
      writeFileSync(join(d, SNAPSHOT_INFO_FILE), JSON.stringify(info));
    });
    dirs.push(dir);
    // The reason is all this test needs: stop the cold boot as soon as it is announced.
    const controller = new AbortController();
    const messages: string[] = [];
    const started = restoreGuest({
      guestDir: dir,
      signal: controller.signal,
      onProgress: (p) => {
        messages.push(p.message);
        if (p.phase === 'boot') controller.abort();
      },
    });
    await expect(started).rejects.toMatchObject({ code: 'ABORTED' });
    expect(messages).toContain('Booting Linux (snapshot was made from a different guest build (manifest.json changed))');
  });
});

describe('kept snapshot (stateCache)', () => {
  it('keeps the decompressed snapshot, starts from it without downloading, and downloads again when it is bad', async () => {
    const cache = new MemoryBlobBackend();
    const info = parseSnapshotInfo(readFileSync(join(DEFAULT_GUEST_DIR, SNAPSHOT_INFO_FILE)));
    const key = `snapshot/${info.sha256}`;
    const logs: string[] = [];
    const start = () => restoreGuest({ stateCache: cache, onLog: (line) => logs.push(line) });

    const first = await start();
    try {
      expect(first.lastStart!.bytesDownloaded).toBeGreaterThan(info.size);
      await expect.poll(() => cache.size(key), { timeout: 10_000 }).toBe(info.rawSize);
    } finally {
      await first.destroy();
    }

    const second = await start();
    try {
      expect(second.lastStart).toMatchObject({ fromSnapshot: true });
      expect(second.lastStart!.bytesDownloaded).toBeLessThan(info.size);
      expect(text((await second.agent.exec(['echo', 'kept'])).stdout)).toBe('kept\n');
    } finally {
      await second.destroy();
    }

    // Same size, broken header: v86 refuses it, the machine forgets it and restores the download instead.
    const bad = new Uint8Array(info.rawSize);
    await cache.put(key, bytesStream(bad));
    const third = await start();
    try {
      expect(third.lastStart).toMatchObject({ fromSnapshot: true });
      expect(third.lastStart!.bytesDownloaded).toBeGreaterThan(info.size);
      expect(logs.join('\n')).toMatch(/kept snapshot did not restore/);
      expect(text((await third.agent.exec(['echo', 'downloaded'])).stdout)).toBe('downloaded\n');
      await expect.poll(async () => (await readAll(cache, key))[0], { timeout: 10_000 }).not.toBe(0);
    } finally {
      await third.destroy();
    }
  });
});

async function readAll(cache: MemoryBlobBackend, key: string): Promise<Uint8Array> {
  const stream = await cache.get(key);
  return stream ? new Uint8Array(await new Response(stream).arrayBuffer()) : new Uint8Array();
}
