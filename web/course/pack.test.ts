// Lesson packs as untrusted input: the sample pack from a folder URL and as a .tar.gz, then hostile packs (script,
// javascript: links, remote images, `../` in a tar, links and devices, oversized archives and gzip bombs, bad hosts).
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { packTar } from 'modern-tar';
import { describe, expect, it } from 'vitest';
import { formatProblem } from './course-validate.ts';
import { listFiles } from './lesson-sources-node.ts';
import { renderMarkdown, type PackMarkdown } from './markdown.ts';
import { fetchPack, packFromArchive } from './pack-fetch.ts';
import { bundlePack } from './pack-node.ts';
import { PACK_LIMITS, PackError, packFromEntries, packImageHosts, type PackEntry } from './pack.ts';
import { readFileSync } from 'node:fs';

const SAMPLE = resolve(import.meta.dirname, '../../lessons/packs/sample');
const IMAGES = ['busybox', 'busybox:latest'];
const text = (s: string) => new TextEncoder().encode(s);

const LESSON = (body: string, front = '') => `---
title: Hostile
summary: A pack lesson that tries things.
minutes: 1
${front}---

${body}

## Do it

\`\`\`sh run
true
\`\`\`

\`\`\`check
- run: true
\`\`\`

\`\`\`hint
Just do it.
\`\`\`
`;

function pack(entries: PackEntry[]) {
  return packFromEntries(entries, { source: 'https://trainer.example/packs/p/', display: 'p', images: IMAGES });
}

async function refusal(promise: Promise<unknown> | (() => unknown)): Promise<string[]> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    if (error instanceof PackError) return error.problems.map(formatProblem);
    throw error;
  }
  throw new Error('the pack was not refused');
}

/** A static host over the sample folder: pack.json and each file by URL, with the request's options recorded. */
function folderHost(root: string, base: string) {
  const requests: { url: string; init: RequestInit | undefined }[] = [];
  const fetch = (async (input: URL | RequestInfo, init?: RequestInit) => {
    const url = String(input);
    requests.push({ url, init });
    const path = decodeURIComponent(url.slice(base.length));
    if (!url.startsWith(base) || !listFiles(root).includes(path)) return new Response('not found', { status: 404, statusText: 'Not Found' });
    return new Response(readFileSync(resolve(root, path)));
  }) as typeof globalThis.fetch;
  return { fetch, requests };
}

describe('the sample pack', () => {
  it('is checked by npm run pack: one lesson, two steps, busybox from the registry', async () => {
    const { pack, manifest, archive } = await bundlePack(SAMPLE, { images: IMAGES });
    expect(pack.problems.map(formatProblem)).toEqual([]);
    expect(pack.title).toBe('Sample pack');
    expect(pack.course.lessons.map((l) => [l.id, l.steps.length])).toEqual([['01-hello-pack', 2]]);
    expect(pack.images).toEqual(['busybox']);
    expect(manifest.files).toEqual(['01-hello-pack/lesson.md']);
    expect(archive.length).toBeGreaterThan(0);
    expect(packImageHosts(pack)).toEqual(['example.com']);
  });

  it('opens from its .tar.gz (top folder dropped) and from its folder URL, fetched without credentials or referrer', async () => {
    const { archive } = await bundlePack(SAMPLE, { images: IMAGES });
    const fromTar = await packFromArchive(archive, { source: 'file:sample.tar.gz', display: 'sample.tar.gz', images: IMAGES });
    expect(fromTar.problems).toEqual([]);
    expect(fromTar.course.lessons[0]?.title).toBe('Hello from a pack');

    const base = 'https://trainer.example/packs/sample/';
    const host = folderHost(SAMPLE, base);
    const fromFolder = await fetchPack('https://trainer.example/packs/sample', { images: IMAGES, fetch: host.fetch });
    expect(fromFolder.source).toBe(base);
    expect(fromFolder.course.lessons.map((l) => l.id)).toEqual(['01-hello-pack']);
    expect(host.requests.map((r) => r.url)).toEqual([`${base}pack.json`, `${base}01-hello-pack/lesson.md`]);
    for (const { init } of host.requests) expect(init).toMatchObject({ credentials: 'omit', referrerPolicy: 'no-referrer' });
  });

  it('is refused with located problems when a lesson breaks the rules lessons:check applies', async () => {
    const broken = LESSON('Intro.', 'start:\n  images: [mysql]\n').replace('```hint\nJust do it.\n```\n', '');
    const p = pack([{ path: 'p/01-bad/lesson.md', type: 'file', data: text(broken) }]);
    expect(p.course.lessons).toEqual([]);
    expect(p.problems.map(formatProblem)).toEqual([
      'p/01-bad/lesson.md:11: hint: step 1 has a check but no hint block (what to try while the check stays red)',
      'p/01-bad/lesson.md:2: start.images: "mysql" is not in the app\'s registry (busybox, busybox:latest)',
    ]);
  });
});

