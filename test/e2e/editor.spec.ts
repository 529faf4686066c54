// The editor pane against the real machine: Dockerfile mistakes marked while typing, files shared with the guest's
// /root/app both ways, edits surviving a reload, and Build typing `docker build` into the terminal.
import type { Locator, Page } from '@playwright/test';
import { expect, test, type TerminalDriver } from './fixtures.ts';

const BROKEN = 'FROM node\nWORKDIR /app\nFORM busybox\nEXPOSE 3000\n';
const FIXED = 'FROM node\nWORKDIR /app\nADD . /app\nEXPOSE 3000\n';

// Three columns (course, terminal, editor): wide enough that the terminal does not wrap the build's lines.
test.use({ viewport: { width: 1600, height: 900 } });

test.beforeEach(async ({ page, terminal }) => {
  await page.goto('./');
  await expect(page.getByRole('heading', { name: 'drydock' })).toBeVisible();
  await terminal.waitForPrompt();
});

async function openEditor(page: Page): Promise<Locator> {
  await page.getByRole('button', { name: 'Editor', exact: true }).click();
  const editor = page.getByRole('region', { name: 'Editor' });
  // Monaco is loaded on the first open; its text area appears once it is ready.
  await expect(editor.getByRole('textbox', { name: /File content/ })).toBeAttached();
  return editor;
}

/** Replaces the open file's text by typing it, the way a learner would. */
async function typeFile(page: Page, editor: Locator, text: string): Promise<void> {
  await editor.locator('.monaco-editor .view-lines').click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  // Line by line with Enter: Monaco's auto-indent then keeps column 1, as in a Dockerfile.
  for (const line of text.replace(/\n$/, '').split('\n')) {
    await page.keyboard.type(line);
    await page.keyboard.press('Enter');
  }
}

/** The open file's lines as Monaco shows them. */
async function shownText(editor: Locator): Promise<string> {
  return editor
    .locator('.monaco-editor .view-lines')
    .evaluate((el) => Array.from(el.children, (line) => (line.textContent ?? '').replace(/\u00a0/g, ' ')).join('\n'));
}

async function catInGuest(terminal: TerminalDriver, file: string, tag: string): Promise<void> {
  // Each attempt prints a fresh marker so an old screen cannot satisfy the wait.
  await terminal.run(`echo "=${tag}="; cat ${file}; echo "=end-${tag}="`);
}

test('Dockerfile mistakes are underlined while typing, and go away when fixed', async ({ page }, testInfo) => {
  const editor = await openEditor(page);
  const loadMs = await page.evaluate(() => performance.getEntriesByName('drydock:editor', 'measure')[0]?.duration ?? -1);
  testInfo.annotations.push({ type: 'timing', description: `editor load: ${Math.round(loadMs)} ms` });
  console.log(`[timing] editor open to Monaco ready: ${Math.round(loadMs)} ms`);

  const tree = editor.getByRole('tree', { name: 'Project files' });
  for (const name of ['Dockerfile', 'package.json', 'index.js', '.dockerignore']) {
    await expect(tree.getByRole('treeitem', { name, exact: true })).toBeVisible();
  }
  await expect(tree.getByRole('treeitem', { name: 'Dockerfile', exact: true })).toHaveAttribute('aria-current', 'page');

  await typeFile(page, editor, BROKEN);
  const problems = editor.getByRole('list', { name: 'Problems' });
  await expect(problems.getByRole('listitem').filter({ hasText: /^Line 3: unknown instruction: FORM/ })).toBeVisible();
  // The marker itself: Monaco draws error markers as squiggles in the editor.
  await expect(editor.locator('.squiggly-error')).not.toHaveCount(0);

  // Closing and opening again keeps the editor as it was (undo history included).
  await editor.getByRole('button', { name: 'Close editor' }).click();
  await expect(editor).toBeHidden();
  await page.getByRole('button', { name: 'Editor', exact: true }).click();
  await expect(problems.getByRole('listitem').filter({ hasText: /^Line 3: unknown instruction: FORM/ })).toBeVisible();

  await typeFile(page, editor, FIXED);
  await expect(editor.getByText('No problems in Dockerfile')).toBeVisible();
  await expect(editor.locator('.squiggly-error')).toHaveCount(0);
  expect(await shownText(editor)).toContain('ADD . /app');

  // Other files open from the tree, highlighted by their language's grammar (loaded on first use).
  await tree.getByRole('treeitem', { name: 'index.js', exact: true }).click();
  await expect(async () => expect(await shownText(editor)).toContain('http.createServer')).toPass();
  // A keyword drawn in another colour than plain text (mtk1) means the JavaScript grammar is in use.
  await expect(editor.locator('.view-lines span span', { hasText: /^const$/ }).first()).not.toHaveClass(/\bmtk1\b/);
  await expect(editor.getByText('No problems in Dockerfile')).toBeHidden();
});

