// <drydock-lab> in a docs page on another site: click to start, the example's command runs, the page drives the lab
// through the postMessage API, and a page of a third origin that frames the lab cannot.
import type { Page } from '@playwright/test';
import type { DrydockLabElement } from '../../web/embed/drydock-lab.ts';
import { expect, test } from './fixtures.ts';
import { serveDocs, type DocsSite } from './serve-docs.ts';

/** The docs site: the port after drydock's, named `localhost` so it is another site than drydock's 127.0.0.1. */
const DOCS_PORT = Number(process.env.DRYDOCK_E2E_PORT ?? 4317) + 1;
const DOCS_URL = `http://localhost:${DOCS_PORT}/docs/`;
/** A third origin, framed by the docs page; not on any lab's allowlist. */
const OTHER_URL = `http://127.0.0.1:${DOCS_PORT}/other.html`;

function docsPage(drydockBase: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Docs</title><link rel="icon" href="data:,">
<script type="module" src="${drydockBase}drydock-lab.js"></script></head>
<body>
<h1>Some docs</h1>
<drydock-lab id="one" commands="echo embedded-$((6*7))"></drydock-lab>
<drydock-lab id="two" commands="docker run hello-world"></drydock-lab>
<iframe id="other" title="other" src="${OTHER_URL}" width="900" height="420"></iframe>
</body></html>`;
}

let docs: DocsSite;

test.beforeAll(async ({ baseURL }) => {
  const blank = '<!doctype html><title>other</title><link rel="icon" href="data:,"><p>another origin</p>';
  docs = await serveDocs(DOCS_PORT, { '/docs/': docsPage(baseURL!), '/other.html': blank });
});

test.afterAll(() => docs.close());

/** The lab's terminal text, read through the element's API (postMessage to the frame and back). */
function readTerminal(page: Page, id: string): Promise<string> {
  return page.evaluate((selector) => document.querySelector<DrydockLabElement>(selector)!.readTerminal(), `#${id}`);
}

test('an example starts on click in a docs page of another origin and answers the API, only to that page', async ({ page, baseURL }) => {
  await page.goto(DOCS_URL);
  const one = page.locator('#one');
  // Click to start: nothing is framed (no machine boots) until the learner asks.
  await expect(one.getByText('$ echo embedded-$((6*7))')).toBeVisible();
  await expect(page.locator('drydock-lab iframe')).toHaveCount(0);
  await page.evaluate(() => {
    const w = window as unknown as { labEvents: string[] };
    w.labEvents = [];
    for (const type of ['drydock-ready', 'drydock-exit', 'drydock-failed']) {
      document.addEventListener(type, (event) => w.labEvents.push(`${(event.target as Element).id} ${type} ${JSON.stringify((event as CustomEvent).detail ?? null)}`));
    }
  });

  await one.getByRole('button', { name: 'Start' }).click();
  await expect(page.locator('drydock-lab iframe')).toHaveCount(1);
  const events = () => page.evaluate(() => (window as unknown as { labEvents: string[] }).labEvents);
  // The example's own command was typed at the prompt and came back (exit event), its output on the screen.
  await expect(async () => expect(await events()).toContain('one drydock-exit {"id":null,"command":"echo embedded-$((6*7))"}')).toPass({ timeout: 90_000 });
  expect(await events()).toContain('one drydock-ready null');
  expect(await readTerminal(page, 'one')).toMatch(/^embedded-42$/m);
  // The lab in the frame shows it too, as a person sees it.
  await expect(page.frameLocator('#one iframe').locator('.xterm-rows')).toContainText('embedded-42');

  // The docs page itself may: a command typed through the API, run in turn after anything queued before it.
  await page.evaluate(() => document.querySelector<DrydockLabElement>('#one')!.run('ls /root/app; echo api-$((7*6))'));
  const screen = await readTerminal(page, 'one');
  expect(screen).toMatch(/^api-42$/m);
  expect(screen).not.toContain('pwned-2');
  expect(screen).not.toMatch(/^pwned$/m);

  // Text that would act as keys is refused by the lab, with a reason; nothing is typed.
  const refused = await page.evaluate(() => document.querySelector<DrydockLabElement>('#one')!.run('echo a\rEVIL=1').then(() => 'accepted', (e: Error) => e.message));
  expect(refused).toContain('control character U+000D');
  expect(await readTerminal(page, 'one')).not.toContain('EVIL=1');

  // The second example never started: one machine on the page.
  await expect(page.locator('drydock-lab iframe')).toHaveCount(1);
  expect((await events()).filter((e) => e.startsWith('two '))).toEqual([]);

  // A page of a third origin frames the lab with an allowlist naming the docs site, and sends it well-formed
  // requests as its parent: its origin is not on the list, so they are ignored.
  const other = page.frame({ url: OTHER_URL })!;
  const config = encodeURIComponent(JSON.stringify({ origins: [new URL(DOCS_URL).origin] }));
  await other.evaluate((src) => {
    const frame = document.createElement('iframe');
    frame.id = 'forged';
    frame.src = src;
    frame.width = "860";
    frame.height = "360";
    document.body.append(frame);
  }, `${baseURL}lab.html#${config}`);
  const forgedLab = page.frameLocator('#other').frameLocator('#forged');
  await expect(async () => expect(await forgedLab.locator('.xterm-rows').innerText()).toMatch(/[#$]\s*$/)).toPass({ timeout: 60_000 });
  await other.evaluate(() => {
    const lab = document.querySelector<HTMLIFrameElement>('#forged')!.contentWindow!;
    lab.postMessage({ api: 'drydock-lab', version: 1, type: 'run', id: 1, command: 'echo pwned-$((1+1))' }, '*');
    lab.postMessage({ api: 'drydock-lab', version: 1, type: 'write-file', id: 2, path: 'pwned', text: 'x' }, '*');
  });
  // Typed after the messages were delivered: had they been obeyed, their line would be on the screen first.
  await forgedLab.getByRole('region', { name: 'Terminal' }).click();
  await expect(forgedLab.getByRole('textbox', { name: 'Terminal input' })).toBeFocused();
  await page.keyboard.type('ls /root/app; echo typed-$((2+3))');
  await page.keyboard.press('Enter');
  await expect(forgedLab.locator('.xterm-rows')).toContainText('typed-5');
  const forgedScreen = await forgedLab.locator('.xterm-rows').innerText();
  expect(forgedScreen).not.toContain('pwned-2');
  expect(forgedScreen).not.toMatch(/^pwned$/m);
});
