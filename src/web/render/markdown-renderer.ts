import DOMPurify, { type DOMPurify as Purifier } from 'dompurify';
import { Marked } from 'marked';
import { safeStyle, safeUrlAttribute, URL_ATTRIBUTES } from './safe-style.js';

/**
 * Elements a message never needs: what runs, loads, submits or changes the whole page. DOMPurify already removes
 * script, event handlers and javascript: URLs. Layout stays: tables, <details>, <div>/<span> with inline styles
 * (filtered by safeStyle), as the status boxes of cards and regex scripts use them in SillyTavern.
 */
const FORBID_TAGS = [
  'script', 'style', 'form', 'input', 'button', 'textarea', 'select', 'option', 'iframe', 'frame', 'frameset', 'object',
  'embed', 'applet', 'portal', 'base', 'meta', 'link', 'noscript', 'template',
];
/** Attributes that would reach outside the message even on an allowed element. */
const FORBID_ATTR = ['formaction', 'action', 'srcset', 'ping', 'background', 'poster'];

/**
 * marked's time grows with the square of some inputs (with `breaks`, each space of a run looks ahead over the whole
 * run; runs of emphasis marks): 40,000 spaces took 4.6 s, a megabyte of them would hold the tab for most of an hour,
 * and a model can reply with such a run. Past these bounds a text is shown as written, which costs its length.
 */
const MARKDOWN_MAX_CHARS = 100_000;
const LONG_SPACE_RUN = / {1000}/;

/**
 * What chats are made of, once each: actions, speech, emphasis, lists, a quote, a heading, code, a link, a table,
 * inline HTML. Rendered once while the page waits for the network, it makes the markdown code and its regular
 * expressions ready (compiled) before the first messages arrive; cold, the first few messages cost tens of ms.
 */
const WARM_UP_TEXT = [
  '### A heading',
  '*She nods.* "Speech," she says, **strong**, _emphasis_, ~~struck~~, `code` and [a link](https://example.org).',
  '- an item\n- another, *still* here\n\n1. first\n2. second',
  '> a quote\nover two lines',
  '```\na block of code\n```',
  '| a | b |\n|---|---|\n| 1 | 2 |',
  'A line\nbroken, <span style="color: red">styled</span> <b>bold</b> &amp; ***both***.',
].join('\n\n');

/**
 * Markdown to HTML that is safe to insert: a card or a reply may contain <script>, onerror= or javascript: links,
 * and none of it may run. Made once per app (it holds a configured sanitizer), not per message.
 */
export class MarkdownRenderer {
  readonly #marked = new Marked({ gfm: true, breaks: true });
  readonly #purify: Purifier;
  readonly #document: Document;
  /**
   * Images from other sites tell whoever wrote the card or message who is reading it, and when. Unless the server
   * allows them (config allowRemoteImages, also written into its Content-Security-Policy), each one becomes a link.
   */
  remoteImages = false;
  /** Something has been rendered: the code is warm. */
  #warm = false;

  constructor(window: Window & typeof globalThis) {
    this.#document = window.document;
    this.#purify = DOMPurify(window);
    this.#purify.addHook('uponSanitizeAttribute', (_node, data) => {
      // fill="url(https://…)" fetches another site's document as a style's url() would.
      if (URL_ATTRIBUTES.has(data.attrName) && !safeUrlAttribute(data.attrValue)) data.keepAttr = false;
      if (data.attrName !== 'style') return;
      data.attrValue = safeStyle(data.attrValue);
      if (data.attrValue === '') data.keepAttr = false;
    });
    this.#purify.addHook('afterSanitizeAttributes', (node) => {
      // Links leave the app in a new tab and cannot reach back into it: HTML's <a> and an image map's <area>, and
      // SVG's <a> (its tagName is lower case, its address may be xlink:href), which would else replace the app's own
      // tab with whatever page the message chose.
      if ((node.localName === 'a' || node.localName === 'area') && (node.hasAttribute('href') || node.hasAttribute('xlink:href'))) {
        node.setAttribute('target', '_blank');
        node.setAttribute('rel', 'noopener noreferrer nofollow');
      }
    });
  }

  /** Renders a sample once, so the first real messages do not pay for cold code (see WARM_UP_TEXT). */
  warmUp(): void {
    if (!this.#warm) this.render(WARM_UP_TEXT);
  }

  render(text: string): string {
    this.#warm = true;
    const box = this.#document.createElement('div');
    const html = this.#parse(text);
    if (html === null) {
      box.append(this.#plainText(text));
      return box.innerHTML;
    }
    const fragment = this.#purify.sanitize(html, { FORBID_TAGS, FORBID_ATTR, RETURN_DOM_FRAGMENT: true });
    if (!this.remoteImages) this.#holdBackRemote(fragment);
    box.append(fragment);
    return box.innerHTML;
  }

  /** marked's HTML for the text, or null when the text is too costly (MARKDOWN_MAX_CHARS) or too deep to parse. */
  #parse(text: string): string | null {
    if (text.length > MARKDOWN_MAX_CHARS || LONG_SPACE_RUN.test(text)) return null;
    try {
      return this.#marked.parse(text, { async: false });
    } catch {
      // marked recurses once per nesting level: a few thousand nested quotes or lists (or a long run of emphasis
      // marks) overflow the stack, and a throw in a message's render would take the whole chat view down.
      return null;
    }
  }

  /** The text as it is written, in one paragraph, its line breaks kept, no markup read. */
  #plainText(text: string): HTMLElement {
    const paragraph = this.#document.createElement('p');
    text.split('\n').forEach((line, i) => {
      if (i > 0) paragraph.append(this.#document.createElement('br'));
      paragraph.append(line);
    });
    return paragraph;
  }

  /**
   * Nothing from another site loads: an <img> becomes a link to it; the other elements that fetch by themselves
   * (SVG's <image> and <feImage>, <video>, <audio> and their <source>/<track>) lose the remote address.
   */
  #holdBackRemote(fragment: DocumentFragment): void {
    for (const image of fragment.querySelectorAll('img')) if (this.#isRemote(image.getAttribute('src'))) this.#holdBack(image);
    for (const media of fragment.querySelectorAll('video, audio, source, track')) {
      if (this.#isRemote(media.getAttribute('src'))) media.removeAttribute('src');
    }
    for (const picture of fragment.querySelectorAll('image, feImage')) {
      for (const name of ['href', 'xlink:href']) if (this.#isRemote(picture.getAttribute(name))) picture.removeAttribute(name);
    }
  }

  /** An address on another site; data:, blob: and this server's own (relative) addresses tell nobody anything. */
  #isRemote(src: string | null): boolean {
    if (src === null || /^(data|blob):/i.test(src)) return false;
    const resolved = URL.canParse(src, this.#document.baseURI) ? new URL(src, this.#document.baseURI) : null;
    return !resolved || resolved.origin !== new URL(this.#document.baseURI).origin;
  }

  /** A remote image is replaced by a link to it: nothing is fetched until the reader chooses to open it. */
  #holdBack(image: HTMLImageElement): void {
    const src = image.getAttribute('src') ?? '';
    const link = this.#document.createElement('a');
    link.className = 'remote-image';
    link.href = src;
    link.target = '_blank';
    link.rel = 'noopener noreferrer nofollow';
    let host = src;
    try {
      host = new URL(src).host;
    } catch {
      // Not a URL at all: the link shows it as written.
    }
    link.textContent = `[image${image.alt ? `: ${image.alt}` : ''} — ${host}, not loaded]`;
    image.replaceWith(link);
  }
}
