// The page at any size: at 390x844 the panes are tabs (the terminal wide enough for 40 columns, keeping its machine
// and scrollback while hidden), at 1024x768 and 1440x900 side by side with Monaco usable beside the terminal; nothing
// makes the document scroll sideways and every pane can be reached. The dividers move by keyboard and mouse and keep
// their place over a reload. Screenshots of each state are saved as the test's attachments (test-results/).
import type { Page, TestInfo } from '@playwright/test';
import { expect, test, type TerminalDriver } from './fixtures.ts';

const LESSON = './?course=fixtures#/lesson/01-fixture/1';

async function snapshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

/** The document never scrolls sideways; `where` names the state in the failure. */
async function expectNoSidewaysScroll(page: Page, where: string): Promise<void> {
  const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  expect(scroll, `${where}: the document is ${scroll} px wide in a ${client} px window`).toBeLessThanOrEqual(client);
}

async function terminalColumns(page: Page): Promise<number> {
  const text = (await page.getByLabel('Terminal size').textContent()) ?? '';
  return Number(text.split('×')[0]);
}

/** A pane wholly inside the window (after scrolling the stage to it, where the stage must scroll). */
async function expectInView(page: Page, pane: ReturnType<Page['getByRole']>, where: string): Promise<void> {
  await pane.scrollIntoViewIfNeeded();
  const box = (await pane.boundingBox())!;
  const { width } = page.viewportSize()!;
  expect(box.x, `${where}: left edge`).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width, `${where}: right edge`).toBeLessThanOrEqual(width + 0.5);
}

async function openLesson(page: Page, terminal: TerminalDriver, narrow = false): Promise<void> {
  await page.goto(LESSON);
  // narrow, the lesson is a tab of its own: its status is read there, and the terminal shown again
  if (narrow) await page.getByRole('tab', { name: 'Course' }).click();
  await expect(page.getByRole('status', { name: 'Lesson status' })).toHaveText('Ready', { timeout: 240_000 });
  if (narrow) await page.getByRole('tab', { name: 'Terminal' }).click();
  await terminal.waitForPrompt();
}

test.describe('390x844: the panes are tabs', () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test('every pane is a tab, the terminal has 40+ columns and keeps its screen while hidden, nothing scrolls sideways', async ({ page, terminal, problems }, testInfo) => {
    await openLesson(page, terminal, true);
    const tabs = page.getByRole('tablist', { name: 'Panes' });
    await expect(tabs).toBeVisible();
    await expect(page.getByRole('separator')).toHaveCount(0);
    await expect(tabs.getByRole('tab', { name: 'Terminal' })).toHaveAttribute('aria-selected', 'true');
    expect(await terminalColumns(page), 'terminal columns at 390 px').toBeGreaterThanOrEqual(40);
    await expectNoSidewaysScroll(page, 'terminal tab');
    await snapshot(page, testInfo, '390-terminal');

    // Something on screen to keep, and a server for the preview tab.
    await terminal.run(`mkdir -p /tmp/s && echo '<h1>layout-page</h1>' > /tmp/s/index.html && busybox httpd -p 8080 -h /tmp/s && echo kept-$((40+2))`);
    await terminal.waitForLine(/^kept-42$/);
    await terminal.waitForPrompt();
    const columns = await terminalColumns(page);

    // Each pane by its tab: shown alone, inside the window, nothing wider than it.
    for (const [tab, pane] of [
      ['Course', page.getByRole('complementary', { name: 'Course' })],
      ['Editor', page.getByRole('region', { name: 'Editor' })],
      ['Inspect', page.getByRole('region', { name: 'Inspect' })],
    ] as const) {
      await tabs.getByRole('tab', { name: tab }).click();
      await expect(tabs.getByRole('tab', { name: tab })).toHaveAttribute('aria-selected', 'true');
      await expect(pane).toBeVisible();
      await expect(terminal.region).toBeHidden();
      await expectInView(page, pane, `${tab} tab`);
      await expectNoSidewaysScroll(page, `${tab} tab`);
      if (tab === 'Editor') {
        const monaco = page.locator('.monaco-editor').first();
        await expect(monaco).toBeVisible({ timeout: 60_000 });
        expect((await monaco.boundingBox())!.width, 'Monaco in the Editor tab').toBeGreaterThanOrEqual(200);
      }
      await snapshot(page, testInfo, `390-${tab.toLowerCase()}`);
    }
    // The tabs pattern: one Tab stop, arrows choose (wrapping), Home/End.
    await tabs.getByRole('tab', { name: 'Inspect' }).focus();
    await page.keyboard.press('ArrowRight');
    await expect(tabs.getByRole('tab', { name: 'Course' })).toBeFocused();
    await expect(page.getByRole('complementary', { name: 'Course' })).toBeVisible();
    // leaving the Inspect tab closes the panel (it polls the engine only while shown)
    await expect(page.getByRole('region', { name: 'Inspect' })).toHaveCount(0);
    await page.keyboard.press('ArrowRight');
    await expect(tabs.getByRole('tab', { name: 'Terminal' })).toBeFocused();
    await expect(tabs.getByRole('tab', { name: 'Terminal' })).toHaveAttribute('aria-selected', 'true');

    // The same machine, the same screen, refitted to the same width.
    await expect(terminal.region).toBeVisible();
    expect(await terminal.screen()).toContain('kept-42');
    expect(await terminalColumns(page)).toBe(columns);
    await terminal.run('echo still-$((6*7))');
    await terminal.waitForLine(/^still-42$/);

    // A preview opens as a tab of its own.
    await page.getByRole('spinbutton', { name: 'Port to preview' }).fill('8080');
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await expect(tabs.getByRole('tab', { name: 'Preview' })).toHaveAttribute('aria-selected', 'true');
    const preview = page.getByRole('region', { name: 'Preview of port 8080' });
    await expect(page.frameLocator('iframe[title="Port 8080 of the machine"]').getByRole('heading', { name: 'layout-page' })).toBeVisible();
    await expectInView(page, preview, 'Preview tab');
    await expectNoSidewaysScroll(page, 'Preview tab');
    await snapshot(page, testInfo, '390-preview');
    // A lesson's Run shows the terminal it types into.
    await tabs.getByRole('tab', { name: 'Course' }).click();
    await page.getByRole('button', { name: /^Run: docker run --name fx-one/ }).click();
    await expect(tabs.getByRole('tab', { name: 'Terminal' })).toHaveAttribute('aria-selected', 'true');
    await terminal.waitForLine(/^fixture-one$/, 60_000);
    expect(problems.errors).toEqual([]);
  });
});

