// Terminal tabs: "+" opens another root shell on the same machine. A container started and stopped from Terminal 2
// ends the `docker attach` running in Terminal 1; Terminal 2's pty has its xterm's size; closing it leaves no process.
import { expect, test } from './fixtures.ts';

test.beforeEach(async ({ page, terminal }) => {
  await page.goto('./');
  await expect(page.getByRole('heading', { name: 'drydock' })).toBeVisible();
  await terminal.waitForPrompt();
});

test('a second terminal stops a container that the first one is attached to, and closes cleanly', async ({ page, terminal }) => {
  const tab = (name: string) => page.getByRole('tab', { name, exact: true });
  // the status bar shows the size of the terminal shown
  const sizeLabel = page.getByLabel('Terminal size');

  await page.getByRole('button', { name: 'New terminal' }).click();
  await expect(tab('Terminal 2')).toHaveAttribute('aria-selected', 'true');
  // the driver reads the terminal that is shown: Terminal 2's now
  await expect(page.getByRole('region', { name: 'Terminal 2' })).toBeVisible();
  await terminal.waitForPrompt(30_000);
  expect(await terminal.lastLine()).toBe('root@drydock:~#'); // the screen's lines are trimmed

  // its pty has the size its xterm was fitted to (the status bar's), as the console does
  await expect(async () => {
    const [cols, rows] = ((await sizeLabel.textContent()) ?? '').split('×').map(Number);
    await terminal.run('echo "=$(stty size)=$(tty)="');
    const [, size, tty] = await terminal.waitForLine(/^=(\d+ \d+)=(\/dev\/pts\/\d+)=$/, 5_000);
    expect(tty).toMatch(/^\/dev\/pts\//);
    expect(size).toBe(`${rows} ${cols}`);
  }).toPass({ timeout: 30_000 });
  await terminal.run('echo "shell=$$"');
  const [, shellPid] = await terminal.waitForLine(/^shell=(\d+)$/);

  await terminal.run('docker run -d --name t2 busybox sleep 600');
  await terminal.waitForLine(/^[0-9a-f]{64}$/, 90_000);
  await terminal.waitForPrompt();

  // Terminal 1, the console: foreground work attached to the container
  await tab('Terminal 1').click();
  await expect(page.getByRole('region', { name: 'Terminal', exact: true })).toBeVisible();
  await terminal.run('docker attach t2; echo "attach-ended=$?"');
  await expect(async () => expect(await terminal.lastLine()).toContain('docker attach t2')).toPass();

  await tab('Terminal 2').click();
  await terminal.run('docker stop -t 1 t2');
  await terminal.waitForLine(/^t2$/, 30_000);
  await terminal.waitForPrompt();

  await tab('Terminal 1').click();
  await terminal.waitForLine(/^attach-ended=137$/, 30_000);
  await terminal.waitForPrompt();

  // closing Terminal 2 hangs its shell up: neither it nor drydock-init's process that waited for it is left
  // The keyboard's way to close a tab (the × beside it is the mouse's): Delete on the focused tab.
  // The strip is one Tab stop; the arrows move between tabs (WAI-ARIA's tabs pattern).
  await tab('Terminal 1').focus();
  await page.keyboard.press('ArrowRight');
  await expect(tab('Terminal 2')).toBeFocused();
  await expect(tab('Terminal 2')).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Delete');
  await expect(tab('Terminal 2')).toHaveCount(0);
  await expect(tab('Terminal 1')).toHaveAttribute('aria-selected', 'true');
  await terminal.run(
    `for i in $(seq 50); do kill -0 ${shellPid} 2>/dev/null || break; sleep 0.1; done; echo "left=$(ps -o pid,args | grep -cE "^ *${shellPid} |[d]rydock-init -c fork")"`,
  );
  await terminal.waitForLine(/^left=0$/, 15_000);
});

test('a restarted machine gives the second terminal a fresh shell', async ({ page, terminal }) => {
  await page.getByRole('button', { name: 'New terminal' }).click();
  await terminal.waitForPrompt(30_000);
  await terminal.run('echo "before=$((40+2))"');
  await terminal.waitForLine(/^before=42$/);

  await page.getByRole('button', { name: 'Restart machine' }).click();
  await page.getByRole('dialog', { name: 'Restart the machine?' }).getByRole('button', { name: 'Restart' }).click();
  // the tab stays, cleared, with a login shell of the new machine
  await expect(async () => expect(await terminal.screen()).not.toContain('before=42')).toPass();
  await expect(page.getByRole('tab', { name: 'Terminal 2', exact: true })).toHaveAttribute('aria-selected', 'true');
  await terminal.waitForPrompt(60_000);
  await terminal.run('echo "after=$((40+3))"');
  await terminal.waitForLine(/^after=43$/);
});
