// After one visit, drydock works with the network off: the page, the machine, an image pulled once and the lessons,
// from the service worker's caches (web/offline/). The build is served by its own plain static server under a
// sub-path, so the test can stop it: offline means no server at all, not only Chromium's offline switch. Then a new
// deployment on the same address is installed in the background and offered with a notice, never forced.
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Page } from '@playwright/test';
import { buildCourse } from '../../web/course/course-validate.ts';
import { readLessonSources } from '../../web/course/lesson-sources-node.ts';
import { OFFLINE_MANIFEST_FILE, SERVICE_WORKER_FILE, type OfflineManifest } from '../../web/offline/offline-manifest.ts';
import { writeOfflineManifest } from '../../web/offline/offline-manifest-node.ts';
import { expect, test } from './fixtures.ts';
import { serveDist } from './serve-dist.ts';

const REPO = resolve(import.meta.dirname, '../..');
const DIST = resolve(REPO, 'dist');
const BASE_PATH = '/drydock/offline/';
const lesson = buildCourse(readLessonSources(resolve(REPO, 'lessons'))).lessons[0]!;

interface OfflineState {
  controlled: boolean;
  caches: string[];
  /** This version's cache has its manifest, stored last: the precache is complete. */
  complete: boolean;
  blobs: number;
  usageBytes: number;
}

function offlineState(page: Page): Promise<OfflineState> {
  return page.evaluate(async (manifestFile) => {
    const names = (await caches.keys()).sort();
    const app = names.find((n) => n.startsWith('drydock-app-'));
    const complete = app ? (await (await caches.open(app)).match(manifestFile)) !== undefined : false;
    const blobs = names.includes('drydock-blobs') ? (await (await caches.open('drydock-blobs')).keys()).length : 0;
    const { usage = 0 } = await navigator.storage.estimate();
    return { controlled: navigator.serviceWorker.controller !== null, caches: names, complete, blobs, usageBytes: usage };
  }, OFFLINE_MANIFEST_FILE);
}

/** The same build as another deployment: index.html changed, so a new manifest version and a new worker script. */
async function nextDeployment(dir: string): Promise<OfflineManifest> {
  const current = JSON.parse(await readFile(resolve(DIST, OFFLINE_MANIFEST_FILE), 'utf8')) as OfflineManifest;
  await rm(dir, { recursive: true, force: true });
  await cp(DIST, dir, { recursive: true });
  const index = resolve(dir, 'index.html');
  await writeFile(index, (await readFile(index, 'utf8')).replace('</head>', '<meta name="drydock-deployment" content="next"></head>'));
  const next = await writeOfflineManifest(dir);
  const worker = resolve(dir, SERVICE_WORKER_FILE);
  const script = await readFile(worker, 'utf8');
  expect(script, 'the worker carries its version').toContain(`"${current.version}"`.replace(/"/g, '`'));
  await writeFile(worker, script.replaceAll(current.version, next.version));
  return next;
}

test('after one visit: the page, the machine, busybox and a lesson work offline; a new deployment is offered', async ({ page, context, terminal }, testInfo) => {
  test.setTimeout(420_000);
  let server = await serveDist({ root: DIST, basePath: BASE_PATH, port: 0 });
  const port = Number(new URL(server.url).port);
  try {
    // The one visit, online: the worker installs (precache) and takes the page; busybox is pulled once.
    const t0 = Date.now();
    await page.goto(server.url);
    await terminal.waitForPrompt();
    await expect.poll(async () => (await offlineState(page)).complete, { timeout: 120_000 }).toBe(true);
    console.log(`[timing] first visit to a complete precache: ${Date.now() - t0} ms`);
    await expect.poll(async () => (await offlineState(page)).controlled).toBe(true);
    await terminal.run('docker pull -q busybox');
    await terminal.waitForLine(/^docker\.io\/library\/busybox:latest$/, 60_000);
    await terminal.waitForPrompt();
    // The machine worker's fetches went through the service worker: busybox's config and layer are kept.
    await expect.poll(async () => (await offlineState(page)).blobs).toBeGreaterThanOrEqual(2);
    const visited = await offlineState(page);
    console.log(`[offline] after one visit: caches ${visited.caches.join(', ')}; ${visited.blobs} blobs; storage used ${(visited.usageBytes / 1e6).toFixed(1)} MB`);
    testInfo.annotations.push({ type: 'storage', description: `${visited.usageBytes} bytes after one visit with busybox` });

    // Offline: no server, and Chromium's network off.
    await server.close();
    await context.setOffline(true);
    await page.reload();
    await expect(page.getByRole('heading', { name: 'drydock' })).toBeVisible();
    await terminal.waitForPrompt();
    // The image store survives a reload (OPFS), so it goes first: the run pulls busybox again, from the blob cache.
    await terminal.run('docker rmi -f busybox >/dev/null; docker run --rm busybox echo offline-$((40+2))');
    await terminal.waitForLine(/^Status: Downloaded newer image for busybox:latest$/, 60_000);
    await terminal.waitForLine(/^offline-42$/, 60_000);
    await terminal.waitForPrompt();
    await expect(page.getByRole('status', { name: 'Updates' })).toBeEmpty();
    await page.evaluate((hash) => (location.hash = hash), `#/lesson/${lesson.id}/1`);
    await expect(page.getByRole('heading', { name: lesson.title, level: 2 })).toBeVisible();

    // A new deployment at the same address: installed in the background, offered, and used once the learner reloads.
    const next = await nextDeployment(testInfo.outputPath('next-deployment'));
    await context.setOffline(false);
    server = await serveDist({ root: testInfo.outputPath('next-deployment'), basePath: BASE_PATH, port });
    await page.reload();
    await terminal.waitForPrompt();
    const notice = page.getByRole('status', { name: 'Updates' });
    await expect(notice).toContainText('New version available');
    // Until then the page is whole: the previous version's page, from the previous version's cache.
    await expect(page.locator('meta[name="drydock-deployment"]')).toHaveCount(0);
    expect((await offlineState(page)).caches).toContain(visited.caches.find((n) => n.startsWith('drydock-app-')));
    const reloaded = page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame());
    await notice.getByRole('button', { name: 'Reload to update' }).click();
    await reloaded;
    await page.waitForLoadState('load');
    await expect.poll(async () => (await offlineState(page)).caches).toEqual(['drydock-app-' + next.version, 'drydock-blobs']);
    await expect(page.getByRole('heading', { name: 'drydock' })).toBeVisible();
    await expect(notice).toBeEmpty();
    await expect(page.locator('meta[name="drydock-deployment"]')).toHaveAttribute('content', 'next');
  } finally {
    await context.setOffline(false);
    await server.close().catch(() => undefined);
  }
});
