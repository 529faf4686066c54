// The OPFS BlobBackend in real Chromium (Debian's /usr/bin/chromium): digest-verified writes, nothing
// left behind on a mismatch or a truncated stream. Skipped where no Chromium is installed.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { expect, it } from 'vitest';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

it.skipIf(!existsSync(CHROMIUM))('OpfsBlobBackend stores verified blobs and refuses bad ones in Chromium', { timeout: 120_000 }, async () => {
  const out = await mkdtemp(join(tmpdir(), 'drydock-opfs-'));
  try {
    await build({
      configFile: false,
      logLevel: 'silent',
      build: { outDir: out, emptyOutDir: true, minify: false, lib: { entry: resolve(import.meta.dirname, 'opfs-entry.ts'), formats: ['es'], fileName: () => 'entry.js' } },
    });
    const js = await readFile(join(out, 'entry.js'), 'utf8');
    const server = createServer((req, res) => {
      if (req.url === '/entry.js') res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(js);
      else res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><script type="module" src="/entry.js"></script>');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      await page.waitForFunction(() => 'runOpfs' in globalThis);
      const result = (await page.evaluate(() => (globalThis as unknown as { runOpfs(): Promise<unknown> }).runOpfs())) as Record<string, unknown>;
      expect(result.roundTrip).toBe(true);
      expect(result.mismatch).toBe('DIGEST_MISMATCH');
      expect(result.truncated).toBe('DIGEST_MISMATCH');
      expect(result.hasWrong).toBe(false);
      expect(result.hasTruncated).toBe(false);
      expect(result.writeThenDelete).toBe('ok');
      expect(result.afterWriteThenDelete).toBe(false);
      expect(result.list).toEqual(['blobs/sha256/' + String((result.put as { digest: string }).digest).slice(7), 'index.json', 'oci-layout']);
      expect(result.afterDelete).toBe(false);
    } finally {
      await browser.close();
      server.close();
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
