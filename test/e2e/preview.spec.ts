// A port of the machine in the page: a server in the guest shown in the preview pane (through the port service worker
// and the worker's TCP into the guest), edited and reloaded, opened in a second tab, gone after "Restart machine".
import type { Page } from '@playwright/test';
import { expect, test, type TerminalDriver } from './fixtures.ts';

const PORT = 8080;

/** A small site with a stylesheet and a script that use absolute paths, served by busybox httpd on eth0:8080. */
async function serveSite(terminal: TerminalDriver, version: string): Promise<void> {
  await terminal.run(
    `mkdir -p /tmp/site && cd /tmp/site && echo 'h1{color:rgb(1, 2, 3)}' > style.css && echo 'data-${version}' > data.txt && ` +
      `echo '<!doctype html><link rel=stylesheet href=/style.css><h1>site ${version}</h1><p id=d></p>` +
      `<script>fetch("/data.txt").then(r=>r.text()).then(t=>document.getElementById("d").textContent=t.trim())</script>' > index.html && ` +
      // a folder linked without its last slash: the server redirects to /sub/
      `mkdir -p sub && echo '<h1>sub page</h1>' > sub/index.html && sed -i 's|</h1>|</h1><a href=sub>sub</a>|' index.html && ` +
      // a CGI script that answers a form POST with what it read
      `mkdir -p cgi-bin && printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho "got $(cat)"\\n' > cgi-bin/form && chmod +x cgi-bin/form && ` +
      `(busybox httpd -p ${PORT} -h /tmp/site 2>/dev/null; echo server-$((40+2)))`,
  );
  await terminal.waitForLine(/^server-42$/);
  await terminal.waitForPrompt();
}

function previewFrame(page: Page) {
  return page.frameLocator(`iframe[title="Port ${PORT} of the machine"]`);
}

test('a server in the machine is previewed beside the terminal, in a new tab, and is gone after a restart', async ({ page, context, terminal, baseURL, problems }) => {
  await page.goto('./');
  await terminal.waitForPrompt();
  await serveSite(terminal, 'one');

  // Preview it: the page, its absolute-path stylesheet and its fetch('/data.txt') all come from port 8080.
  await page.getByRole('spinbutton', { name: 'Port to preview' }).fill(String(PORT));
  await page.getByRole('button', { name: 'Preview', exact: true }).click();
  const frame = previewFrame(page);
  await expect(frame.getByRole('heading', { name: 'site one' })).toBeVisible();
  await expect(frame.locator('#d')).toHaveText('data-one');
  await expect(frame.getByRole('heading')).toHaveCSS('color', 'rgb(1, 2, 3)');

  // A form POST from the page reaches the server's CGI script.
  const inFrame = page.frames().find((f) => f.url().includes(`/ports/${PORT}/`));
  const posted = await inFrame!.evaluate(async () => {
    const response = await fetch('cgi-bin/form', { method: 'POST', body: new URLSearchParams({ name: 'drydock', lesson: 'ports' }) });
    return `${response.status} ${(await response.text()).trim()}`;
  });
  expect(posted).toBe('200 got name=drydock&lesson=ports');

  // The learner edits the page; a reload shows the edit.
  await terminal.run(`sed -i 's/site one/site two/' /tmp/site/index.html && echo edited-$((1+1))`);
  await terminal.waitForLine(/^edited-2$/);
  await page.getByRole('button', { name: 'Reload the preview' }).click();
  await expect(frame.getByRole('heading', { name: 'site two' })).toBeVisible();

  // The server's redirect (/sub -> /sub/) stays inside the preview, and the pane's address follows it.
  await frame.getByRole('link', { name: 'sub' }).click();
  await expect(frame.getByRole('heading', { name: 'sub page' })).toBeVisible();
  expect(page.frames().find((f) => f.url().includes(`/ports/${PORT}/`))?.url()).toBe(`${baseURL}ports/${PORT}/sub/`);
  await expect(page.getByText(`localhost:${PORT}/sub/`)).toBeVisible();

  // A second tab on <base>/ports/8080/ is served by this tab's machine.
  const link = page.getByRole('link', { name: 'Open in new tab' });
  expect(await link.getAttribute('href')).toBe(`${baseURL}ports/${PORT}/sub/`);
  const tab = await context.newPage();
  await tab.goto(`ports/${PORT}/`);
  await expect(tab.getByRole('heading', { name: 'site two' })).toBeVisible();
  await expect(tab.locator('#d')).toHaveText('data-one');

  // After "Restart machine" the server is gone: the preview says so instead of hanging.
  await page.getByRole('button', { name: 'Restart machine' }).click();
  // The header's restart asks first (a dialog in the page).
  await page.getByRole('dialog', { name: 'Restart the machine?' }).getByRole('button', { name: 'Restart' }).click();
  await terminal.waitForPrompt();
  await expect(page.getByRole('button', { name: 'Restart machine' })).toBeEnabled();
  await expect(frame.getByRole('heading')).toHaveText(`Port ${PORT}: Nothing listens on this port`);
  await expect(frame.getByText('connection refused')).toBeVisible();
  // Chromium logs the preview's 502 (Bad Gateway, as from a proxy) as a console error: expected here, and only here.
  const badGateway = 'console.error: Failed to load resource: the server responded with a status of 502 ()';
  expect(problems.errors).toContain(badGateway);
  problems.errors.splice(0, problems.errors.length, ...problems.errors.filter((e) => e !== badGateway));

  // Until the server runs again (a reload stays at the page the pane was on).
  await serveSite(terminal, 'three');
  await page.getByRole('button', { name: 'Reload the preview' }).click();
  await expect(frame.getByRole('heading', { name: 'sub page' })).toBeVisible();

  // With no drydock tab left, the preview tab says why it has nothing to show.
  await page.close();
  await tab.reload();
  await expect(tab.getByRole('heading')).toHaveText(`Port ${PORT}: No drydock machine is running`);
  await tab.close();
});

