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

/**
 * How a lesson pack's Markdown is rendered (lessons shipped with the app need none of this): its relative URLs resolve
 * against the pack's URL, its images are placeholders until the learner consents (an image fetched on sight would
 * tell the pack's host who opened it), its links open in a new tab without a referrer, and of the page's own routes
 * only lesson links stay, re-pointed at the pack's lessons.
 */
export interface PackMarkdown {
  /** the pack's URL; undefined for a pack opened from a file (its relative URLs then lead nowhere) */
  base: string | undefined;
  /** the learner said yes to the pack's images */
  images: boolean;
  lessonHref: (id: string, step: number) => string;
}

const LESSON_LINK = /^#\/lesson\/([a-z0-9-]+)(?:\/(\d+))?\/?$/;

function resolveUrl(href: string, base: string | undefined): string | undefined {
  try {
    return base === undefined ? new URL(href).href : new URL(href, base).href;
  } catch {
    return undefined;
  }
}

/** The host an image would be fetched from, for the placeholder and the consent question. */
export function imageHost(href: string, base: string | undefined): string | undefined {
  const url = resolveUrl(href, base);
  return url === undefined ? undefined : new URL(url).host;
}

function createMarked(pack: PackMarkdown | undefined): Marked {
  return new Marked({
    gfm: true,
    async: false,
    renderer: {
      // Raw HTML, block or inline, becomes visible text: lessons have no need for it and it is the way in for scripts.
      html(token: Tokens.HTML | Tokens.Tag): string {
        return escapeHtml(token.text);
      },
      link(token: Tokens.Link): string | false {
        const text = this.parser.parseInline(token.tokens);
        if (!isSafeUrl(token.href)) return text;
        if (!pack) return false;
        if (token.href.startsWith('#')) {
          const lesson = LESSON_LINK.exec(token.href);
          return lesson ? `<a href="${escapeHtml(pack.lessonHref(lesson[1] ?? '', Number(lesson[2] ?? 1)))}">${text}</a>` : text;
        }
        const url = token.href.startsWith('mailto:') ? token.href : resolveUrl(token.href, pack.base);
        if (url === undefined) return text;
        const title = token.title ? ` title="${escapeHtml(token.title)}"` : '';
        return `<a href="${escapeHtml(url)}"${title} target="_blank" rel="noopener noreferrer">${text}</a>`;
      },
      image(token: Tokens.Image): string | false {
        if (!isSafeUrl(token.href)) return escapeHtml(token.text);
        if (!pack) return false;
        const url = resolveUrl(token.href, pack.base);
        const host = url === undefined ? undefined : new URL(url).host;
        if (!pack.images || url === undefined) {
          const from = host ? ` from ${host}` : '';
          return `<span class="pack-image">Image “${escapeHtml(token.text)}”${escapeHtml(from)}, not loaded</span>`;
        }
        return `<img src="${escapeHtml(url)}" alt="${escapeHtml(token.text)}" referrerpolicy="no-referrer">`;
      },
      // A wide block scrolls inside itself: tabindex lets a keyboard user scroll it too (axe: scrollable-region-focusable).
      code(token: Tokens.Code): string {
        const lang = token.lang ? ` class="language-${escapeHtml(token.lang.split(/\s/)[0] ?? '')}"` : '';
        return `<pre tabindex="0"><code${lang}>${escapeHtml(token.text)}\n</code></pre>\n`;
      },
    },
  });
}

const marked = createMarked(undefined);
const packMarked = new WeakMap<PackMarkdown, Marked>();

/** Markdown to HTML with no scripts, event handlers or dangerous URLs; `pack` for a lesson pack's (untrusted) text. */
export function renderMarkdown(markdown: string, pack?: PackMarkdown): string {
  if (!pack) return marked.parse(markdown, { async: false });
  let instance = packMarked.get(pack);
  if (!instance) packMarked.set(pack, (instance = createMarked(pack)));
  return instance.parse(markdown, { async: false });
}

/** The URLs of a text's images (`![alt](url)`), as written. */
export function markdownImages(markdown: string): string[] {
  const urls: string[] = [];
  marked.walkTokens(marked.lexer(markdown), (token) => {
    if (token.type === 'image') urls.push((token as Tokens.Image).href);
  });
  return urls;
}
