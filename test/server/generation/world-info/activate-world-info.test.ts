import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { compile, fired, scan, scanEntries, seeded, sequence, sharedRegex, stEntry, stWorld } from '../../../support/world-books.js';

after(() => sharedRegex.close());

/** One case: entry fields, the chat (oldest first), settings; whether the entry fires. */
interface Case {
  name: string;
  entry: Record<string, unknown>;
  chat: string[];
  settings?: Record<string, unknown>;
  fires: boolean;
}

async function runCases(cases: Case[]) {
  for (const c of cases) {
    const result = await scanEntries([stEntry(0, { content: 'FIRED', ...c.entry })], { chat: c.chat, settings: c.settings ?? {} });
    assert.equal(fired(result).length === 1, c.fires, `${c.name}: expected ${c.fires ? 'to fire' : 'not to fire'}`);
  }
}

describe('world info: keys (key, caseSensitive, matchWholeWords, regex keys)', () => {
  test('plain keys, case and whole words, global defaults and per-entry overrides', async () => {
    await runCases([
      { name: 'a key in the last message', entry: { key: ['sword'] }, chat: ['I draw my sword.'], fires: true },
      { name: 'any of several keys', entry: { key: ['axe', 'sword'] }, chat: ['a sword'], fires: true },
      { name: 'no key present', entry: { key: ['axe'] }, chat: ['a sword'], fires: false },
      { name: 'no keys at all', entry: { key: [] }, chat: ['a sword'], fires: false },
      { name: 'case-insensitive by default', entry: { key: ['Dragon'] }, chat: ['a DRAGON'], fires: true },
      { name: 'global case sensitivity', entry: { key: ['Dragon'] }, chat: ['a DRAGON'], settings: { caseSensitive: true }, fires: false },
      { name: 'entry case-sensitive override', entry: { key: ['Dragon'], caseSensitive: true }, chat: ['a DRAGON'], fires: false },
      { name: 'entry case-insensitive over a sensitive global', entry: { key: ['Dragon'], caseSensitive: false }, chat: ['a DRAGON'], settings: { caseSensitive: true }, fires: true },
      { name: 'whole words by default (SillyTavern default on)', entry: { key: ['cat'] }, chat: ['a category'], fires: false },
      { name: 'whole word found', entry: { key: ['cat'] }, chat: ['the cat, sleeping'], fires: true },
      { name: 'whole words off globally', entry: { key: ['cat'] }, chat: ['a category'], settings: { matchWholeWords: false }, fires: true },
      { name: 'entry whole words off', entry: { key: ['cat'], matchWholeWords: false }, chat: ['a category'], fires: true },
      { name: 'entry whole words on over a global off', entry: { key: ['cat'], matchWholeWords: true }, chat: ['a category'], settings: { matchWholeWords: false }, fires: false },
      { name: 'several words match anywhere, even inside words (SillyTavern)', entry: { key: ['red dragon'] }, chat: ['bred dragonfly'], fires: true },
      { name: 'punctuation is a boundary', entry: { key: ['C++'] }, chat: ['I like C++!'], fires: true },
      { name: 'word boundaries are ASCII, as in SillyTavern: a stem finds its Cyrillic word', entry: { key: ['кот'] }, chat: ['котлета'], fires: true },
      { name: 'the key at the very start of the buffer', entry: { key: ['sword'] }, chat: ['sword!'], fires: true },
      { name: 'key surrounded by spaces is trimmed', entry: { key: ['  sword  '] }, chat: ['my sword'], fires: true },
    ]);
  });

  test('regex keys: /pattern/flags, matched against the joined buffer, overriding case and whole words', async () => {
    await runCases([
      { name: 'a regex', entry: { key: ['/dra(gon|ke)/'] }, chat: ['a drake'], fires: true },
      { name: 'regex is case-sensitive without i', entry: { key: ['/dragon/'] }, chat: ['a DRAGON'], fires: false },
      { name: 'regex with i', entry: { key: ['/dragon/i'] }, chat: ['a DRAGON'], fires: true },
      { name: 'regex ignores whole words', entry: { key: ['/cat/'] }, chat: ['category'], fires: true },
      { name: 'a regex sees the joined buffer, newest message first', entry: { key: ['/Seraphina: hello\\n\\u0001Ann: hi/'] }, chat: ['Ann: hi', 'Seraphina: hello'], fires: true },
      { name: '^ is the start of the buffer, which begins with a marker', entry: { key: ['/^sword/'] }, chat: ['sword'], fires: false },
      { name: 'y (sticky) only at the start: never', entry: { key: ['/sword/y'] }, chat: ['sword'], fires: false },
      { name: 'g does not carry state between tests', entry: { key: ['/sword/g', '/sword/g'] }, chat: ['sword'], fires: true },
      { name: 'an unescaped slash makes it a plain key', entry: { key: ['/a/b/'] }, chat: ['path /a/b/ here'], fires: true },
      { name: 'an unknown flag makes it a plain key', entry: { key: ['/x/v'] }, chat: ['/x/v'], fires: true },
    ]);
  });

  test('an invalid regex key never matches and is reported; the entry\'s other keys still work', async () => {
    const result = await scanEntries(
      [stEntry(0, { key: ['/(unclosed/'], content: 'A' }), stEntry(1, { key: ['/(unclosed/', 'sword'], content: 'B' })],
      { chat: ['(unclosed sword'] },
    );
    assert.deepEqual(fired(result), ['B']);
    assert.deepEqual(
      result.problems.map((p) => [p.uid, p.key, p.problem]),
      [
        ['0', '/(unclosed/', 'invalid_regex'],
        ['1', '/(unclosed/', 'invalid_regex'],
      ],
    );
  });

  test('a catastrophic regex key counts as not matching, is reported, and does not stall the scan', async () => {
    const started = Date.now();
    const result = await scanEntries(
      [stEntry(0, { key: ['/(a+)+$/'], content: 'SLOW' }), stEntry(1, { key: ['/a{3}/'], content: 'FAST' })],
      { chat: [`${'a'.repeat(40)}!`] },
    );
    assert.deepEqual(fired(result), ['FAST']);
    assert.deepEqual(result.problems.map((p) => [p.uid, p.problem]), [['0', 'slow_regex']]);
    assert.ok(Date.now() - started < 1_500, 'the scan went on after the time limit');
    // Remembered as slow: the next scan skips it at once.
    const again = Date.now();
    const second = await scanEntries([stEntry(0, { key: ['/(a+)+$/'], content: 'SLOW' })], { chat: [`${'a'.repeat(40)}!`] });
    assert.deepEqual(fired(second), []);
    assert.equal(second.problems[0]?.problem, 'slow_regex');
    assert.ok(Date.now() - again < 1_500);
  });

  test('keys with macros are expanded first ({{char}}, {{user}})', async () => {
    await runCases([
      { name: 'a {{char}} key', entry: { key: ['{{char}}'] }, chat: ['Seraphina smiles'], fires: true },
      { name: 'a regex with a macro', entry: { key: ['/{{user}} waves/i'] }, chat: ['ANN WAVES'], fires: true },
      { name: 'macro key absent', entry: { key: ['{{user}}'] }, chat: ['Seraphina smiles'], fires: false },
    ]);
  });
});

