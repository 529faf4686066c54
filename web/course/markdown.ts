// Lesson Markdown to HTML that is safe by construction: raw HTML is shown as text and only harmless URL schemes
// survive; no DOM needed (the browser adds DOMPurify on top, in safe-html.ts). Lessons and packs are untrusted.
import { Marked, type Tokens } from 'marked';

const SAFE_SCHEMES = new Set(['http', 'https', 'mailto']);

const NAMED_ENTITIES: Record<string, string> = { colon: ':', tab: '\t', newline: '\n', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes the entities a browser would decode in an attribute, so `jav&#x61;script:` is seen for what it is. */
function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);?/gi, (whole, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return Number.isFinite(code) && code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? whole;
  });
}

/** True for relative URLs, `#` links and http(s)/mailto; false for javascript:, data:, vbscript: and the like. */
export function isSafeUrl(href: string): boolean {
  // Browsers ignore ASCII whitespace and control characters inside a scheme (`java\tscript:`).
  let url = decodeEntities(href);
  try {
    url = decodeURIComponent(url);
  } catch {
    // not percent-encoded text: keep as is
  }
  url = url.replace(/[\u0000-\u0020\u007f-\u009f]/g, '').toLowerCase();
  const scheme = /^([a-z][a-z0-9+.-]*):/.exec(url);
  if (!scheme) return true;
  return SAFE_SCHEMES.has(scheme[1] ?? '');
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const marked = new Marked({
  gfm: true,
  async: false,
  renderer: {
    // Raw HTML, block or inline, becomes visible text: lessons have no need for it and it is the way in for scripts.
    html(token: Tokens.HTML | Tokens.Tag): string {
      return escapeHtml(token.text);
    },
    link(token: Tokens.Link): string | false {
      if (isSafeUrl(token.href)) return false;
      return this.parser.parseInline(token.tokens);
    },
    image(token: Tokens.Image): string | false {
      if (isSafeUrl(token.href)) return false;
      return escapeHtml(token.text);
    },
    // A wide block scrolls inside itself: tabindex lets a keyboard user scroll it too (axe: scrollable-region-focusable).
    code(token: Tokens.Code): string {
      const lang = token.lang ? ` class="language-${escapeHtml(token.lang.split(/\s/)[0] ?? '')}"` : '';
      return `<pre tabindex="0"><code${lang}>${escapeHtml(token.text)}\n</code></pre>\n`;
    },
  },
});

/** Markdown to HTML with no scripts, event handlers or dangerous URLs. */
export function renderMarkdown(markdown: string): string {
  return marked.parse(markdown, { async: false });
}
