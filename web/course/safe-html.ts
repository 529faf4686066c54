// The browser's second line of defence for lesson HTML: DOMPurify over renderMarkdown's output (DOM needed).
import DOMPurify from 'dompurify';
import { renderMarkdown, type PackMarkdown } from './markdown.ts';

const FORBID_TAGS = ['style', 'form', 'input', 'button', 'iframe', 'object', 'embed', 'textarea', 'select'];

/** Markdown rendered and purified, for `{@html}`; `pack` for a lesson pack's text (see PackMarkdown). */
export function lessonHtml(markdown: string, pack?: PackMarkdown): string {
  // A pack's links open in a new tab (with rel=noopener noreferrer, written by the renderer) and its consented images
  // go without a referrer: DOMPurify drops both attributes unless told to keep them.
  const ADD_ATTR = pack ? ['target', 'referrerpolicy'] : [];
  return DOMPurify.sanitize(renderMarkdown(markdown, pack), { FORBID_TAGS, FORBID_ATTR: ['style'], ADD_ATTR });
}
