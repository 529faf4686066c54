// A trainer's lesson pack end to end: `npm run pack`'s .tar.gz on another static host (another origin, CORS), opened
// with #/pack=<url>; its remote picture is not fetched; one step run until its check passes; progress exported with
// the learner's name; then the workshop page reads two learners' files and shows learner x step. One machine boot.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundlePack } from '../../web/course/pack-node.ts';
import { expect, test } from './fixtures.ts';
import { serveDist, type ServedApp } from './serve-dist.ts';

const SAMPLE = resolve(import.meta.dirname, '../../lessons/packs/sample');
let host: ServedApp;
let dir: string;

test.beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'drydock-pack-'));
  const { pack, archive } = await bundlePack(SAMPLE);
  expect(pack.problems).toEqual([]);
  await writeFile(join(dir, 'sample.tar.gz'), archive);
  host = await serveDist({ root: dir, basePath: '/trainer/' });
});

test.afterAll(async () => {
  await host.close();
  await rm(dir, { recursive: true, force: true });
});

test('a lesson pack from a URL: a step goes green, progress goes to the workshop table', async ({ page }) => {
  test.setTimeout(420_000);
  const packUrl = `${host.url}sample.tar.gz`;
  const tracked: string[] = [];
  page.on('request', (request) => {
    if (request.url().includes('example.com')) tracked.push(request.url());
  });

  await page.goto(`./#/pack=${packUrl}`);
  const column = page.getByRole('complementary', { name: 'Course' });
  await expect(column.getByRole('region', { name: 'Lesson pack' })).toContainText('Lesson pack: Sample pack');
  await expect(column.getByRole('region', { name: 'Lesson pack' })).toContainText("pulled from the app's registry when a lesson starts: busybox");
  await column.getByRole('link', { name: 'Hello from a pack' }).click();
  await expect(page).toHaveURL(new RegExp(`#/pack=${packUrl.replace(/[.?]/g, '\\$&')}!/lesson/01-hello-pack/1$`));
  await expect(column.getByText("Image “A diagram on the trainer's host” from example.com, not loaded")).toBeVisible();
  await expect(column.getByRole('status', { name: 'Lesson status' })).toHaveText('Ready', { timeout: 240_000 });

  const step = column.getByRole('region', { name: '1. Run a container from the pack' });
  await expect(step.getByRole('status', { name: 'Step check' })).toHaveText('Not done yet');
  await step.getByRole('button', { name: /^Run: / }).click();
  await expect(step.getByRole('status', { name: 'Step check' })).toHaveText('Passed', { timeout: 180_000 });
  expect(tracked, 'no request to the pack picture’s host without consent').toEqual([]);

  await column.getByRole('link', { name: 'All lessons' }).click();
  await column.getByLabel('Your name, for a workshop').fill('Ada');
  await column.getByLabel('Your name, for a workshop').press('Tab');
  const download = page.waitForEvent('download');
  await column.getByRole('button', { name: 'Export progress' }).click();
  expect((await download).suggestedFilename()).toBe('drydock-progress-ada.json');
  const ada = await readFile((await (await download).path())!);
  expect(JSON.parse(ada.toString())).toMatchObject({ learner: 'Ada', pack: packUrl, lessons: { '01-hello-pack': { done: [1] } } });
  const bob = Buffer.from(JSON.stringify({ format: 'drydock-progress', version: 1, pack: packUrl, lessons: { '01-hello-pack': { done: [1, 2], step: 3, completed: true } } }));

  // The trainer's page: no machine, the same static build and base path.
  await page.goto('about:blank');
  await page.goto('./#/workshop');
  await expect(page.getByRole('heading', { name: 'Workshop', level: 1 })).toBeVisible();
  await page.getByLabel('Add progress files').setInputFiles([
    { name: 'drydock-progress-ada.json', mimeType: 'application/json', buffer: ada },
    { name: 'bob.json', mimeType: 'application/json', buffer: bob },
  ]);
  const table = page.getByRole('table', { name: `Lesson pack ${packUrl}: 2 learners` });
  await expect(table.getByRole('columnheader')).toHaveText(['Learner', '01-hello-pack 1', '01-hello-pack 2', 'Steps done']);
  await expect(table.getByRole('row', { name: /^Ada/ }).getByRole('cell')).toHaveText(['✓', '', '1 / 2']);
  await expect(table.getByRole('row', { name: /^bob/ }).getByRole('cell')).toHaveText(['✓', '✓', '2 / 2']);
});
