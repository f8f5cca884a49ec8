/**
 * What any JSON Parley accepts — a request body or a line of an imported file — must satisfy, so that what is
 * stored is exactly what was sent and every later read, export and merge of it works.
 */

/** Nesting of objects and arrays; real data stays under 10, and deeper values overflowed the stack downstream. */
export const MAX_JSON_DEPTH = 64;

export type TextProblem = 'lone_surrogate' | 'nul';

/**
 * Whether JSON text nests objects and arrays deeper than `max`, read from the text before it is parsed, so a
 * value 100,000 deep costs one linear pass and never a parse. Brackets inside strings do not count.
 */
export function jsonNestsDeeperThan(text: string, max = MAX_JSON_DEPTH): boolean {
  // Depth never exceeds the number of opening brackets, and most texts hold far fewer than `max`: counted with
  // indexOf, that is settled without reading the text character by character (imports check every line).
  if (occurrencesUpTo(text, '{', max) + occurrencesUpTo(text, '[', max) <= max) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: the next character is escaped, whatever it is
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

/** How often `char` occurs in `text`, counting no further than `limit` + 1. */
function occurrencesUpTo(text: string, char: string, limit: number): number {
  let count = 0;
  for (let i = text.indexOf(char); i >= 0 && count <= limit; i = text.indexOf(char, i + 1)) count++;
  return count;
}

const checkString = (s: string): TextProblem | null =>
  !s.isWellFormed() ? 'lone_surrogate' : s.includes('\u0000') ? 'nul' : null;

/**
 * The first string (value or key) of a parsed JSON value that a database would not store as sent: a lone UTF-16
 * surrogate (stored as U+FFFD) or a NUL character (refused by PostgreSQL). Iterative: depth does not matter.
 */
export function findTextProblem(value: unknown): TextProblem | null {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === 'string') {
      const problem = checkString(item);
      if (problem) return problem;
    } else if (Array.isArray(item)) {
      for (const element of item) stack.push(element);
    } else if (typeof item === 'object' && item !== null) {
      for (const [key, element] of Object.entries(item)) {
        const problem = checkString(key);
        if (problem) return problem;
        stack.push(element);
      }
    }
  }
  return null;
}

/** A copy of a parsed JSON value with each lone surrogate replaced by U+FFFD, in values and keys alike. */
export function withWellFormedText<T>(value: T): T {
  if (typeof value === 'string') return value.toWellFormed() as T;
  if (Array.isArray(value)) return value.map((item) => withWellFormedText(item)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key.toWellFormed(), withWellFormedText(item)]),
    ) as T;
  }
  return value;
}

/** Whether JSON text can hold a lone surrogate at all: only as a \u escape of D800-DFFF, or as such raw text. */
export const mayHoldLoneSurrogate = (text: string) => /\\u[dD][89a-fA-F]/.test(text) || !text.isWellFormed();