describe('world info: secondary keys and selective logic', () => {
  const entry = (logic: number, selective = true) => ({ key: ['sword'], keysecondary: ['red', 'sharp'], selectiveLogic: logic, selective });
  test('AND ANY (0), NOT ALL (1), NOT ANY (2), AND ALL (3); not selective ignores them', async () => {
    await runCases([
      { name: 'AND ANY, one secondary', entry: entry(0), chat: ['a red sword'], fires: true },
      { name: 'AND ANY, none', entry: entry(0), chat: ['a sword'], fires: false },
      { name: 'NOT ALL, one of two', entry: entry(1), chat: ['a red sword'], fires: true },
      { name: 'NOT ALL, both', entry: entry(1), chat: ['a red sharp sword'], fires: false },
      { name: 'NOT ANY, none', entry: entry(2), chat: ['a sword'], fires: true },
      { name: 'NOT ANY, one', entry: entry(2), chat: ['a sharp sword'], fires: false },
      { name: 'AND ALL, both', entry: entry(3), chat: ['a red sharp sword'], fires: true },
      { name: 'AND ALL, one', entry: entry(3), chat: ['a red sword'], fires: false },
      { name: 'not selective: secondary keys ignored', entry: entry(3, false), chat: ['a sword'], fires: true },
      { name: 'secondary keys alone never fire', entry: entry(0), chat: ['red sharp'], fires: false },
      { name: 'regex secondary key', entry: { key: ['sword'], keysecondary: ['/re+d/'], selective: true }, chat: ['a reeed sword'], fires: true },
    ]);
  });
});

