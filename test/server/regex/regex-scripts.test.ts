import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { parseFindRegex, RegexScript, scriptsFromFile, type RegexScriptInput } from '../../../src/shared/api/regex-scripts.js';
import type { MacroContext } from '../../../src/shared/macros.js';
import { runRegexScripts, scriptApplies, type RegexMoment } from '../../../src/server/regex/regex-scripts.js';
import { TimeLimitedRegex } from '../../../src/server/regex/time-limited-regex.js';

const runner = new TimeLimitedRegex();
after(() => runner.close());

const macros: MacroContext = { char: 'Seraphina', user: 'Ann', now: Date.UTC(2024, 8, 28), random: () => 0 };
const script = (s: RegexScriptInput) => RegexScript.parse({ placement: [1, 2], ...s });
const run = async (s: RegexScriptInput | RegexScriptInput[], text: string, moment: RegexMoment = 'stored', placement: 1 | 2 | 3 | 5 | 6 = 2, depth?: number) =>
  (await runRegexScripts(runner, (Array.isArray(s) ? s : [s]).map(script), moment, [{ text, placement, depth }], macros)).texts[0];

describe('regex scripts as SillyTavern runs them', () => {
  it('parses findRegex as SillyTavern does: /source/flags, or the whole text with no flag', () => {
    const cases: Array<[string, { source: string; flags: string } | null]> = [
      ['/a+b/gi', { source: 'a+b', flags: 'gi' }],
      ['/a\\/b/', { source: 'a\\/b', flags: '' }],
      ['cat', { source: 'cat', flags: '' }],
      // Flags that are not JavaScript's make the whole text the pattern.
      ['/x/q', { source: '/x/q', flags: '' }],
      ['/x/gg', { source: '/x/gg', flags: '' }],
      ['/(unclosed/g', null],
      ['', null],
    ];
    for (const [input, expected] of cases) assert.deepEqual(parseFindRegex(input), expected, input);
  });

  it('replaces with {{match}}, $0, $n, trims, macros and flags (table of cases)', async () => {
    const cases: Array<[RegexScriptInput, string, string]> = [
      // A plain pattern has no g flag: only the first match goes.
      [{ findRegex: 'cat', replaceString: 'dog' }, 'cat cat', 'dog cat'],
      [{ findRegex: '/cat/g', replaceString: 'dog' }, 'cat cat', 'dog dog'],
      [{ findRegex: '/CAT/gi', replaceString: '[{{match}}]' }, 'Cat cAt', '[Cat] [cAt]'],
      [{ findRegex: '/(\\w+)@(\\w+)/', replaceString: '$2 at $1 ($0)' }, 'me@home', 'home at me (me@home)'],
      // A group that did not take part, or one that does not exist, is empty.
      [{ findRegex: '/a(x)?b/', replaceString: '<$1|$5>' }, 'ab', '<|>'],
      // `$&` and `$$` are not special here (SillyTavern builds the text itself).
      [{ findRegex: '/b/', replaceString: '$&$$' }, 'abc', 'a$&$$c'],
      // Trim strings leave the inserted match, not the template.
      [{ findRegex: '/"[^"]*"/g', replaceString: '«{{match}}» "', trimStrings: ['"'] }, 'say "hi"', 'say «hi» "'],
      // Macros in the replacement and in the trim strings.
      [{ findRegex: '/hello/', replaceString: 'hello {{user}}, I am {{char}}' }, 'hello', 'hello Ann, I am Seraphina'],
      [{ findRegex: '/.+/', replaceString: '$0', trimStrings: ['{{char}}: '] }, 'Seraphina: hi', 'hi'],
      // Macros in the find pattern: none, raw, escaped.
      [{ findRegex: '/{{char}}/g', replaceString: 'X', substituteRegex: 0 }, 'Seraphina', 'Seraphina'],
      [{ findRegex: '/{{char}}/g', replaceString: 'X', substituteRegex: 1 }, 'Seraphina', 'X'],
      [{ findRegex: '/{{char}}/g', replaceString: 'X', substituteRegex: true }, 'Seraphina', 'X'],
      // Lookarounds and named groups work (V8's engine).
      [{ findRegex: '/(?<=a)b(?=c)/g', replaceString: 'B' }, 'abc abd', 'aBc abd'],
      [{ findRegex: '/(?<w>\\d+)/', replaceString: '#$1' }, 'x 42', 'x #42'],
      // Multiline and dotall flags.
      [{ findRegex: '/^- /gm', replaceString: '* ' }, '- a\n- b', '* a\n* b'],
      [{ findRegex: '/<think>.*<\\/think>/s', replaceString: '' }, '<think>a\nb</think>ok', 'ok'],
      // Disabled, or a pattern that does not compile: nothing changes.
      [{ findRegex: '/a/g', replaceString: 'b', disabled: true }, 'aa', 'aa'],
      [{ findRegex: '/(a/g', replaceString: 'b' }, 'aa', 'aa'],
    ];
    for (const [s, text, expected] of cases) assert.equal(await run(s, text), expected, JSON.stringify(s));
  });

  it('escapes what macros insert in the find pattern when substituteRegex is 2', async () => {
    const dotted = { ...macros, char: 'Dr. K (x)' };
    const s = script({ findRegex: '/{{char}}/g', replaceString: 'him', substituteRegex: 2 });
    assert.equal((await runRegexScripts(runner, [s], 'stored', [{ text: 'Dr. K (x) and DrX K x', placement: 2 }], dotted)).texts[0], 'him and DrX K x');
    const raw = script({ findRegex: '/{{char}}/g', replaceString: 'him', substituteRegex: 1 });
    // Raw: "." matches any character and "(x)" is a group, so the literal name is not found.
    assert.equal((await runRegexScripts(runner, [raw], 'stored', [{ text: 'Dr. K (x)', placement: 2 }], dotted)).texts[0], 'Dr. K (x)');
  });

  it('runs scripts in order, each on what the one before made', async () => {
    assert.equal(await run([{ findRegex: '/a/g', replaceString: 'b' }, { findRegex: '/b/g', replaceString: 'c' }], 'ab'), 'cc');
  });

  it('chooses scripts by placement × display/prompt only × moment × run on edit (table of cases)', () => {
    type Row = [Partial<RegexScriptInput>, RegexMoment, number, boolean];
    const rows: Row[] = [
      [{}, 'stored', 1, true],
      [{}, 'stored', 2, true],
      [{}, 'stored', 5, false], // not in placement [1, 2]
      [{}, 'display', 2, false], // the stored text was changed already
      [{}, 'prompt', 2, false],
      [{}, 'edit', 2, false],
      [{ runOnEdit: true }, 'edit', 2, true],
      [{ markdownOnly: true }, 'display', 2, true],
      [{ markdownOnly: true }, 'stored', 2, false],
      [{ markdownOnly: true }, 'prompt', 2, false],
      [{ promptOnly: true }, 'prompt', 2, true],
      [{ promptOnly: true }, 'stored', 2, false],
      [{ promptOnly: true }, 'display', 2, false],
      [{ markdownOnly: true, promptOnly: true }, 'display', 2, true],
      [{ markdownOnly: true, promptOnly: true }, 'prompt', 2, true],
      [{ markdownOnly: true, promptOnly: true }, 'stored', 2, false],
      // World info is only ever prompt text, and only prompt-only scripts change it (as in SillyTavern).
      [{ placement: [5] }, 'prompt', 5, false],
      [{ placement: [5], promptOnly: true }, 'prompt', 5, true],
      [{ placement: [6] }, 'stored', 6, true],
      [{ placement: [3] }, 'stored', 3, true],
      [{ disabled: true }, 'stored', 2, false],
      [{ findRegex: '' }, 'stored', 2, false],
    ];
    for (const [fields, moment, placement, expected] of rows) {
      const s = script({ findRegex: '/x/', ...fields });
      assert.equal(scriptApplies(s, moment, placement as 1, undefined), expected, `${JSON.stringify(fields)} ${moment} ${placement}`);
    }
  });

  it('bounds depth as SillyTavern does: 0 the newest, min -1 allowed, null or out of range no bound (table of cases)', () => {
    const rows: Array<[number | null, number | null, number | undefined, boolean]> = [
      [null, null, 0, true],
      [1, null, 0, false],
      [1, null, 1, true],
      [null, 2, 2, true],
      [null, 2, 3, false],
      [1, 3, 2, true],
      [-1, null, 0, true],
      [null, -1, 5, true], // a max below 0 is no bound
      [5, 1, undefined, true], // a text with no depth (a system prompt) ignores the bounds
    ];
    for (const [minDepth, maxDepth, depth, expected] of rows) {
      const s = script({ findRegex: '/x/', promptOnly: true, minDepth, maxDepth });
      assert.equal(scriptApplies(s, 'prompt', 2, depth), expected, `${minDepth}..${maxDepth} at ${depth}`);
    }
  });

  it('reads SillyTavern export files: one script or an array; anything else is refused', () => {
    const one = { id: 'a', scriptName: 'One', findRegex: '/a/', replaceString: 'b', placement: [2], extra: 'kept' };
    assert.equal(scriptsFromFile(one)?.[0]?.scriptName, 'One');
    assert.equal((scriptsFromFile(one)?.[0] as Record<string, unknown>).extra, 'kept');
    assert.equal(scriptsFromFile([one, one])?.length, 2);
    assert.equal(scriptsFromFile({ name: 'not a script' }), null);
    assert.equal(scriptsFromFile([]), null);
    // Fields of the wrong type read as their defaults.
    const odd = RegexScript.parse({ findRegex: '/a/', placement: 'x', minDepth: 'deep', disabled: 'yes' });
    assert.deepEqual([odd.placement, odd.minDepth, odd.disabled], [[], null, false]);
  });

  it('skips a catastrophic pattern and reports it, and the other scripts still run', async () => {
    const slowRunner = new TimeLimitedRegex({ perRegexMs: 50, perCallMs: 2_000 });
    try {
      const scripts = [
        script({ scriptName: 'Catastrophic', findRegex: '/(a+)+$/', replaceString: 'x' }),
        script({ scriptName: 'Fine', findRegex: '/b/', replaceString: 'B' }),
      ];
      const text = `b${'a'.repeat(40)}!`;
      const started = Date.now();
      const result = await runRegexScripts(slowRunner, scripts, 'stored', [{ text, placement: 2 }], macros);
      assert.ok(Date.now() - started < 1_500, `took ${Date.now() - started} ms`);
      assert.equal(result.texts[0], `B${'a'.repeat(40)}!`);
      assert.deepEqual(result.slow, ['Catastrophic']);
    } finally {
      await slowRunner.close();
    }
  });
});