test('docker run -p publishes a container port: the page lists it, previews it, and follows the learner edits', async ({ page, terminal, problems }) => {
  await page.goto('./');
  await terminal.waitForPrompt();
  await terminal.run(
    `mkdir -p /root/app/site && echo '<h1>hello from nginx</h1>' > /root/app/site/index.html && ` +
      `docker run -d --name web -p ${PORT}:80 -v /root/app/site:/usr/share/nginx/html:ro nginx >/dev/null && echo started-$((40+2))`,
  );
  await terminal.waitForLine(/^started-42$/, 120_000);
  await terminal.waitForPrompt();

  // The strip lists the published port with its container; nginx answers once it has started.
  const published = page.getByRole('navigation', { name: 'Published ports' }).getByRole('button', { name: `${PORT} → web (nginx)` });
  await expect(published).toBeVisible();
  await published.click();
  const frame = previewFrame(page);
  await expect(async () => {
    await page.getByRole('button', { name: 'Reload the preview' }).click();
    await expect(frame.getByRole('heading', { name: 'hello from nginx' })).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 90_000 });

  // The guest reaches the same port on localhost (docker-proxy), as on a Docker host.
  await terminal.run(`wget -qO- http://localhost:${PORT}/ | sed 's/^/got: /'`);
  await terminal.waitForLine(/^got: <h1>hello from nginx<\/h1>$/);

  // An edit of the bound site shows after a reload.
  await terminal.run(`echo '<h1>edited by the learner</h1>' > /root/app/site/index.html && echo edited-$((1+1))`);
  await terminal.waitForLine(/^edited-2$/);
  await page.getByRole('button', { name: 'Reload the preview' }).click();
  await expect(frame.getByRole('heading', { name: 'edited by the learner' })).toBeVisible();

  // The container gone, the strip forgets the port and the preview says nothing listens.
  await terminal.run('docker rm -f web >/dev/null && echo removed-$((1+2))');
  await terminal.waitForLine(/^removed-3$/);
  await expect(published).toBeHidden();
  await page.getByRole('button', { name: 'Reload the preview' }).click();
  await expect(frame.getByRole('heading')).toHaveText(`Port ${PORT}: Nothing listens on this port`);
  const badGateway = 'console.error: Failed to load resource: the server responded with a status of 502 ()';
  problems.errors.splice(0, problems.errors.length, ...problems.errors.filter((e) => e !== badGateway));
});

test("docker compose's visit counter (lesson 20's app): its published port previewed, and the count goes up on reload", async ({ page, terminal, problems }) => {
  // a lesson start (busybox and redis pulled), a build and two services started: more than the default 3 minutes
  test.setTimeout(480_000);
  await page.goto('./#/lesson/20-compose/1');
  await expect(page.getByRole('status', { name: 'Lesson status' })).toHaveText('Ready', { timeout: 240_000 });
  // The lesson's project (Dockerfile, serve.sh, index.cgi) is in the editor; its first step writes compose.yaml.
  await page.getByRole('region', { name: '1. The app in one file' }).getByRole('button', { name: 'Open in editor' }).click();
  await terminal.waitForPrompt();
  await terminal.run('cd /root/app && docker compose up -d --build 2>/dev/null && echo up-$((40+2))');
  await terminal.waitForLine(/^up-42$/, 180_000);

  const published = page.getByRole('navigation', { name: 'Published ports' }).getByRole('button', { name: '8000 → app-web-1 (app-web)' });
  await published.click();
  const frame = page.frameLocator('iframe[title="Port 8000 of the machine"]');
  // redis needs a few seconds before the page can count: until then it says "no times"
  const count = frame.getByText(/^I have been seen \d+ times\.$/);
  await expect(async () => {
    await page.getByRole('button', { name: 'Reload the preview' }).click();
    await expect(count).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 90_000 });
  const seen = async () => Number(/seen (\d+) times/.exec((await count.textContent()) ?? '')?.[1]);
  const before = await seen();
  await page.getByRole('button', { name: 'Reload the preview' }).click();
  await expect(frame.getByText(`I have been seen ${before + 1} times.`)).toBeVisible();
  await page.getByRole('button', { name: 'Reload the preview' }).click();
  await expect(frame.getByText(`I have been seen ${before + 2} times.`)).toBeVisible();
  // a preview opened before the server in the container listened is a 502 (as from a proxy), logged by Chromium
  const badGateway = 'console.error: Failed to load resource: the server responded with a status of 502 ()';
  problems.errors.splice(0, problems.errors.length, ...problems.errors.filter((e) => e !== badGateway));
});
