import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  nextSpeakers,
  talkativenessOf,
  wordsOf,
  type NextSpeakersInput,
  type SpeakerCandidate,
  type SpokenMessage,
} from '../../../src/server/generation/group/next-speakers.js';

/** Scripted draws: each call takes the next value; running out is a failure (the case draws more than it says). */
function draws(...values: number[]): (() => number) & { left: () => number } {
  const queue = [...values];
  const next = () => {
    if (queue.length === 0) throw new Error('drew more often than the case scripts');
    return queue.shift()!;
  };
  return Object.assign(next, { left: () => queue.length });
}

const member = (id: string, talkativeness: unknown = 0.5, muted = false): SpeakerCandidate => ({ id, name: id, muted, talkativeness });
const user = (content: string): SpokenMessage => ({ role: 'user', name: 'You', content, speakerId: null, hidden: false });
const reply = (speakerId: string | null, content = '…', name = speakerId ?? 'Old'): SpokenMessage => ({ role: 'assistant', name, content, speakerId, hidden: false });

const ALICE = member('Alice', 0);
const BOB = member('Bob', 0);
const CAROL = member('Carol', 0);

/** Runs a case; every scripted draw must be used (a case that draws less than it says is wrong too). */
function run(input: Partial<NextSpeakersInput> & Pick<NextSpeakersInput, 'members' | 'history'>, random = draws()) {
  const chosen = nextSpeakers({ strategy: 'natural', allowSelfResponses: false, mode: 'new', auto: false, random, ...input });
  assert.equal(random.left(), 0, 'draws left unused');
  return chosen;
}

