import DOMPurify, { type DOMPurify as Purifier } from 'dompurify';
import { Marked } from 'marked';

/** Elements a message never needs; DOMPurify already removes script, event handlers and javascript: URLs. */
const FORBID_TAGS = ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'object', 'embed', 'base', 'meta', 'link'];

/**
 * Markdown to HTML that is safe to insert: a card or a reply may contain <script>, onerror= or javascript: links,
 * and none of it may run. Made once per app (it holds a configured sanitizer), not per message.
 */
export class MarkdownRenderer {
  readonly #marked = new Marked({ gfm: true, breaks: true });
  readonly #purify: Purifier;

  constructor(window: Window & typeof globalThis) {
    this.#purify = DOMPurify(window);
    this.#purify.addHook('afterSanitizeAttributes', (node) => {
      // Links leave the app in a new tab and cannot reach back into it.
      if (node.tagName === 'A' && node.hasAttribute('href')) {
        node.setAttribute('target', '_blank');
        node.setAttribute('rel', 'noopener noreferrer nofollow');
      }
    });
  }

  render(text: string): string {
    const html = this.#marked.parse(text, { async: false });
    return this.#purify.sanitize(html, { FORBID_TAGS, FORBID_ATTR: ['style'] });
  }
}