describe('world info: constant, disabled, decorators, character filter', () => {
  test('constant fires without keys; disabled never fires', async () => {
    await runCases([
      { name: 'constant', entry: { constant: true }, chat: [], fires: true },
      { name: 'constant and disabled', entry: { constant: true, disable: true }, chat: [], fires: false },
      { name: 'disabled with its key present', entry: { key: ['sword'], disable: true }, chat: ['sword'], fires: false },
      { name: '@@activate decorator', entry: { content: '@@activate\nFIRED' }, chat: [], fires: true },
      { name: '@@dont_activate beats a key', entry: { key: ['sword'], content: '@@dont_activate\nFIRED' }, chat: ['sword'], fires: false },
      { name: 'character filter includes this character', entry: { constant: true, characterFilter: { names: ['Seraphina'], tags: [], isExclude: false } }, chat: [], fires: true },
      { name: 'character filter names another', entry: { constant: true, characterFilter: { names: ['Bob'], tags: [], isExclude: false } }, chat: [], fires: false },
      { name: 'character filter excludes this character', entry: { constant: true, characterFilter: { names: ['Seraphina'], tags: [], isExclude: true } }, chat: [], fires: false },
    ]);
  });

  test('decorator lines are not content', async () => {
    const result = await scanEntries([stEntry(0, { content: '@@activate\nThe lore.' })]);
    assert.deepEqual(fired(result), ['The lore.']);
  });
});

describe('world info: scan depth (global, per entry) and min activations', () => {
  const chat = ['sword here', 'nothing', 'nothing'];
  test('the global depth counts messages back from the newest; an entry may override it', async () => {
    await runCases([
      { name: 'depth 2 misses the third newest', entry: { key: ['sword'] }, chat, fires: false },
      { name: 'depth 3 finds it', entry: { key: ['sword'] }, chat, settings: { scanDepth: 3 }, fires: true },
      { name: 'entry depth 3 over global 2', entry: { key: ['sword'], scanDepth: 3 }, chat, fires: true },
      { name: 'entry depth 1 under global 3', entry: { key: ['sword'], scanDepth: 1 }, chat, settings: { scanDepth: 3 }, fires: false },
      { name: 'depth 0 scans nothing', entry: { key: ['sword'] }, chat: ['sword'], settings: { scanDepth: 0 }, fires: false },
      { name: 'entry depth 0 scans nothing', entry: { key: ['sword'], scanDepth: 0 }, chat: ['sword'], fires: false },
    ]);
  });

  test('min activations scan further back, one message at a time, until enough fired or the chat ends', async () => {
    const entries = [stEntry(0, { key: ['alpha'], content: 'A' }), stEntry(1, { key: ['beta'], content: 'B' }), stEntry(2, { key: ['gamma'], content: 'C' })];
    const history = ['gamma', 'beta', 'x', 'alpha', 'y'];
    const at = (settings: Record<string, unknown>) => scanEntries(entries, { chat: history, settings: { scanDepth: 1, recursive: false, ...settings } });
    assert.deepEqual(fired(await at({})), []);
    assert.deepEqual(fired(await at({ minActivations: 1 })), ['A']);
    assert.deepEqual(fired(await at({ minActivations: 2 })), ['A', 'B']);
    assert.deepEqual(fired(await at({ minActivations: 3 })), ['A', 'B', 'C']);
    // The depth limit stops the search: depth 3 reaches "beta" (index 3 from the end is beyond).
    assert.deepEqual(fired(await at({ minActivations: 3, minActivationsDepthMax: 3 })), ['A', 'B']);
    const steps = (await at({ minActivations: 3 })).activated.map((a) => a.stepKind);
    assert.deepEqual(steps, ['min_activations', 'min_activations', 'min_activations']);
  });
});

