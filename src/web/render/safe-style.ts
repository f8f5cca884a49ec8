/*
 * What a style attribute in a message or card may keep. Cards and regex scripts draw status boxes and tables with
 * inline styles (SillyTavern shows them), so `style` is allowed, one declaration at a time: a declaration that could
 * load something (url(), image-set(), @import), run something (expression(), behavior, -moz-binding, javascript:),
 * hide its words from this filter (a backslash escape, a comment) or lift itself over the app (position: fixed or
 * sticky) is dropped. The page's Content-Security-Policy refuses remote loads even if one got through.
 */
const DANGER = /url\s*\(|image-set\s*\(|(?:^|[^-])image\s*\(|expression\s*\(|@import|behavio(?:u)?r\s*:|-moz-binding|javascript:|\\|\/\*/i;
const LIFTED = /^\s*position\s*:\s*(fixed|(?:-webkit-)?sticky)\b/i;

/** The declarations of `style` that are safe, joined again; '' when none is. */
export function safeStyle(style: string): string {
  return style
    .split(';')
    .map((d) => d.trim())
    .filter((d) => d !== '' && d.includes(':') && !DANGER.test(d) && !LIFTED.test(d))
    .join('; ');
}

/** SVG's attributes that take a CSS url() (paint, filter, mask, clip, markers, cursor). */
export const URL_ATTRIBUTES = new Set(['fill', 'stroke', 'filter', 'mask', 'clip-path', 'marker-start', 'marker-mid', 'marker-end', 'cursor']);
/** A url() that is not a reference inside the document (url(#id)), or a backslash escape that could hide one. */
const OUTSIDE_REFERENCE = /url\s*\((?!\s*['"]?#)|\\/i;

/**
 * Whether the value of one of URL_ATTRIBUTES stays inside the message: `fill="url(#shade)"` does, but
 * `fill="url(https://…/p.svg#p)"` makes the browser fetch another site's document, as a style's url() would.
 */
export function safeUrlAttribute(value: string): boolean {
  return !OUTSIDE_REFERENCE.test(value);
}
