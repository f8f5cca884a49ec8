/** A key written as `/pattern/flags`, matched as a JavaScript regular expression. */
export interface RegexKey {
  source: string;
  flags: string;
}

export type ParsedKey = { kind: 'plain' } | { kind: 'regex'; regex: RegexKey } | { kind: 'invalid'; reason: string };

const SHAPE = /^\/([\w\W]+?)\/([gimsuy]*)$/;
const UNESCAPED_SLASH = /(^|[^\\])\//;

/**
 * SillyTavern's rule for regex keys: the whole key is `/pattern/flags` with flags among g, i, m, s, u, y and no
 * unescaped `/` inside the pattern; anything else is a plain key. A key of that shape that does not compile is
 * invalid: it never matches and is reported (SillyTavern would have compared it as plain text, which in
 * practice never matches either).
 */
export function parseKey(key: string): ParsedKey {
  const match = SHAPE.exec(key);
  if (!match) return { kind: 'plain' };
  const pattern = match[1] as string;
  const flags = match[2] as string;
  if (UNESCAPED_SLASH.test(pattern)) return { kind: 'plain' };
  // `g` and `y` make test() stateful; every test here starts at 0, as a fresh RegExp does in SillyTavern.
  try {
    new RegExp(pattern, flags);
  } catch (error) {
    return { kind: 'invalid', reason: error instanceof Error ? error.message : String(error) };
  }
  return { kind: 'regex', regex: { source: pattern, flags } };
}

/** Characters that are literal when they stand alone in a pattern (anything else ends a literal run). */
const LITERAL = /[\p{L}\p{N} _,;:'"!@#%&=<>~`-]/u;
/**
 * Under `i`, only ASCII: JavaScript's case-insensitive matching makes "σ" match "ς" and "µ" match "μ", which
 * lower-casing does not, but never lets a character outside ASCII match one inside it.
 */
const ASCII_LITERAL = /[A-Za-z0-9 _,;:'"!@#%&=<>~`-]/;

/**
 * A substring every match of the regex must contain, when one is plain to see: the longest run of literal
 * characters at the top level of a pattern without top-level alternatives (`kalo\w*ian` must contain "kalo").
 * Lower-cased for the `i` flag. Used only to skip running a regex on text that cannot match it, so it errs on the
 * side of null: any escape, class, group or quantifier ends a run, and patterns with the `u` flag (whose
 * case-insensitive matching folds characters such as "ſ" to "s") get none.
 */
export function requiredLiteral(regex: RegexKey): string | null {
  if (regex.flags.includes('u')) return null;
  const literal = regex.flags.includes('i') ? ASCII_LITERAL : LITERAL;
  const source = regex.source;
  let depth = 0;
  let inClass = false;
  let best = '';
  let run = '';
  const end = () => {
    if (run.length > best.length) best = run;
    run = '';
  };
  if (source.length > 0 && !/[A-Za-z0-9]/.test(source)) return null;
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string;
    if (c === '\\') {
      end();
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      end();
      inClass = true;
    } else if (c === '(') {
      end();
      depth++;
    } else if (c === ')') {
      depth--;
    } else if (c === '|') {
      if (depth === 0) return null;
    } else if (depth === 0 && literal.test(c)) {
      const next = source[i + 1];
      // A character made optional or repeated from zero is not required; "c+" still is.
      if (next === '?' || next === '*' || next === '{') end();
      else run += c;
    } else {
      end();
    }
  }
  end();
  if (best.length < 2) return null;
  return regex.flags.includes('i') ? best.toLowerCase() : best;
}