describe('world info: order and positions', () => {
  test('every position in its list; lowest order first, equal orders later-activated first; @depth by depth and role', async () => {
    const result = await scanEntries(
      [
        stEntry(0, { constant: true, content: 'before-200', order: 200, position: 0 }),
        stEntry(1, { constant: true, content: 'before-100', order: 100, position: 0 }),
        stEntry(2, { constant: true, content: 'after', position: 1 }),
        stEntry(3, { constant: true, content: 'an-top', position: 2 }),
        stEntry(4, { constant: true, content: 'an-bottom', position: 3 }),
        stEntry(5, { constant: true, content: 'depth2-user-a', position: 4, depth: 2, role: 1, order: 10 }),
        stEntry(6, { constant: true, content: 'depth2-user-b', position: 4, depth: 2, role: 1, order: 20 }),
        stEntry(7, { constant: true, content: 'depth2-system', position: 4, depth: 2, role: 0 }),
        stEntry(8, { constant: true, content: 'depth-default', position: 4, depth: null, role: null }),
        stEntry(9, { constant: true, content: 'em-top-1', position: 5, order: 1 }),
        stEntry(10, { constant: true, content: 'em-top-2', position: 5, order: 2 }),
        stEntry(11, { constant: true, content: 'em-bottom', position: 6 }),
        stEntry(12, { constant: true, content: 'outlet-a', position: 7, outletName: 'Mood' }),
        stEntry(13, { constant: true, content: 'outlet-b', position: 7, outletName: 'Mood', order: 150 }),
        stEntry(14, { constant: true, content: 'no outlet name', position: 7 }),
        stEntry(15, { constant: true, content: 'tie-a', order: 50 }),
        stEntry(16, { constant: true, content: 'tie-b', order: 50 }),
      ],
    );
    assert.deepEqual(result.before, ['tie-b', 'tie-a', 'before-100', 'before-200']);
    assert.deepEqual(result.after, ['after']);
    assert.deepEqual(result.authorsNoteTop, ['an-top']);
    assert.deepEqual(result.authorsNoteBottom, ['an-bottom']);
    assert.deepEqual(result.examplesTop, ['em-top-2', 'em-top-1']);
    assert.deepEqual(result.examplesBottom, ['em-bottom']);
    assert.deepEqual(
      result.atDepth.map((d) => [d.depth, d.role, d.contents]),
      [
        [2, 'system', ['depth2-system']],
        [4, 'system', ['depth-default']],
        [2, 'user', ['depth2-user-a', 'depth2-user-b']],
      ],
    );
    assert.deepEqual(result.outlets, { Mood: ['outlet-a', 'outlet-b'] });
  });

  test('content is macro-expanded; an entry whose content is empty goes nowhere', async () => {
    const result = await scanEntries([stEntry(0, { constant: true, content: '{{char}} knows {{user}}.' }), stEntry(1, { constant: true, content: '' })]);
    assert.deepEqual(result.before, ['Seraphina knows Ann.']);
  });
});

