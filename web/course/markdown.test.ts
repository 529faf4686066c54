// The lesson Markdown renderer is safe by construction: XSS payloads come out as inert text.
import { describe, expect, it } from 'vitest';
import { isSafeUrl, renderMarkdown } from './markdown.ts';

const PAYLOADS = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<svg onload=alert(1)></svg>',
  '<a href="javascript:alert(1)">x</a>',
  '<iframe src="javascript:alert(1)"></iframe>',
  'Inline <b onmouseover="alert(1)">bold</b> text',
  '<details open ontoggle=alert(1)>',
  '[click](javascript:alert(1))',
  '[click](JaVaScRiPt:alert(1))',
  '[click](jav&#x61;script:alert(1))',
  '[click](java%0ascript:alert(1))',
  '[click](data:text/html,<script>alert(1)</script>)',
  '[click](vbscript:msgbox(1))',
  '![x](javascript:alert(1))',
  '<javascript:alert(1)>',
  '[x](https://ok.example "t\\" onmouseover=\\"alert(1)")',
  '```\n</code><script>alert(1)</script>\n```',
  '`<script>alert(1)</script>`',
];

/** What a browser would treat as script: a script/iframe element, an on* attribute, or a script URL in an attribute. */
function dangerous(rendered: string): string | undefined {
  // Quoted attribute values cannot start a handler; text between tags is inert.
  const html = rendered.replace(/"[^"]*"/g, '"v"').replace(/>[^<]*</g, '><');
  if (/<\s*(script|iframe|svg|object|embed|details|img[^>]*onerror)/i.test(html)) return 'element';
  if (/<[^>]*\son[a-z]+\s*=/i.test(html)) return 'handler';
  if (/<[^>]*(href|src)\s*=\s*["']?\s*(javascript|data|vbscript):/i.test(html)) return 'url';
  return undefined;
}

describe('renderMarkdown', () => {
  for (const payload of PAYLOADS) {
    it(`neutralises ${JSON.stringify(payload)}`, () => {
      const html = renderMarkdown(payload);
      expect(dangerous(html), html).toBeUndefined();
    });
  }

  it('keeps ordinary Markdown: emphasis, code, lists, safe links, step links', () => {
    const html = renderMarkdown('Some **bold** and `code`.\n\n- one\n- two\n\n[docs](https://docs.docker.com/) [next](#/lesson/04-layers/2)\n');
    expect(html).toContain('<strong>bold</strong>');
    expect(html).toContain('<code>code</code>');
    expect(html).toContain('<li>one</li>');
    expect(html).toContain('<a href="https://docs.docker.com/">docs</a>');
    expect(html).toContain('<a href="#/lesson/04-layers/2">next</a>');
  });

  it('shows raw HTML as text', () => {
    expect(renderMarkdown('a <b>b</b>')).toContain('&lt;b&gt;b&lt;/b&gt;');
  });

  it('classifies URLs', () => {
    for (const ok of ['https://x.example', 'http://x', 'mailto:a@b', '#/lesson/a/1', 'relative/path', '/abs', '//host/x']) expect(isSafeUrl(ok), ok).toBe(true);
    for (const bad of ['javascript:x', ' javascript:x', 'java\tscript:x', 'jav&#x61;script:x', 'data:text/html,x', 'vbscript:x', 'javascript&colon;x']) {
      expect(isSafeUrl(bad), bad).toBe(false);
    }
  });
});
