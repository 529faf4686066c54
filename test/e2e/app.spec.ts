// The app shell against the real machine: boot to a prompt, type, restart, resize, paste.
import { expect, PROMPT, test } from './fixtures.ts';

test.beforeEach(async ({ page, terminal }) => {
  await page.goto('./');
  await expect(page.getByRole('heading', { name: 'drydock' })).toBeVisible();
  await terminal.waitForPrompt();
});

test('a typed command runs in the guest shell', async ({ terminal }) => {
  await terminal.run('echo drydock-$((6*7))');
  // Only the guest's output line is exactly this; the echoed command line still shows $((6*7)).
  await terminal.waitForLine(/^drydock-42$/);
  await terminal.waitForPrompt();
});

test('keyboard and screen readers: Tab completes in the shell, Escape then Tab leaves it, a skip link comes back; screen reader mode is switched and kept', async ({ page, terminal }) => {
  await terminal.focus();
  await expect(terminal.input).toHaveAccessibleDescription('Escape, then Tab: leave the terminal');
  await page.keyboard.type('ech');
  await page.keyboard.press('Tab');
  await expect(terminal.input).toBeFocused();
  await terminal.waitForLine(/# echo$/);
  await page.keyboard.press('Escape');
  await page.keyboard.press('Tab');
  await expect(terminal.input).not.toBeFocused();
  expect(await page.evaluate(() => document.activeElement?.tagName)).not.toBe('BODY');

  // The first stop of Tab in the page is a skip link, shown when focused, that comes back to the terminal.
  const first = await page.evaluate(() => document.querySelector<HTMLElement>('button, a[href], input, select, textarea, [tabindex="0"]')?.textContent);
  expect(first).toBe('Skip to the terminal');
  const skip = page.getByRole('button', { name: 'Skip to the terminal' });
  await expect(skip).not.toBeInViewport();
  await skip.focus();
  await expect(skip).toBeInViewport();
  await page.keyboard.press('Enter');
  await expect(terminal.input).toBeFocused();

  // Screen reader mode: xterm's accessibility tree (rows as text in a live region), switched and remembered.
  const sr = page.getByRole('button', { name: 'Screen reader mode' });
  await expect(sr).toHaveAttribute('aria-pressed', 'false');
  await sr.click();
  await expect(sr).toHaveAttribute('aria-pressed', 'true');
  await expect(terminal.region.locator('.xterm-accessibility-tree')).toHaveCount(1);
  await page.reload();
  await expect(page.getByRole('button', { name: 'Screen reader mode' })).toHaveAttribute('aria-pressed', 'true');
  await expect(terminal.region.locator('.xterm-accessibility-tree')).toHaveCount(1);
  await terminal.waitForPrompt();
});

test('restart machine brings a fresh prompt back', async ({ page, terminal }) => {
  await terminal.run('echo before-$((1+1))-restart');
  await terminal.waitForLine(/^before-2-restart$/);

  // It asks first, in the page; Cancel keeps the machine as it is.
  await page.getByRole('button', { name: 'Restart machine' }).click();
  const dialog = page.getByRole('dialog', { name: 'Restart the machine?' });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  expect(await terminal.screen()).toContain('before-2-restart');

  await page.getByRole('button', { name: 'Restart machine' }).click();
  await dialog.getByRole('button', { name: 'Restart' }).click();
  await expect(dialog).toBeHidden();
  await expect(async () => {
    expect(await terminal.screen()).not.toContain('before-2-restart');
  }).toPass();
  await terminal.waitForPrompt();
  await expect(page.getByRole('button', { name: 'Restart machine' })).toBeEnabled();
  // A new screen says why it is new; what the old machine printed is still in the scrollback above it.
  expect(await terminal.screen()).toContain('[The machine restarted; what it showed before is above.]');
  await terminal.region.hover();
  await page.mouse.wheel(0, -10_000);
  await expect(async () => expect(await terminal.screen()).toContain('before-2-restart')).toPass();
  await page.mouse.wheel(0, 10_000);
  await expect(async () => expect(await terminal.lastLine()).toMatch(PROMPT)).toPass();

  await terminal.run('echo after-$((2+2))-restart');
  await terminal.waitForLine(/^after-4-restart$/);
  // The status bar follows the restarted machine (it used to stay at "starting").
  await expect(page.getByText('Machine: ready')).toBeVisible();
});

test('the guest tty follows the terminal size', async ({ page, terminal }) => {
  const sizeLabel = page.getByLabel('Terminal size');
  const sizeOf = async (): Promise<{ cols: number; rows: number }> => {
    const [cols, rows] = ((await sizeLabel.textContent()) ?? '').split('×').map(Number);
    return { cols: cols ?? 0, rows: rows ?? 0 };
  };
  let attempt = 0;
  const checkGuestSize = async (): Promise<void> => {
    await expect(async () => {
      const tag = `t${++attempt}`;
      // Repeated until the size has settled and reached the guest; each try prints a fresh line.
      const { cols, rows } = await sizeOf();
      await terminal.run(`echo "=$(stty size)=${tag}"`);
      const [, guestRows, guestCols] = await terminal.waitForLine(new RegExp(`^=(\\d+) (\\d+)=${tag}$`), 5_000);
      expect({ cols: Number(guestCols), rows: Number(guestRows) }).toEqual({ cols, rows });
      expect(await sizeOf()).toEqual({ cols, rows });
    }).toPass({ timeout: 30_000 });
  };

  await checkGuestSize();
  const before = await sizeOf();
  await page.setViewportSize({ width: 820, height: 520 });
  await expect(async () => expect(await sizeOf()).not.toEqual(before)).toPass();
  await checkGuestSize();
});

test('paste from the clipboard types into the terminal', async ({ page, context, terminal }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.evaluate(() => navigator.clipboard.writeText('echo pasted-$((2+3))'));
  await terminal.focus();
  await page.keyboard.press('Control+Shift+V');
  await expect(async () => expect(await terminal.lastLine()).toContain('echo pasted-$((2+3))')).toPass();
  await page.keyboard.press('Enter');
  await terminal.waitForLine(/^pasted-5$/);
});

test('Ctrl+Shift+C copies the selection', async ({ page, context, terminal }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await terminal.run('echo copy-$((3*3))-me');
  await terminal.waitForLine(/^copy-9-me$/);
  // Double-click selects a word in xterm; the output line is a single word.
  const row = terminal.region.locator('.xterm-rows > div', { hasText: /^copy-9-me\s*$/ });
  // The row itself sits under xterm's screen layer, which takes the mouse; click at the row's place.
  const box = await row.boundingBox();
  expect(box).not.toBeNull();
  await page.mouse.dblclick(box!.x + 20, box!.y + box!.height / 2);
  await page.keyboard.press('Control+Shift+C');
  await expect(async () => expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('copy-9-me')).toPass();
});

test('a machine that stops answering shows the hung banner, and restart recovers it', async ({ page, terminal }) => {
  // Freezing the control agent is what a wedged guest looks like from the worker: pings go unanswered.
  await terminal.run('kill -STOP $(pidof drydock-agent)');
  const banner = page.getByRole('alert').filter({ hasText: 'The machine is not responding' });
  await expect(banner).toBeVisible();
  await banner.getByRole('button', { name: 'Restart now' }).click();
  await expect(banner).toBeHidden();
  await terminal.waitForPrompt();
  await terminal.run('echo alive-$((40+2))');
  await terminal.waitForLine(/^alive-42$/);
});