test('files flow both ways between the editor and /root/app, and edits survive a reload', async ({ page, terminal }) => {
  const editor = await openEditor(page);
  const tree = editor.getByRole('tree', { name: 'Project files' });

  // The editor's example project is in the guest, through the symlink.
  await expect(editor.getByText('Synced with /root/app')).toBeVisible();
  await terminal.run('readlink /root/app; ls -A /root/app');
  await terminal.waitForLine(/^\/mnt\/host\/work$/);
  await terminal.waitForLine(/\.dockerignore\s+Dockerfile\s+index\.js\s+package\.json/);

  // A file made in the terminal appears in the tree.
  await terminal.run('echo hi > /root/app/x.txt && mkdir -p /root/app/src && echo "console.log(1)" > /root/app/src/util.js');
  await expect(tree.getByRole('treeitem', { name: 'x.txt', exact: true })).toBeVisible();
  await expect(tree.getByRole('treeitem', { name: 'util.js', exact: true })).toBeVisible();

  // An edit in the editor reaches the guest.
  await typeFile(page, editor, 'FROM busybox\nCMD echo edited-in-the-editor\n');
  let attempt = 0;
  await expect(async () => {
    const tag = `a${++attempt}`;
    await catInGuest(terminal, '/root/app/Dockerfile', tag);
    await terminal.waitForLine(new RegExp(`^=end-${tag}=$`), 5_000);
    expect(await terminal.screen()).toContain('CMD echo edited-in-the-editor');
  }).toPass({ timeout: 20_000 });

  // Deleting in the terminal removes it from the tree.
  await terminal.run('rm /root/app/x.txt');
  await expect(tree.getByRole('treeitem', { name: 'x.txt', exact: true })).toBeHidden();

  await page.reload();
  await terminal.waitForPrompt();
  // The pane remembers it was open; the edit and the guest-made file are still there.
  const again = page.getByRole('region', { name: 'Editor' });
  await expect(again.getByRole('textbox', { name: /File content/ })).toBeAttached();
  await expect(async () => expect(await shownText(again)).toContain('CMD echo edited-in-the-editor')).toPass();
  await expect(again.getByRole('treeitem', { name: 'util.js', exact: true })).toBeVisible();
  // ...and copied into the new machine's share.
  await expect(again.getByText('Synced with /root/app')).toBeVisible();
  await terminal.run('cat /root/app/src/util.js');
  await terminal.waitForLine(/^console\.log\(1\)$/);
});