describe('world info: probability', () => {
  test('rolled only when useProbability is set and below 100; a failed roll is final for the generation', async () => {
    const cases: [Record<string, unknown>, number, boolean][] = [
      [{ probability: 50, useProbability: true }, 0.49, true],
      [{ probability: 50, useProbability: true }, 0.51, false],
      [{ probability: 50, useProbability: false }, 0.99, true],
      [{ probability: 100, useProbability: true }, 0.999, true],
      [{ probability: 0, useProbability: true }, 0.001, false],
      [{ probability: 0, useProbability: true }, 0, true],
    ];
    for (const [fields, roll, fires] of cases) {
      const result = await scanEntries([stEntry(0, { constant: true, content: 'X', ...fields })], { random: sequence(roll) });
      assert.equal(fired(result).length === 1, fires, JSON.stringify([fields, roll]));
      if (!fires) assert.equal(result.dropped[0]?.why, 'probability');
    }
  });

  test('seeded: over 1,000 generations a 30% entry fires about 30% of the time', async () => {
    const random = seeded(42);
    const book = compile('Book', stWorld([stEntry(0, { constant: true, content: 'X', probability: 30, useProbability: true })]));
    let hits = 0;
    for (let i = 0; i < 1000; i++) hits += fired(await scan({ books: [{ source: 'global', book }], random })).length;
    assert.ok(hits > 260 && hits < 340, `${hits}`);
  });
});

describe('world info: inclusion groups', () => {
  const member = (uid: number, over: Record<string, unknown> = {}) => stEntry(uid, { constant: true, group: 'g', content: `m${uid}`, ...over });

  test('one member per group, drawn by weight (seeded)', async () => {
    const entries = [member(0, { groupWeight: 10 }), member(1, { groupWeight: 30 }), member(2, { groupWeight: 60 })];
    // Total weight 100: a roll of 0.05 lands in the first 10, 0.2 in the next 30, 0.5 in the last 60.
    for (const [roll, winner] of [[0.05, 'm0'], [0.2, 'm1'], [0.5, 'm2'], [0.999, 'm2']] as const) {
      const result = await scanEntries(entries, { random: sequence(roll) });
      assert.deepEqual(fired(result), [winner], `roll ${roll}`);
      assert.deepEqual(result.dropped.map((d) => d.why), ['group_roll', 'group_roll']);
    }
    const counts = { m0: 0, m1: 0, m2: 0 };
    const random = seeded(7);
    for (let i = 0; i < 600; i++) counts[fired(await scanEntries(entries, { random }))[0] as keyof typeof counts]++;
    assert.ok(counts.m0 > 35 && counts.m0 < 90 && counts.m2 > 310 && counts.m2 < 410, JSON.stringify(counts));
  });

  test('prioritise: the member set to prioritise with the highest order wins', async () => {
    const result = await scanEntries([member(0, { order: 300 }), member(1, { groupOverride: true, order: 10 }), member(2, { groupOverride: true, order: 20 })]);
    assert.deepEqual(fired(result), ['m2']);
  });

  test('an entry in several groups (comma-separated) competes in each', async () => {
    const result = await scanEntries([member(0, { group: 'g, h', groupOverride: true }), member(1, { group: 'h' }), member(2, { group: 'k' })]);
    assert.deepEqual(fired(result), ['m0', 'm2']);
  });

  test('group scoring (global or per entry) keeps the members matching the most keys', async () => {
    const entries = [
      stEntry(0, { key: ['sword'], group: 'g', content: 'one key' }),
      stEntry(1, { key: ['sword', 'red'], group: 'g', content: 'two keys' }),
      stEntry(2, { key: ['sword', 'red', 'sharp'], group: 'g', content: 'three keys' }),
    ];
    const chat = ['a red sword'];
    const global = await scanEntries(entries, { chat, settings: { useGroupScoring: true }, random: sequence(0) });
    assert.deepEqual(fired(global), ['two keys']);
    assert.equal(global.dropped.find((d) => d.entry.uid === '0')?.why, 'group_score');
    // Only entry 0 opts out of scoring: it stays in the draw, and the first roll picks it.
    const optOut = await scanEntries(entries.map((e, i) => (i === 0 ? { ...e, useGroupScoring: false } : e)), { chat, settings: { useGroupScoring: true }, random: sequence(0) });
    assert.deepEqual(fired(optOut), ['one key']);
    const perEntry = await scanEntries(entries.map((e) => ({ ...e, useGroupScoring: true })), { chat, random: sequence(0) });
    assert.deepEqual(fired(perEntry), ['two keys']);
    const off = await scanEntries(entries, { chat, random: sequence(0) });
    assert.deepEqual(fired(off), ['one key']);
  });

  test('a group that fired in an earlier recursion step takes no other member', async () => {
    const result = await scanEntries(
      [stEntry(0, { key: ['sword'], group: 'g', content: 'It is a blade.' }), stEntry(1, { key: ['blade'], group: 'g', content: 'second' })],
      { chat: ['sword'] },
    );
    assert.deepEqual(fired(result), ['It is a blade.']);
    assert.deepEqual(result.dropped.map((d) => d.why), ['group_taken']);
  });
});

