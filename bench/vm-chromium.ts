// Chromium benchmark: the production build in headless Debian Chromium, from navigation to a visible shell prompt.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { chromium, type BrowserContext, type Request } from 'playwright-core';
import { serveDist } from '../test/e2e/serve-dist.ts';
import { median, type Figures } from './figures.ts';
import { CHROMIUM_LAUNCH } from '../test/e2e/chromium.ts';

export interface ChromiumBenchOptions {
  /** measured navigations per cache state */
  runs?: number;
  /** skip `vite build` and use the existing dist/ */
  skipBuild?: boolean;
  log?: (line: string) => void;
}

/** What the prompt looks like at the end of the last non-empty screen row (same rule as the e2e tests). */
export const PROMPT_SOURCE = String.raw`[#$] ?$`;
const PROMPT_TIMEOUT_MS = 120_000;

export async function benchVmChromium(options: ChromiumBenchOptions = {}): Promise<Figures> {
  const runs = options.runs ?? 5;
  const log = options.log ?? (() => undefined);
  if (!options.skipBuild) {
    log('vm-chromium: building the app (vite build)');
    await build({ logLevel: 'warn' });
  }
  const served = await serveDist({ root: 'dist', basePath: '/drydock/bench/' });
  try {
    const cold: number[] = [];
    const coldReady: number[] = [];
    const coldBytes: number[] = [];
    for (let i = 0; i < runs; i++) {
      // A new profile: empty HTTP cache and empty storage, a first visit.
      const run = await withProfile((context) => navigateToPrompt(context, served.url));
      cold.push(run.promptMs);
      coldReady.push(run.readyMs);
      coldBytes.push(run.bytes);
      log(`vm-chromium: cold run ${i + 1}/${runs}: ${Math.round(run.promptMs)} ms, ${run.bytes} bytes`);
    }

    const warm: number[] = [];
    const warmReady: number[] = [];
    await withProfile(async (context) => {
      // One visit fills the caches (HTTP and whatever the app stores); the following visits, each in a new tab, are measured.
      // It stays a few seconds, as any visit does: the decompressed snapshot is written to OPFS after the prompt.
      await navigateToPrompt(context, served.url, { lingerMs: 4000 });
      for (let i = 0; i < runs; i++) {
        const run = await navigateToPrompt(context, served.url);
        warm.push(run.promptMs);
        warmReady.push(run.readyMs);
        log(`vm-chromium: warm run ${i + 1}/${runs}: ${Math.round(run.promptMs)} ms, ${run.bytes} bytes`);
      }
    });

    return {
      prompt_cold_ms_chromium: Math.round(median(cold)),
      prompt_warm_ms_chromium: Math.round(median(warm)),
      // When the worker's start() resolved (the app's drydock:ready mark); the rest is the prompt reaching the screen.
      machine_ready_cold_ms_chromium: Math.round(median(coldReady)),
      machine_ready_warm_ms_chromium: Math.round(median(warmReady)),
      bytes_before_prompt: median(coldBytes),
    };
  } finally {
    await served.close();
  }
}

/** A persistent profile in a fresh directory, so the HTTP cache is on disk like a real browser's (an
 *  incognito context keeps a small in-memory cache that may not hold the snapshot). */
export async function withProfile<T>(use: (context: BrowserContext) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'drydock-bench-'));
  const context = await chromium.launchPersistentContext(dir, {
    ...CHROMIUM_LAUNCH,
    headless: true,
    viewport: { width: 1200, height: 760 },
  });
  try {
    return await use(context);
  } finally {
    await context.close();
    await rm(dir, { recursive: true, force: true });
  }
}

interface PromptRun {
  /** ms from navigation start (the page's time origin) to the first frame showing the prompt */
  promptMs: number;
  /** ms from navigation start to the app's `drydock:ready` User Timing mark */
  readyMs: number;
  /** bytes received (headers + bodies, page and workers) for requests finished before the prompt showed */
  bytes: number;
}

export async function navigateToPrompt(context: BrowserContext, url: string, options: { lingerMs?: number } = {}): Promise<PromptRun> {
  const page = await context.newPage();
  const finished: Request[] = [];
  const onFinished = (request: Request): void => void finished.push(request);
  context.on('requestfinished', onFinished);
  try {
    await page.goto(url, { waitUntil: 'commit' });
    const handle = await page.waitForFunction(
      (source) => {
        const rows = document.querySelector('.xterm-rows');
        if (!rows) return false;
        const lines = Array.from(rows.children, (row) => (row.textContent ?? '').replace(/\u00a0/g, ' ').trimEnd()).filter(
          (line) => line !== '',
        );
        const last = lines[lines.length - 1];
        return last !== undefined && new RegExp(source).test(last) ? performance.now() : false;
      },
      PROMPT_SOURCE,
      { polling: 'raf', timeout: PROMPT_TIMEOUT_MS },
    );
    const promptMs = (await handle.jsonValue()) as number;
    const readyMs = await page.evaluate(() => performance.getEntriesByName('drydock:ready')[0]?.startTime ?? Number.NaN);
    const counted = finished.splice(0);
    let bytes = 0;
    for (const request of counted) {
      const sizes = await request.sizes();
      // -1 means unknown, which is how responses served from the cache report themselves.
      bytes += Math.max(0, sizes.responseHeadersSize) + Math.max(0, sizes.responseBodySize);
    }
    if (options.lingerMs) await page.waitForTimeout(options.lingerMs);
    return { promptMs, readyMs, bytes };
  } finally {
    context.off('requestfinished', onFinished);
    await page.close();
  }
}
