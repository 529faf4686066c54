// Lesson figures: "Reset lesson" (a checkpoint restore: VM state and engine documents together) in Node and in
// Chromium (the UI's own measurement, fixture lesson), and the time to build a lesson's starting state.
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { startEngineInGuest } from '../emulator/node-backends/engine-in-guest.ts';
import { CHROMIUM_LAUNCH } from '../test/e2e/chromium.ts';
import { serveDist } from '../test/e2e/serve-dist.ts';
import { median, type Figures } from './figures.ts';

export async function benchLessons(options: { runs?: number; skipBuild?: boolean; log?: (line: string) => void } = {}): Promise<Figures> {
  const runs = options.runs ?? 5;
  const log = options.log ?? (() => undefined);
  return { ...(await resetInNode(runs, log)), ...(await resetInChromium(runs, options.skipBuild ?? false, log)) };
}

async function resetInNode(runs: number, log: (line: string) => void): Promise<Figures> {
  const machine = await startEngineInGuest();
  try {
    const docker = async (args: string) => {
      const r = await machine.docker(args);
      if (r.status !== 0) throw new Error(`docker ${args}: ${r.err}`);
    };
    // A starting state like a lesson's: an image, a container, then work done after the checkpoint.
    await docker('pull -q busybox');
    await docker('run --name bench-start busybox true');
    const id = await machine.emulator.saveCheckpoint();
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      await docker(`run --name bench-after-${i} busybox true`);
      const t0 = performance.now();
      await machine.emulator.restoreCheckpoint(id);
      times.push(performance.now() - t0);
    }
    log(`lessons: reset (checkpoint restore) in Node: ${times.map(Math.round).join(', ')} ms`);
    return { lesson_reset_ms_node: Math.round(median(times)) };
  } finally {
    await machine.stop();
  }
}

async function resetInChromium(runs: number, skipBuild: boolean, log: (line: string) => void): Promise<Figures> {
  if (!skipBuild) {
    log('lessons: building the app (vite build)');
    await build({ logLevel: 'warn' });
  }
  const served = await serveDist({ root: 'dist', basePath: '/drydock/bench/' });
  const browser = await chromium.launch({ ...CHROMIUM_LAUNCH, headless: true });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
    const t0 = Date.now();
    await page.goto(`${served.url}?course=fixtures#/lesson/01-fixture/1`);
    const status = page.getByRole('status', { name: 'Lesson status' });
    await status.getByText('Ready', { exact: true }).waitFor({ timeout: 240_000 });
    const startMs = Date.now() - t0;
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      await page.getByRole('button', { name: 'Reset lesson' }).click();
      await status.getByText('Ready', { exact: true }).waitFor({ timeout: 60_000 });
      const label = (await page.getByLabel('Last reset time').textContent()) ?? '';
      times.push(Number(/([\d.]+) s/.exec(label)?.[1]) * 1000);
    }
    log(`lessons: reset (checkpoint restore) in Chromium: ${times.join(', ')} ms; lesson ready ${startMs} ms after navigation`);
    return { lesson_reset_ms_chromium: Math.round(median(times)), lesson_ready_ms_chromium: startMs };
  } finally {
    await browser.close();
    await served.close();
  }
}