describe('who speaks next (SillyTavern group-chats.js activation, matched case by case)', () => {
  // Natural order. Talkativeness 0 never beats a draw (0 >= draw only for a draw of 0), so these cases show the
  // mention rule alone; the shuffle draws one value per position from the end (n - 1 draws for n members).
  const natural: [string, Partial<NextSpeakersInput> & Pick<NextSpeakersInput, 'members' | 'history'>, number[], string[]][] = [
    ['a member named in the user\'s message speaks', { members: [ALICE, BOB], history: [user('What do you think, Bob?')] }, [/* shuffle */ 0.9, /* rolls */ 0.5, 0.5], ['Bob']],
    ['several named: in the order the names appear in the text', { members: [ALICE, BOB, CAROL], history: [user('Carol and then Alice')] }, [0.9, 0.9, 0.5, 0.5, 0.5], ['Carol', 'Alice']],
    ['names match whole words, any case', { members: [ALICE, BOB], history: [user('bobby? BOB!')] }, [0.9, 0.5, 0.5], ['Bob']],
    ['a name of two words is named by either word', { members: [member('Mary Ann', 0), BOB], history: [user('ann, come here')] }, [0.9, 0.5, 0.5], ['Mary Ann']],
    [
      'the last speaker cannot answer itself, even when named',
      { members: [ALICE, BOB], history: [user('hi'), reply('Alice', 'I am Alice and Bob is here')] },
      [0.9, /* Bob's roll only */ 0.1],
      ['Bob'],
    ],
    [
      '…unless self-responses are allowed',
      { members: [ALICE, BOB], history: [reply('Alice', 'Alice again')], allowSelfResponses: true },
      [0.9, 0.5, 0.5],
      ['Alice'],
    ],
    [
      'a reply from before the group is matched by name for the ban',
      { members: [ALICE, BOB], history: [reply(null, 'Alice speaks of herself', 'Alice')] },
      [0.9, /* Bob's roll */ 0.5, /* pick among all */ 0.6],
      ['Bob'],
    ],
    ['a hidden last message names nobody', { members: [ALICE, BOB], history: [{ ...user('Bob?'), hidden: true }] }, [0.9, 0.5, 0.5, /* pick */ 0.6], ['Bob']],
    [
      'nobody named, talkativeness 1 always speaks (shuffled order)',
      { members: [member('Alice', 1), member('Bob', 1)], history: [user('hello')] },
      [/* shuffle: swap 1 with 0 */ 0.1, /* rolls */ 0.99, 0.99],
      ['Bob', 'Alice'],
    ],
    [
      'a roll at or under the talkativeness speaks, above does not',
      { members: [member('Alice', 0.3), member('Bob', 0.3)], history: [user('hello')] },
      [0.9, 0.3, 0.31],
      ['Alice'],
    ],
    [
      'talkativeness is read as SillyTavern reads it: a string is a number, none is 0.5',
      { members: [member('Alice', '0.7'), member('Bob', undefined)], history: [user('hi')] },
      [0.9, 0.69, 0.51],
      ['Alice'],
    ],
    [
      'nobody beats the draw: one talkative member at random',
      { members: [member('Alice', 0.2), member('Bob', 0), member('Carol', 0.2)], history: [user('hi')] },
      [0.9, 0.9, /* rolls */ 0.5, 0.5, 0.5, /* pick among the two talkative */ 0.6],
      ['Carol'],
    ],
    [
      'nobody talkative at all: one member at random, the banned last speaker included',
      { members: [ALICE, BOB], history: [reply('Alice', '…')] },
      [0.9, /* Bob's roll */ 0.5, /* pick among all */ 0.2],
      ['Alice'],
    ],
    ['a mention and a roll of the same member speak once', { members: [member('Alice', 1), BOB], history: [user('Alice?')] }, [0.9, 0.5, 0.5], ['Alice']],
    ['muted members are not chosen, even when named', { members: [member('Alice', 1, true), BOB], history: [user('Alice?')] }, [/* only Bob: no shuffle draw; his roll, the pick */ 0.5, 0.5], ['Bob']],
    ['auto-mode after the user wrote still bans nobody but reads the text', { members: [ALICE, BOB], history: [user('Bob')], auto: true }, [0.9, 0.5, 0.5], ['Bob']],
  ];
  for (const [name, input, scripted, expected] of natural) {
    test(`natural: ${name}`, () => assert.deepEqual(run(input, draws(...scripted)), expected));
  }

  const others: [string, Partial<NextSpeakersInput> & Pick<NextSpeakersInput, 'members' | 'history'>, number[], string[]][] = [
    ['list: every unmuted member, in list order, no draw', { strategy: 'list', members: [CAROL, member('Alice', 0, true), BOB], history: [user('hi')] }, [], ['Carol', 'Bob']],
    ['pooled: one of those who have not spoken since the user wrote', { strategy: 'pooled', members: [ALICE, BOB, CAROL], history: [user('hi'), reply('Alice'), reply('Carol')], auto: true }, [0.99], ['Bob']],
    ['pooled: the user just wrote, so everyone is fresh', { strategy: 'pooled', members: [ALICE, BOB, CAROL], history: [reply('Alice'), user('hi')] }, [0.4], ['Bob']],
    ['pooled: all have spoken, anyone but the last speaker', { strategy: 'pooled', members: [ALICE, BOB], history: [user('hi'), reply('Alice'), reply('Bob')], auto: true }, [0.99], ['Alice']],
    ['pooled: one member alone speaks again', { strategy: 'pooled', members: [ALICE], history: [user('hi'), reply('Alice')], auto: true }, [0.5], ['Alice']],
    ['manual: nobody replies to the user on their own', { strategy: 'manual', members: [ALICE, BOB], history: [user('hi')] }, [], []],
    ['manual: auto-mode picks one at random', { strategy: 'manual', members: [ALICE, BOB], history: [user('hi')], auto: true }, [0.1], ['Bob']],
    ['forced: that member now, whatever the strategy', { strategy: 'manual', members: [ALICE, BOB], history: [user('Alice!')], forcedId: 'Bob' }, [], ['Bob']],
    ['forced: a muted member speaks when forced', { members: [member('Alice', 1, true), BOB], history: [user('hi')], forcedId: 'Alice' }, [], ['Alice']],
    ['forced: someone not a member speaks never', { members: [ALICE], history: [user('hi')], forcedId: 'Mallory' }, [], []],
    ['regenerate: the member who wrote the reply, muted or not', { mode: 'regenerate', members: [ALICE, member('Bob', 0, true)], history: [user('hi'), reply('Bob')] }, [], ['Bob']],
    ['swipe of a reply from before the group: the member of that name', { mode: 'swipe', members: [ALICE, BOB], history: [reply(null, '…', 'Bob')] }, [], ['Bob']],
    ['continue: the same member', { mode: 'continue', members: [ALICE, BOB], history: [reply('Alice')] }, [], ['Alice']],
    ['regenerate after the user wrote: the newest member reply\'s speaker', { mode: 'regenerate', members: [ALICE, BOB], history: [reply('Bob'), user('hi')] }, [], ['Bob']],
    ['regenerate of a reply whose member left the group: nobody', { mode: 'regenerate', members: [ALICE], history: [reply('Gone', '…', 'Gone')] }, [], []],
    ['impersonate: an unmuted member at random, for the prompt', { mode: 'impersonate', members: [member('Alice', 0, true), BOB, CAROL], history: [] }, [0.7], ['Carol']],
    ['every member muted: nobody', { members: [member('Alice', 1, true)], history: [user('Alice')] }, [], []],
  ];
  for (const [name, input, scripted, expected] of others) {
    test(name, () => assert.deepEqual(run(input, draws(...scripted)), expected));
  }

  test('words and talkativeness are read as SillyTavern reads them', () => {
    assert.deepEqual(wordsOf("Zoë's pen-name: O'Neil_2"), ['zo', 's', 'pen', 'name', 'o', 'neil_2']);
    assert.deepEqual([talkativenessOf(undefined), talkativenessOf('x'), talkativenessOf(''), talkativenessOf(null), talkativenessOf('0.25')], [0.5, 0.5, 0, 0, 0.25]);
  });
});
