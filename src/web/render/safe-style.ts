/*
 * What a style attribute in a message or card may keep. Cards and regex scripts draw status boxes and tables with
 * inline styles (SillyTavern shows them), so `style` is allowed, one declaration at a time: a declaration that could
 * load something (url(), image-set(), @import), run something (expression(), behavior, -moz-binding, javascript:),
 * hide its words from this filter (a backslash escape, a comment) or lift itself over the app (position: fixed or
 * sticky) is dropped. The page's Content-Security-Policy refuses remote loads even if one got through.
 */
const DANGER = /url\s*\(|image-set\s*\(|(?:^|[^-])image\s*\(|expression\s*\(|@import|behavio(?:u)?r\s*:|-moz-binding|javascript:|\\|\/\*/i;
const LIFTED = /^\s*position\s*:\s*(fixed|sticky)\b/i;

/** The declarations of `style` that are safe, joined again; '' when none is. */
export function safeStyle(style: string): string {
  return style
    .split(';')
    .map((d) => d.trim())
    .filter((d) => d !== '' && d.includes(':') && !DANGER.test(d) && !LIFTED.test(d))
    .join('; ');
}
