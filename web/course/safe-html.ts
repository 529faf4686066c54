// The browser's second line of defence for lesson HTML: DOMPurify over renderMarkdown's output (DOM needed).
import DOMPurify from 'dompurify';
import { renderMarkdown } from './markdown.ts';

const FORBID_TAGS = ['style', 'form', 'input', 'button', 'iframe', 'object', 'embed', 'textarea', 'select'];

/** Markdown rendered and purified, for `{@html}`. */
export function lessonHtml(markdown: string): string {
  return DOMPurify.sanitize(renderMarkdown(markdown), { FORBID_TAGS, FORBID_ATTR: ['style'] });
}