describe('world info: recursion', () => {
  const chain = (over: Record<number, Record<string, unknown>> = {}) => [
    stEntry(0, { key: ['sword'], content: 'The sword was forged by Elric.', ...over[0] }),
    stEntry(1, { key: ['Elric'], content: 'Elric lives in the north.', ...over[1] }),
    stEntry(2, { key: ['north'], content: 'The north is cold.', ...over[2] }),
  ];
  const run = (entries: Record<string, unknown>[], settings: Record<string, unknown> = {}) => scanEntries(entries, { chat: ['my sword'], settings });

  test('activated content is scanned for more keys, step by step', async () => {
    const result = await run(chain());
    assert.deepEqual(result.activated.map((a) => [a.entry.uid, a.step, a.stepKind]), [
      ['0', 1, 'initial'],
      ['1', 2, 'recursion'],
      ['2', 3, 'recursion'],
    ]);
  });

  test('recursion off, max steps, prevent recursion, exclude recursion', async () => {
    const uids = async (entries: Record<string, unknown>[], settings: Record<string, unknown> = {}) => (await run(entries, settings)).activated.map((a) => a.entry.uid);
    assert.deepEqual(await uids(chain(), { recursive: false }), ['0']);
    assert.deepEqual(await uids(chain(), { maxRecursionSteps: 2 }), ['0', '1']);
    assert.deepEqual(await uids(chain(), { maxRecursionSteps: 1 }), ['0']);
    assert.deepEqual(await uids(chain({ 0: { preventRecursion: true } })), ['0']);
    assert.deepEqual(await uids(chain({ 1: { excludeRecursion: true } })), ['0']);
    // Exclude recursion only stops activation by recursion: found in the chat, it fires.
    const direct = await scanEntries(chain({ 1: { excludeRecursion: true } }), { chat: ['my sword and Elric'] });
    assert.deepEqual(direct.activated.map((a) => a.entry.uid), ['0', '1', '2']);
  });

  test('delay until recursion: only in recursion, level by level', async () => {
    const entries = [
      stEntry(0, { key: ['sword'], content: 'blade ember' }),
      stEntry(1, { key: ['sword'], content: 'L1 fires', delayUntilRecursion: true }),
      stEntry(2, { key: ['blade'], content: 'L2 fires', delayUntilRecursion: 2 }),
      stEntry(3, { key: ['ember'], content: 'plain recursion' }),
    ];
    const result = await run(entries);
    assert.deepEqual(result.activated.map((a) => [a.content, a.step]), [
      ['blade ember', 1],
      ['L1 fires', 2],
      ['plain recursion', 2],
      // Level 2 opens only when level 1 has nothing more to find (step 3 found nothing).
      ['L2 fires', 4],
    ]);
    // Without recursion, the remaining delayed level still opens once the scan ends (SillyTavern runs it
    // regardless), and that step scans the recursion buffer like any recursion step.
    const off = await run(entries, { recursive: false });
    assert.deepEqual(off.activated.map((a) => [a.content, a.step]), [
      ['blade ember', 1],
      ['L1 fires', 2],
      ['L2 fires', 2],
      ['plain recursion', 2],
    ]);
  });
});