test('files and folders made, renamed and deleted in the editor reach the guest', async ({ page, terminal }) => {
  const editor = await openEditor(page);
  const tree = editor.getByRole('tree', { name: 'Project files' });
  await expect(editor.getByText('Synced with /root/app')).toBeVisible();

  await editor.getByRole('button', { name: 'New file' }).click();
  await editor.getByRole('textbox', { name: 'New file name' }).fill('notes/todo.txt');
  await editor.getByRole('button', { name: 'Create' }).click();
  await expect(tree.getByRole('treeitem', { name: 'todo.txt', exact: true })).toHaveAttribute('aria-current', 'page');
  await typeFile(page, editor, 'ship the editor\n');
  await terminal.run('cat /root/app/notes/todo.txt');
  await terminal.waitForLine(/^ship the editor$/);

  await tree.getByRole('treeitem', { name: 'notes', exact: true }).click();
  await editor.getByRole('button', { name: 'Rename' }).click();
  await editor.getByRole('textbox', { name: 'New name' }).fill('done');
  await editor.getByRole('button', { name: 'Rename' }).last().click();
  await expect(tree.getByRole('treeitem', { name: 'done', exact: true })).toBeVisible();
  let attempt = 0;
  await expect(async () => {
    const tag = `r${++attempt}`;
    await terminal.run(`ls /root/app/done /root/app/notes 2>&1; echo =${tag}=`);
    await terminal.waitForLine(new RegExp(`^=${tag}=$`), 5_000);
    const screen = await terminal.screen();
    const output = screen.slice(screen.lastIndexOf(`ls /root/app/done`));
    expect(output).toContain('ls: /root/app/notes: No such file or directory');
    expect(output).toMatch(/^todo\.txt$/m);
  }).toPass({ timeout: 20_000 });

  page.once('dialog', (dialog) => void dialog.accept());
  await editor.getByRole('button', { name: 'Delete' }).click();
  await expect(tree.getByRole('treeitem', { name: 'done', exact: true })).toBeHidden();
  await expect(async () => {
    const tag = `d${++attempt}`;
    await terminal.run(`test -e /root/app/done && echo still-there-${tag} || echo gone-${tag}`);
    await terminal.waitForLine(new RegExp(`^gone-${tag}$`), 5_000);
  }).toPass({ timeout: 20_000 });
});

test('Reset to example brings the example project back', async ({ page }) => {
  const editor = await openEditor(page);
  await typeFile(page, editor, 'FROM scratch\n');
  page.once('dialog', (dialog) => void dialog.accept());
  await editor.getByRole('button', { name: 'Reset to example' }).click();
  await expect(async () => expect(await shownText(editor)).toContain('CMD npm start')).toPass();
});

test('Build types docker build into the terminal, the steps run, and docker images lists the image', async ({ page, terminal }, testInfo) => {
  // The example's `RUN npm install` starts node in the emulated CPU (minutes); a shell RUN shows the same steps sooner.
  test.setTimeout(300_000);
  const editor = await openEditor(page);
  await typeFile(page, editor, 'FROM node\nWORKDIR /app\nADD . /app\nRUN echo built-by-drydock > /app/built.txt\nCMD ["node", "index.js"]\n');
  await expect(editor.getByText('No problems in Dockerfile')).toBeVisible();
  await expect(editor.getByText('Synced with /root/app')).toBeVisible();

  const t0 = Date.now();
  await editor.getByRole('button', { name: 'Build' }).click();
  // Typed where the learner sees it, and the terminal has the keyboard again.
  await terminal.waitForLine(/# cd \/root\/app && docker build -t app \.$/);
  await expect(terminal.input).toBeFocused();
  await terminal.waitForLine(/\[\d+\/\d+\] RUN echo built-by-drydock/, 200_000);
  await terminal.waitForLine(/naming to docker\.io\/library\/app/, 200_000);
  await terminal.waitForPrompt();
  testInfo.annotations.push({ type: 'timing', description: `Build button to image: ${Date.now() - t0} ms` });
  console.log(`[timing] Build button to tagged image: ${Date.now() - t0} ms`);

  await terminal.run('docker images');
  await terminal.waitForLine(/^app\s+latest\s+[0-9a-f]{12}\s/);
  await terminal.run('docker run --rm app cat /app/built.txt');
  await terminal.waitForLine(/^built-by-drydock$/, 60_000);
});
