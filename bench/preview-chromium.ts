// Chromium benchmark of the preview: a server in the guest seen in the preview pane, through the port service worker,
// the page, the machine's worker and TCP into the guest. Each run is a fresh page, as a learner opens drydock.
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { serveDist } from '../test/e2e/serve-dist.ts';
import { median, type Figures } from './figures.ts';
import { PROMPT_SOURCE, withProfile } from './vm-chromium.ts';

export interface PreviewBenchOptions {
  runs?: number;
  skipBuild?: boolean;
  log?: (line: string) => void;
}

const PORT = 8080;
const ASSETS = 10;
const BIG_BYTES = 2 * 1024 * 1024;

/** 10 KB of page and 10 scripts of 9 KB (~100 KB), and 2 MB to download, served by busybox httpd. */
const SITE = [
  'mkdir -p /tmp/b && cd /tmp/b',
  `for i in $(seq 0 ${ASSETS - 1}); do { printf '/*'; head -c 9000 /dev/zero | tr '\\0' x; printf '*/'; } > a$i.js; done`,
  `{ echo '<!doctype html><title>bench</title>'; for i in $(seq 0 ${ASSETS - 1}); do echo "<script src=a$i.js></script>"; done; printf '<p>'; head -c 10000 /dev/zero | tr '\\0' y; } > index.html`,
  `dd if=/dev/zero of=big.bin bs=1024 count=${BIG_BYTES / 1024} 2>/dev/null`,
  `busybox httpd -p ${PORT} -h /tmp/b && echo bench-$((6*7))`,
].join(' && ');

export async function benchPreviewChromium(options: PreviewBenchOptions = {}): Promise<Figures> {
  const runs = options.runs ?? 5;
  const log = options.log ?? (() => undefined);
  if (!options.skipBuild) {
    log('preview-chromium: building the app (vite build)');
    await build({ logLevel: 'warn' });
  }
  const served = await serveDist({ root: 'dist', basePath: '/drydock/bench/' });
  try {
    const firstByte: number[] = [];
    const loaded: number[] = [];
    const download: number[] = [];
    await withProfile(async (context) => {
      // A first visit installs the service worker, as any earlier visit would have.
      const first = await context.newPage();
      await first.goto(served.url);
      await waitForPrompt(first);
      await first.close();
      for (let i = 0; i < runs; i++) {
        const page = await context.newPage();
        await page.goto(served.url);
        await waitForPrompt(page);
        await typeLine(page, SITE);
        await page.waitForFunction(
          () => Array.from(document.querySelector('.xterm-rows')?.children ?? [], (row) => (row.textContent ?? '').replace(/\u00a0/g, ' ').trim()).includes('bench-42'),
          undefined,
          { polling: 100, timeout: 60_000 },
        );
        const run = await measure(page, served.url);
        firstByte.push(run.firstByteMs);
        loaded.push(run.loadedMs);
        download.push(run.downloadMs);
        log(`preview-chromium: run ${i + 1}/${runs}: first byte ${run.firstByteMs.toFixed(0)} ms, page + ${ASSETS} assets ${run.loadedMs.toFixed(0)} ms, 2 MB ${run.downloadMs.toFixed(0)} ms`);
        await page.close();
      }
    });
    return {
      preview_first_byte_ms_chromium: Math.round(median(firstByte)),
      preview_page_10_assets_ms_chromium: Math.round(median(loaded)),
      preview_download_2mb_ms_chromium: Math.round(median(download)),
    };
  } finally {
    await served.close();
  }
}

async function waitForPrompt(page: Page): Promise<void> {
  await page.waitForFunction(
    (source) => {
      const rows = document.querySelector('.xterm-rows');
      const lines = Array.from(rows?.children ?? [], (row) => (row.textContent ?? '').replace(/\u00a0/g, ' ').trimEnd()).filter((l) => l !== '');
      const last = lines[lines.length - 1];
      return last !== undefined && new RegExp(source).test(last);
    },
    PROMPT_SOURCE,
    { polling: 'raf', timeout: 120_000 },
  );
}

async function typeLine(page: Page, line: string): Promise<void> {
  await page.getByRole('region', { name: 'Terminal' }).click();
  await page.keyboard.insertText(line);
  await page.keyboard.press('Enter');
}

/** The preview opened with a click (its navigation timing: first byte, load end), then 2 MB fetched through it. */
async function measure(page: Page, base: string): Promise<{ firstByteMs: number; loadedMs: number; downloadMs: number }> {
  await page.getByRole('spinbutton', { name: 'Port to preview' }).fill(String(PORT));
  await page.getByRole('button', { name: 'Preview', exact: true }).click();
  const frame = page.frameLocator(`iframe[title="Port ${PORT} of the machine"]`);
  await frame.locator('p').waitFor({ timeout: 60_000 });
  const previewFrame = page.frames().find((f) => f.url().includes(`/ports/${PORT}/`));
  if (!previewFrame) throw new Error('no preview frame');
  const timing = (await (
    await previewFrame.waitForFunction(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
      return nav && nav.loadEventEnd > 0
        ? { responseStart: nav.responseStart, loadEventEnd: nav.loadEventEnd, scripts: performance.getEntriesByType('resource').length }
        : false;
    })
  ).jsonValue()) as { responseStart: number; loadEventEnd: number; scripts: number };
  if (timing.scripts < ASSETS) throw new Error(`the preview loaded ${timing.scripts} of ${ASSETS} assets`);
  const downloadMs = await page.evaluate(async (url) => {
    const t0 = performance.now();
    const bytes = (await (await fetch(url)).arrayBuffer()).byteLength;
    if (bytes !== 2 * 1024 * 1024) throw new Error(`downloaded ${bytes} bytes`);
    return performance.now() - t0;
  }, new URL(`ports/${PORT}/big.bin`, base).href);
  return { firstByteMs: timing.responseStart, loadedMs: timing.loadEventEnd, downloadMs };
}
