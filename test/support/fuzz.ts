import fc from 'fast-check';

/**
 * The fuzz suites' budget: about PARLEY_FUZZ_RUNS cases in all (20,000 by default, under two minutes in npm test),
 * each suite taking its share. A longer hunt: PARLEY_FUZZ_RUNS=200000 npm test test/server/fuzz/*.test.ts.
 * The seed is fixed so a run is repeatable; PARLEY_FUZZ_SEED explores elsewhere. A case that ever failed is kept
 * as an explicit test in fuzz-regressions.test.ts.
 */
export const FUZZ_TOTAL = Number(process.env.PARLEY_FUZZ_RUNS) || 20_000;
export const FUZZ_SEED = Number(process.env.PARLEY_FUZZ_SEED) || 20_261_207;

/** fast-check's parameters for a suite with this share of the budget. */
export function fuzzParameters(share: number): fc.Parameters<unknown> {
  return { seed: FUZZ_SEED, numRuns: Math.max(1, Math.round(FUZZ_TOTAL * share)), endOnFailure: true };
}

/** Text an attacker or a broken file would send: lone surrogates, NUL, control characters, path tricks, long runs. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    'tail \ud83d',
    '\udc00head',
    'nul\u0000inside',
    '\u202eevil',
    '../../etc/passwd',
    '..\\..\\windows',
    '%2e%2e%2f',
    '__proto__',
    'constructor',
    '{{user}}',
    '<script>alert(1)</script>',
    'x'.repeat(70_000),
    '\uFEFF',
    'null',
    '1e309',
  ),
);

/** JSON values with hostile leaves, nested up to a few levels (deep nesting has its own cases). */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileText,
    fc.integer(),
    fc.double(),
    fc.constantFrom(0, -1, 2 ** 53, -(2 ** 63), 1e308, true, false, null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(hostileText, fc.constantFrom('__proto__', 'constructor', 'type', 'id', 'opId')), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** A value nested `depth` levels deep. */
export function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { k: value };
  return value;
}

/** `base` with the value at one of its key paths (chosen by `pick`) replaced by `replacement`. */
export function mutateAt(base: unknown, pick: number, replacement: unknown): unknown {
  const paths: (string | number)[][] = [];
  const walk = (value: unknown, path: (string | number)[]) => {
    paths.push(path);
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i]));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
  };
  walk(base, []);
  const path = paths[pick % paths.length]!;
  if (path.length === 0) return replacement;
  const copy = structuredClone(base) as Record<string | number, unknown>;
  let target = copy;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
  target[path.at(-1)!] = replacement;
  return copy;
}
