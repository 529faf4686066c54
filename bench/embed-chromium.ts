// <drydock-lab> in a docs page of another origin (web/embed/): from the click on Start to the prompt in the example's
// frame, with an empty profile (cold) and after one visit (warm); the bytes received before that prompt; and a second
// example on the same page, which should reuse what the first downloaded. The playground's warm prompt is measured
// beside the embed's, in the same profile: on a loaded machine the two together say more than either alone.
import type { BrowserContext, Page, Request } from 'playwright-core';
import { build } from 'vite';
import { serveDist } from '../test/e2e/serve-dist.ts';
import { serveDocs } from '../test/e2e/serve-docs.ts';
import { median, type Figures } from './figures.ts';
import { navigateToPrompt, PROMPT_SOURCE, withProfile } from './vm-chromium.ts';

export interface EmbedBenchOptions {
  runs?: number;
  skipBuild?: boolean;
  log?: (line: string) => void;
}

const PROMPT_TIMEOUT_MS = 120_000;

function docsPage(drydockBase: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Docs</title><link rel="icon" href="data:,">
<script type="module" src="${drydockBase}drydock-lab.js"></script></head>
<body><h1>Docs</h1>
<drydock-lab id="first" commands="docker run hello-world"></drydock-lab>
<drydock-lab id="second" commands="docker images"></drydock-lab>
</body></html>`;
}

export async function benchEmbedChromium(options: EmbedBenchOptions = {}): Promise<Figures> {
  const runs = options.runs ?? 5;
  const log = options.log ?? (() => undefined);
  if (!options.skipBuild) {
    log('embed-chromium: building the app (vite build)');
    await build({ logLevel: 'warn' });
  }
  const drydock = await serveDist({ root: 'dist', basePath: '/drydock/bench/' });
  const docs = await serveDocs(0, { '/docs/': docsPage(drydock.url) });
  // `localhost` against drydock's 127.0.0.1: another site, as a docs page elsewhere is.
  const docsUrl = `http://localhost:${docs.port}/docs/`;
  try {
    const cold: number[] = [];
    const coldBytes: number[] = [];
    const secondMs: number[] = [];
    const secondBytes: number[] = [];
    for (let i = 0; i < runs; i++) {
      await withProfile(async (context) => {
        const bytes = countBytes(context);
        const page = await context.newPage();
        await page.goto(docsUrl);
        const first = await clickToPrompt(page, 'first');
        cold.push(first);
        coldBytes.push(await bytes.take());
        // The second example on the page: the same files, from the HTTP cache and the lab's stored state.
        const second = await clickToPrompt(page, 'second');
        secondMs.push(second);
        secondBytes.push(await bytes.take());
        log(`embed-chromium: cold run ${i + 1}/${runs}: ${Math.round(first)} ms, ${coldBytes.at(-1)} bytes; second example ${Math.round(second)} ms, ${secondBytes.at(-1)} bytes`);
        bytes.stop();
      });
    }

    const warm: number[] = [];
    const playgroundWarm: number[] = [];
    await withProfile(async (context) => {
      // One visit fills the caches; it stays a few seconds, as a reader does (the lab stores the machine's state).
      const visit = await context.newPage();
      await visit.goto(docsUrl);
      await clickToPrompt(visit, 'first');
      await visit.waitForTimeout(4000);
      await visit.close();
      // The playground beside it, warm in the same profile and under the same load: what the embedding costs.
      await navigateToPrompt(context, drydock.url, { lingerMs: 4000 });
      for (let i = 0; i < runs; i++) {
        const page = await context.newPage();
        await page.goto(docsUrl);
        warm.push(await clickToPrompt(page, 'first'));
        await page.close();
        playgroundWarm.push((await navigateToPrompt(context, drydock.url)).promptMs);
        log(`embed-chromium: warm run ${i + 1}/${runs}: ${Math.round(warm.at(-1)!)} ms (the playground: ${Math.round(playgroundWarm.at(-1)!)} ms)`);
      }
    });

    return {
      embed_click_to_prompt_cold_ms_chromium: Math.round(median(cold)),
      embed_click_to_prompt_warm_ms_chromium: Math.round(median(warm)),
      embed_playground_prompt_warm_same_run_ms_chromium: Math.round(median(playgroundWarm)),
      embed_bytes_before_prompt: median(coldBytes),
      embed_second_example_click_to_prompt_ms_chromium: Math.round(median(secondMs)),
      embed_second_example_bytes: median(secondBytes),
    };
  } finally {
    await docs.close();
    await drydock.close();
  }
}

/** ms from the click on an example's Start button (in the docs page) to the first frame showing its prompt. */
async function clickToPrompt(page: Page, id: string): Promise<number> {
  await page.evaluate((selector) => {
    const element = document.querySelector(selector)!;
    // capture, in the docs page: the time the reader clicked, before anything of the element ran
    element.addEventListener('click', () => element.setAttribute('data-clicked-at', String(performance.timeOrigin + performance.now())), { capture: true, once: true });
  }, `#${id}`);
  const before = new Set(page.frames());
  const framed = page.waitForEvent('framenavigated', { predicate: (f) => !before.has(f) && f.url().includes('lab.html'), timeout: 10_000 });
  await page.locator(`#${id}`).getByRole('button', { name: 'Start' }).click();
  const clickedAt = Number(await page.locator(`#${id}`).getAttribute('data-clicked-at'));
  const frame = await framed;
  const handle = await frame.waitForFunction(
    (source) => {
      const rows = document.querySelector('.xterm-rows');
      if (!rows) return false;
      const lines = Array.from(rows.children, (row) => (row.textContent ?? '').replace(/\u00a0/g, ' ').trimEnd()).filter((line) => line !== '');
      const last = lines[lines.length - 1];
      return last !== undefined && new RegExp(source).test(last) ? performance.timeOrigin + performance.now() : false;
    },
    PROMPT_SOURCE,
    { polling: 'raf', timeout: PROMPT_TIMEOUT_MS },
  );
  return ((await handle.jsonValue()) as number) - clickedAt;
}

/** Bytes received (headers + bodies; page, frames and workers) by requests finished since the last take(). */
function countBytes(context: BrowserContext): { take(): Promise<number>; stop(): void } {
  const finished: Request[] = [];
  const onFinished = (request: Request): void => void finished.push(request);
  context.on('requestfinished', onFinished);
  return {
    async take() {
      let bytes = 0;
      for (const request of finished.splice(0)) {
        const sizes = await request.sizes();
        // -1 means unknown, which is how responses served from the cache report themselves.
        bytes += Math.max(0, sizes.responseHeadersSize) + Math.max(0, sizes.responseBodySize);
      }
      return bytes;
    },
    stop: () => void context.off('requestfinished', onFinished),
  };
}