for (const viewport of [
  { width: 1024, height: 768 },
  { width: 1440, height: 900 },
]) {
  const size = `${viewport.width}x${viewport.height}`;
  test.describe(`${size}: side by side`, () => {
    test.use({ viewport });

    test('with the editor (the lesson opens it) and the Inspect panel open, Monaco is usable, the terminal keeps its minimum, nothing scrolls the page', async ({ page, terminal }, testInfo) => {
      await openLesson(page, terminal);
      await expect(page.getByRole('tablist', { name: 'Panes' })).toHaveCount(0);
      await expectNoSidewaysScroll(page, 'closed');
      await snapshot(page, testInfo, `${size}-closed`);

      // the fixture lesson has project files: it opens the editor beside the terminal
      await expect(page.getByRole('region', { name: 'Editor', exact: true })).toBeVisible();
      const monaco = page.locator('.monaco-editor').first();
      await expect(monaco).toBeVisible({ timeout: 60_000 });
      await expect(page.getByRole('separator', { name: 'Resize the editor' })).toBeVisible();
      expect((await monaco.boundingBox())!.width, 'Monaco beside the terminal').toBeGreaterThanOrEqual(300);
      expect(await terminalColumns(page), 'terminal columns beside the editor').toBeGreaterThanOrEqual(30);
      await expectNoSidewaysScroll(page, 'editor open');
      for (const name of ['Course', 'Terminal', 'Editor']) {
        const pane = name === 'Course' ? page.getByRole('complementary', { name }) : page.getByRole('region', { name, exact: true });
        await expectInView(page, pane, `editor open: ${name}`);
      }
      await snapshot(page, testInfo, `${size}-editor`);

      await page.getByRole('button', { name: 'Inspect', exact: true }).click();
      const inspect = page.getByRole('region', { name: 'Inspect' });
      await expect(inspect).toBeVisible();
      await expectNoSidewaysScroll(page, 'editor and inspect open');
      // Where all four do not fit (1024), the row of panes scrolls inside itself: each can still be brought into view.
      for (const name of ['Course', 'Terminal', 'Editor', 'Inspect']) {
        const pane = name === 'Course' ? page.getByRole('complementary', { name }) : page.getByRole('region', { name, exact: true });
        await expectInView(page, pane, `editor and inspect open: ${name}`);
      }
      expect(await terminalColumns(page), 'terminal columns with every pane open').toBeGreaterThanOrEqual(30);
      await snapshot(page, testInfo, `${size}-editor-inspect`);
    });
  });
}

test.describe('dividers', () => {
  test.use({ viewport: { width: 1440, height: 900 } });

  test('move by keyboard and by mouse, and stay where they were left after a reload', async ({ page, terminal }) => {
    await page.goto('./');
    await terminal.waitForPrompt();
    const course = page.getByRole('separator', { name: 'Resize the course column' });
    await expect(course).toHaveAttribute('aria-valuenow', /^\d+$/);
    const start = Number(await course.getAttribute('aria-valuenow'));
    const columns = await terminalColumns(page);

    // Keyboard: the separator pattern's arrows (16 px a step), the course column follows.
    await course.focus();
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowLeft');
    await expect(course).toHaveAttribute('aria-valuenow', String(start - 64));
    expect(Math.round((await page.locator('#pane-course').boundingBox())!.width)).toBe(start - 64);
    // the terminal took the room and refitted
    await expect(async () => expect(await terminalColumns(page)).toBeGreaterThan(columns)).toPass();

    // Mouse: the editor's divider dragged 100 px to the left widens the editor by 100 px.
    await page.getByRole('button', { name: 'Editor', exact: true }).click();
    const editor = page.getByRole('separator', { name: 'Resize the editor' });
    await expect(editor).toBeVisible();
    const editorStart = Number(await editor.getAttribute('aria-valuenow'));
    const box = (await editor.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + 200);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 - 50, box.y + 200);
    await page.mouse.move(box.x + box.width / 2 - 100, box.y + 200);
    await page.mouse.up();
    await expect(editor).toHaveAttribute('aria-valuenow', String(editorStart + 100));

    await page.reload();
    await terminal.waitForPrompt();
    await expect(page.getByRole('separator', { name: 'Resize the course column' })).toHaveAttribute('aria-valuenow', String(start - 64));
    await expect(page.getByRole('separator', { name: 'Resize the editor' })).toHaveAttribute('aria-valuenow', String(editorStart + 100));
    expect(Math.round((await page.locator('#pane-course').boundingBox())!.width)).toBe(start - 64);
  });
});
