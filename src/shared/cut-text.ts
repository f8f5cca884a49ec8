/**
 * The first `max` UTF-16 units of a text, one fewer where the cut would split a character in two: a lone surrogate
 * is not text (SQLite would store broken UTF-8, PostgreSQL a U+FFFD, encodeURIComponent throws).
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\uD800-\uDBFF]/.test(text[max - 1]!) ? max - 1 : max;
  return text.slice(0, end);
}