describe('world info: token budget', () => {
  const five = (uid: number, order: number) => stEntry(uid, { constant: true, content: `w${uid} w w w w`, order });

  test('a percentage of the prompt budget, capped; the first entry that does not fit ends activation', async () => {
    const entries = [five(0, 300), five(1, 200), five(2, 100)];
    // Each costs 5 words + newline = 5 tokens here. 25% of 48 = 12: two fit (10), the third would reach 15.
    const a = await scanEntries(entries, { promptBudget: 48 });
    assert.deepEqual(a.activated.map((x) => x.entry.uid), ['0', '1']);
    assert.deepEqual(a.budget, { tokens: 12, used: 10, overflowed: true });
    assert.equal(a.dropped.at(-1)?.why, 'budget');
    // Reaching the budget exactly overflows (SillyTavern's >=): 20% of 50 = 10.
    assert.deepEqual((await scanEntries(entries, { promptBudget: 50, settings: { budgetPercent: 20 } })).activated.map((x) => x.entry.uid), ['0']);
    // The cap wins over a larger percentage.
    assert.deepEqual((await scanEntries(entries, { promptBudget: 1000, settings: { budgetCap: 11 } })).activated.map((x) => x.entry.uid), ['0', '1']);
    // Highest order gets the budget first, whatever the book order.
    assert.deepEqual((await scanEntries([five(0, 1), five(1, 900)], { promptBudget: 30 })).activated.map((x) => x.entry.uid), ['1']);
  });

  test('a budget overflow stops recursion', async () => {
    const entries = [stEntry(0, { key: ['sword'], content: 'w w w w blade' }), stEntry(1, { key: ['blade'], content: 'more' })];
    assert.deepEqual(fired(await scanEntries(entries, { chat: ['sword'], promptBudget: 100 })), ['w w w w blade', 'more']);
    assert.deepEqual(fired(await scanEntries(entries, { chat: ['sword'], promptBudget: 24 })), ['w w w w blade']);
  });
});