describe('hostile packs', () => {
  const md: PackMarkdown = { base: 'https://trainer.example/packs/p/', images: false, lessonHref: (id, step) => `#/pack=https://trainer.example/packs/p/!/lesson/${id}/${step}` };

  it('renders script, event handlers and javascript: links as inert text', () => {
    const html = renderMarkdown(
      '<script>alert(document.cookie)</script>\n\n[steal](javascript:alert(1)) <img src=x onerror=alert(1)> [j](jav&#x61;script:alert(1))',
      md,
    );
    expect(html).not.toMatch(/<(script|img)|href="javascript/i);
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('steal');
  });

  it('fetches no image before the learner agrees: raw <img src=https://...> is text, Markdown images are placeholders', () => {
    const raw = renderMarkdown('<img src="https://tracker.example/pixel.gif">', md);
    expect(raw).not.toMatch(/<img/);
    const asked = renderMarkdown('![who opened me](https://tracker.example/pixel.gif) ![local](pic.png)', md);
    expect(asked).not.toMatch(/<img/);
    expect(asked).toContain('Image “who opened me” from tracker.example, not loaded');
    expect(asked).toContain('Image “local” from trainer.example, not loaded');
    const agreed = renderMarkdown('![local](pic.png)', { ...md, images: true });
    expect(agreed).toBe('<p><img src="https://trainer.example/packs/p/pic.png" alt="local" referrerpolicy="no-referrer"></p>\n');
  });

  it("keeps links from navigating the page: lesson links stay in the pack, other routes are text, the web opens in a new tab", () => {
    const html = renderMarkdown('[next](#/lesson/01-x/2) [other pack](#/pack=https://evil.example/) [docs](https://docs.docker.com/) [rel](notes.html)', md);
    expect(html).toContain('<a href="#/pack=https://trainer.example/packs/p/!/lesson/01-x/2">next</a>');
    expect(html).not.toContain('evil.example');
    expect(html).toContain('<a href="https://docs.docker.com/" target="_blank" rel="noopener noreferrer">docs</a>');
    expect(html).toContain('<a href="https://trainer.example/packs/p/notes.html" target="_blank" rel="noopener noreferrer">rel</a>');
    // The app's own lessons render as before: no rewriting, no placeholders.
    expect(renderMarkdown('[s](#/lesson/01-x/2) ![i](https://a.example/i.png)')).toBe('<p><a href="#/lesson/01-x/2">s</a> <img src="https://a.example/i.png" alt="i"></p>\n');
  });

  it('refuses a tar whose paths leave the pack, and links or devices in it', async () => {
    const lesson = { header: { name: 'p/01-ok/lesson.md', size: 0 }, body: text(LESSON('ok')) };
    lesson.header.size = lesson.body.length;
    const evil = text('owned');
    const tar = await packTar([
      lesson,
      { header: { name: '../../etc/evil.md', size: evil.length }, body: evil },
      { header: { name: '/abs/evil.md', size: evil.length }, body: evil },
      { header: { name: 'p/link', type: 'symlink', linkname: '/etc/passwd', size: 0 } },
    ]);
    expect(await refusal(packFromArchive(tar, { source: 'file:p.tar', display: 'p.tar', images: IMAGES }))).toEqual([
      'p.tar/../../etc/evil.md:1: path: "../../etc/evil.md" is not a path inside the pack',
      'p.tar//abs/evil.md:1: path: "/abs/evil.md" is not a path inside the pack',
      'p.tar/p/link:1: path: a symlink: a pack holds only files and folders',
    ]);
  });

  it('refuses an oversized archive, a gzip bomb, too many files and binary files before parsing lessons', async () => {
    const big = new Uint8Array(PACK_LIMITS.bytes + 1);
    expect(await refusal(packFromArchive(big, { source: 'file:big.tar', display: 'big.tar', images: IMAGES }))).toEqual([
      `big.tar:1: size: more than ${PACK_LIMITS.bytes} bytes, more than a pack may have`,
    ]);
    // 40 MB of zeros gzip to ~40 kB: refused while inflating, at the limit.
    const bomb = gzipSync(new Uint8Array(40 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(100_000);
    expect(await refusal(packFromArchive(new Uint8Array(bomb), { source: 'file:bomb.tar.gz', display: 'bomb.tar.gz', images: IMAGES }))).toEqual([
      `bomb.tar.gz:1: size: more than ${PACK_LIMITS.bytes} bytes, more than a pack may have`,
    ]);
    const many = Array.from({ length: PACK_LIMITS.files + 1 }, (_, i) => ({ path: `01-x/files/f${i}`, type: 'file', data: text('x') }));
    expect(await refusal(() => pack(many))).toEqual([`p:1: size: ${PACK_LIMITS.files + 1} entries, more than a pack may have (${PACK_LIMITS.files})`]);
    expect(await refusal(() => pack([{ path: '01-x/lesson.md', type: 'file', data: new Uint8Array([0xff, 0xfe, 0x00]) }]))).toEqual([
      'p/01-x/lesson.md:1: file: not UTF-8 text (a pack holds lessons: Markdown and project files)',
    ]);
  });

  it('says where a fetch failed: a missing pack.json, a bad index, a URL that is not http(s)', async () => {
    const host = folderHost(SAMPLE, 'https://trainer.example/packs/sample/');
    expect(await refusal(fetchPack('https://trainer.example/packs/nothing/', { images: IMAGES, fetch: host.fetch }))).toEqual([
      'https://trainer.example/packs/nothing/pack.json:1: fetch: the host answered 404 Not Found',
    ]);
    expect(await refusal(fetchPack('javascript:alert(1)', { images: IMAGES, fetch: host.fetch }))).toEqual([
      'javascript:alert(1):1: url: javascript: URLs are not fetched; use http(s)',
    ]);
    const index = (files: unknown) => (async () => new Response(JSON.stringify({ format: 'drydock-pack', version: 1, files }))) as unknown as typeof fetch;
    expect(await refusal(fetchPack('https://t.example/p/', { images: IMAGES, fetch: index(['../../secret']) }))).toEqual([
      'p/pack.json:1: pack.json: "../../secret" is not a path inside the pack',
    ]);
  });
});
