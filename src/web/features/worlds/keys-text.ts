/**
 * Keys as the editor shows them: one line, comma-separated, as SillyTavern's key box reads them, except that a
 * comma inside a `/regex/flags` key belongs to the regex (`/a{1,3}/i, sword` is two keys).
 */
export function parseKeysText(text: string): string[] {
  const keys: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /[\s,]/.test(text[i] as string)) i++;
    if (i >= text.length) break;
    let end = i;
    if (text[i] === '/') {
      // A regex runs to an unescaped slash followed by flags and then a comma or the end.
      let j = i + 1;
      let closed = -1;
      while (j < text.length) {
        if (text[j] === '\\') j += 2;
        else if (text[j] === '/') {
          const flags = /^[gimsuy]*\s*(,|$)/.exec(text.slice(j + 1));
          if (flags) {
            closed = j + 1 + flags[0].length - (flags[1] === ',' ? 1 : 0);
            break;
          }
          j++;
        } else j++;
      }
      end = closed > 0 ? closed : text.indexOf(',', i) < 0 ? text.length : text.indexOf(',', i);
    } else {
      end = text.indexOf(',', i) < 0 ? text.length : text.indexOf(',', i);
    }
    const key = text.slice(i, end).trim();
    if (key) keys.push(key);
    i = end + 1;
  }
  return keys;
}

export const keysText = (keys: readonly string[]) => keys.join(', ');