describe('world info: sticky, cooldown and delay over several turns', () => {
  /** Plays turns: each turn is the chat length and the newest message; state carries over as chat metadata would. */
  async function play(entries: Record<string, unknown>[], turns: [number, string][]) {
    const book = compile('Book', stWorld(entries));
    let timedState: unknown = {};
    const out: string[][] = [];
    for (const [length, message] of turns) {
      const result = await scan({ books: [{ source: 'global', book }], chat: [message], chatLength: length, timedState, settings: { recursive: false } });
      timedState = JSON.parse(JSON.stringify(result.timedState));
      out.push(fired(result));
    }
    return { out, timedState };
  }

  test('sticky keeps an entry for n messages after its keys are gone', async () => {
    const { out, timedState } = await play([stEntry(0, { key: ['sword'], content: 'S', sticky: 3 })], [
      [1, 'sword'],
      [2, 'nothing'],
      [3, 'nothing'],
      [4, 'nothing'],
      [5, 'sword'],
    ]);
    assert.deepEqual(out, [['S'], ['S'], ['S'], [], ['S']]);
    assert.deepEqual(timedState, { sticky: { 'Book.0': { hash: 0, start: 5, end: 8, protected: false } }, cooldown: {} });
  });

  test('cooldown keeps an entry out for n messages after it fired', async () => {
    const { out } = await play([stEntry(0, { key: ['sword'], content: 'C', cooldown: 2 })], [
      [1, 'sword'],
      [2, 'sword'],
      [3, 'sword'],
      [4, 'sword'],
    ]);
    assert.deepEqual(out, [['C'], [], ['C'], []]);
  });

  test('sticky then cooldown: the cooldown starts when the sticky ends', async () => {
    const { out } = await play([stEntry(0, { key: ['sword'], content: 'SC', sticky: 2, cooldown: 2 })], [
      [1, 'sword'],
      [2, 'x'],
      [3, 'sword'],
      [4, 'sword'],
      [5, 'sword'],
    ]);
    assert.deepEqual(out, [['SC'], ['SC'], [], [], ['SC']]);
  });

  test('delay: no activation while the chat is shorter than n messages', async () => {
    const { out } = await play([stEntry(0, { key: ['sword'], content: 'D', delay: 3 })], [
      [1, 'sword'],
      [2, 'sword'],
      [3, 'sword'],
    ]);
    assert.deepEqual(out, [[], [], ['D']]);
  });

  test('a regenerated reply (the chat did not grow) drops what the first attempt started', async () => {
    const { out } = await play([stEntry(0, { key: ['sword'], content: 'C', cooldown: 5 })], [
      [4, 'sword'],
      [4, 'sword'],
      [4, 'sword'],
    ]);
    assert.deepEqual(out, [['C'], ['C'], ['C']]);
  });

  test('an effect of an entry not in today\'s books is kept until it ends', async () => {
    const book = compile('Other', stWorld([stEntry(0, { constant: true, content: 'x' })]));
    const stored = { sticky: { 'Gone.1': { hash: 1, start: 1, end: 10, protected: false } }, cooldown: { 'Gone.2': { hash: 2, start: 1, end: 3, protected: false } } };
    const result = await scan({ books: [{ source: 'global', book }], chat: ['a'], chatLength: 5, timedState: stored });
    assert.deepEqual(Object.keys(result.timedState.sticky), ['Gone.1']);
    assert.deepEqual(Object.keys(result.timedState.cooldown), []);
  });

  test('a sticky member of an inclusion group wins the group', async () => {
    const book = compile('Book', stWorld([stEntry(0, { key: ['a'], group: 'g', content: 'first', sticky: 5 }), stEntry(1, { key: ['b'], group: 'g', content: 'second', groupOverride: true })]));
    const one = await scan({ books: [{ source: 'global', book }], chat: ['a'], chatLength: 1 });
    const two = await scan({ books: [{ source: 'global', book }], chat: ['b'], chatLength: 2, timedState: one.timedState });
    assert.deepEqual([fired(one), fired(two)], [['first'], ['first']]);
  });
});

describe('world info: sources and their order', () => {
  const book = (name: string, order: number) => compile(name, stWorld([stEntry(0, { constant: true, content: name, order })]));

  test('chat book first, then persona, then character and global as the strategy says; a book named twice is read once', async () => {
    const books = [
      { source: 'global' as const, book: book('Global', 300) },
      { source: 'character' as const, book: book('Char', 100) },
      { source: 'persona' as const, book: book('Persona', 200) },
      { source: 'chat' as const, book: book('Chat', 50) },
      { source: 'character' as const, book: book('Global', 300) },
    ];
    // Budget room for three entries of one token each (25% of 16 = 4, the fourth would reach it).
    const first3 = async (strategy: string) =>
      (await scan({ books, settings: { characterStrategy: strategy as 'evenly' }, promptBudget: 16 })).activated.map((a) => a.content);
    assert.deepEqual(await first3('character_first'), ['Chat', 'Persona', 'Char']);
    assert.deepEqual(await first3('global_first'), ['Chat', 'Persona', 'Global']);
    assert.deepEqual(await first3('evenly'), ['Chat', 'Persona', 'Global']);
    const all = await scan({ books });
    assert.equal(all.activated.filter((a) => a.content === 'Global').length, 1);
    assert.equal(all.activated.find((a) => a.content === 'Global')?.source, 'global');
  });

  test('injected text (an Author\'s Note allowed to scan) is scanned at any depth', async () => {
    const result = await scanEntries([stEntry(0, { key: ['moon'], content: 'M' })], { chat: ['x'], injected: ['the moon rises'] });
    assert.deepEqual(fired(result), ['M']);
  });
});
