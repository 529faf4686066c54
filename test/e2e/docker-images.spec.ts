// docker typed in the page's terminal reaches the engine in the emulator worker: pull from the static registry
// shipped with the app, list, push to the in-browser localhost:5000 registry.
import { expect, test } from './fixtures.ts';

test.beforeEach(async ({ page, terminal }) => {
  await page.goto('./');
  await expect(page.getByRole('heading', { name: 'drydock' })).toBeVisible();
  await terminal.waitForPrompt();
});

test('docker pull busybox, then docker images lists it', async ({ terminal }, testInfo) => {
  const t0 = Date.now();
  await terminal.run('docker pull busybox');
  await terminal.waitForLine(/^Status: Downloaded newer image for busybox:latest$/, 60_000);
  const pullMs = Date.now() - t0;
  testInfo.annotations.push({ type: 'timing', description: `docker pull busybox: ${pullMs} ms` });
  console.log(`[timing] docker pull busybox in Chromium: ${pullMs} ms`);
  await terminal.waitForPrompt();

  await terminal.run('docker images');
  await terminal.waitForLine(/^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
  await terminal.waitForLine(/^busybox\s+latest\s+[0-9a-f]{12}\s+.+ago\s+\d+(\.\d+)?[kM]B$/);
  await terminal.waitForPrompt();

  // the exit status reaches the guest shell
  await terminal.run('docker rmi nope; echo "status=$?"');
  await terminal.waitForLine(/^Error response from daemon: No such image: nope$/);
  await terminal.waitForLine(/^status=1$/);
});

test('docker login, tag and push to localhost:5000 (the in-browser registry)', async ({ terminal }) => {
  await terminal.run('docker pull -q busybox');
  await terminal.waitForLine(/^docker\.io\/library\/busybox:latest$/, 60_000);
  await terminal.waitForPrompt();

  await terminal.run('docker login -u me -p secret localhost:5000');
  await terminal.waitForLine(/^Login Succeeded$/);
  await terminal.waitForPrompt();

  await terminal.run('docker tag busybox localhost:5000/me/bb && docker push localhost:5000/me/bb');
  await terminal.waitForLine(/^latest: digest: sha256:[0-9a-f]+/, 60_000);
  await terminal.waitForPrompt();

  await terminal.run('docker rmi -f localhost:5000/me/bb busybox >/dev/null && docker pull localhost:5000/me/bb');
  await terminal.waitForLine(/^Status: Downloaded newer image for localhost:5000\/me\/bb:latest$/, 60_000);
});

test('docker pull debian (the largest common image shipped)', async ({ terminal }, testInfo) => {
  const t0 = Date.now();
  await terminal.run('docker pull debian');
  await terminal.waitForLine(/^Status: Downloaded newer image for debian:latest$/, 150_000);
  const pullMs = Date.now() - t0;
  testInfo.annotations.push({ type: 'timing', description: `docker pull debian: ${pullMs} ms` });
  console.log(`[timing] docker pull debian in Chromium: ${pullMs} ms`);
});

test('pulled images survive a restart and a page reload (OPFS store)', async ({ page, terminal }) => {
  await terminal.run('docker pull -q busybox');
  await terminal.waitForLine(/^docker\.io\/library\/busybox:latest$/, 60_000);
  await terminal.waitForPrompt();

  await page.getByRole('button', { name: 'Restart machine' }).click();
  // The header's restart asks first (a dialog in the page).
  await page.getByRole('dialog', { name: 'Restart the machine?' }).getByRole('button', { name: 'Restart' }).click();
  await expect(async () => expect(await terminal.screen()).not.toContain('docker.io/library/busybox:latest')).toPass();
  await terminal.waitForPrompt();
  await expect(page.getByRole('button', { name: 'Restart machine' })).toBeEnabled();
  // a new guest: the shim must have been attached to its agent again
  await terminal.run('docker images --format "img={{.Repository}}:{{.Tag}}"');
  await terminal.waitForLine(/^img=busybox:latest$/);

  await page.reload();
  await terminal.waitForPrompt();
  await terminal.run('docker images --format "again={{.Repository}}:{{.Tag}}"');
  await terminal.waitForLine(/^again=busybox:latest$/);
});
