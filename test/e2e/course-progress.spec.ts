// Course progress without the machine: the lesson list shows it, it survives a reload, and it goes out and back in
// as a JSON file (export / import), refusing a file that is not a progress export.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { packTar } from 'modern-tar';
import { bundlePack } from '../../web/course/pack-node.ts';
import { expect, test } from './fixtures.ts';

const progressFile = (done: number[]) =>
  Buffer.from(JSON.stringify({ format: 'drydock-progress', version: 1, lessons: { '01-fixture': { done, step: 3, completed: false } } }));

test('progress: shown in the list, kept across a reload, exported and imported', async ({ page }) => {
  await page.goto('./?course=fixtures#/course');
  const list = page.getByRole('list', { name: 'Lessons' });
  await expect(list.getByRole('link', { name: 'Fixture lesson' })).toBeVisible();
  const bar = page.getByRole('progressbar', { name: 'Progress of Fixture lesson' });
  const value = () => bar.evaluate((el) => (el as HTMLProgressElement).value);
  expect(await value()).toBe(0);

  await page.getByLabel('Import progress').setInputFiles({ name: 'progress.json', mimeType: 'application/json', buffer: progressFile([1, 2]) });
  await expect.poll(value).toBeCloseTo(2 / 3);
  // The link opens the lesson where the learner left it.
  await expect(list.getByRole('link', { name: 'Fixture lesson' })).toHaveAttribute('href', '#/lesson/01-fixture/3');

  await page.reload();
  await expect.poll(value).toBeCloseTo(2 / 3);

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export progress' }).click();
  const exported = JSON.parse(await readFile((await (await download).path())!, 'utf8')) as { lessons: Record<string, { done: number[] }> };
  expect(exported.lessons['01-fixture']?.done).toEqual([1, 2]);

  await page.getByLabel('Import progress').setInputFiles({ name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from('{"hello":1}') });
  await expect(page.getByRole('alert')).toHaveText('The file is not a drydock progress export');
  expect(await value()).toBeCloseTo(2 / 3);
});

test('Open a pack...: a hostile archive is refused with its problems located; the sample pack opens with its own progress', async ({ page }) => {
  await page.goto('./?course=fixtures#/course');
  const column = page.getByRole('complementary', { name: 'Course' });
  const evil = new TextEncoder().encode('<script>alert(1)</script>');
  const hostile = Buffer.from(await packTar([{ header: { name: '../evil/lesson.md', size: evil.length }, body: evil }]));
  await column.getByLabel('Open a pack...').setInputFiles({ name: 'evil.tar', mimeType: 'application/x-tar', buffer: hostile });
  await expect(column.getByRole('alert', { name: 'Pack problems' })).toHaveText('evil.tar/../evil/lesson.md:1: path: "../evil/lesson.md" is not a path inside the pack');

  const { archive } = await bundlePack(resolve(import.meta.dirname, '../../lessons/packs/sample'));
  await column.getByLabel('Open a pack...').setInputFiles({ name: 'sample.tar.gz', mimeType: 'application/gzip', buffer: Buffer.from(archive) });
  await expect(page).toHaveURL(/#\/pack=file:sample\.tar\.gz$/);
  await expect(column.getByRole('heading', { name: 'Sample pack', level: 2 })).toBeVisible();
  await expect(column.getByRole('progressbar', { name: 'Progress of Hello from a pack' })).toHaveJSProperty('value', 0);
  // The course's own lessons are not in the pack's list, and a reload asks for the file again.
  await expect(column.getByRole('link', { name: 'Fixture lesson' })).toHaveCount(0);
  await page.reload();
  await expect(column.getByRole('alert', { name: 'Pack problems' })).toContainText('open the file again');
});
