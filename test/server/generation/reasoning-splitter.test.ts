import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ReasoningSplitter } from '../../../src/server/generation/reasoning-splitter.js';

function split(pieces: string[], prefix = '<think>', suffix = '</think>') {
  const out = { text: '', reasoning: '', textPieces: [] as string[] };
  const splitter = new ReasoningSplitter(prefix, suffix, {
    text: (t) => {
      out.text += t;
      out.textPieces.push(t);
    },
    reasoning: (r) => (out.reasoning += r),
  });
  for (const piece of pieces) splitter.push(piece);
  splitter.flush();
  return out;
}

/** SillyTavern's reasoning auto-parse: a block only counts at the start of the reply; the rest is the reply. */
describe('ReasoningSplitter', () => {
  const cases: Array<[what: string, pieces: string[], reasoning: string, text: string]> = [
    ['a block at the start, in one piece', ['<think>\nPlan it.\n</think>\n\nHello!'], 'Plan it.\n', '\n\nHello!'],
    ['tags split across pieces', ['<th', 'ink>Plan', ' it.</th', 'ink>Hel', 'lo'], 'Plan it.', 'Hello'],
    ['leading whitespace before the block', ['  \n<think>x</think>y'], 'x', 'y'],
    ['no block: all text', ['Hello ', '<think>not reasoning</think>'], '', 'Hello <think>not reasoning</think>'],
    ['a reply that starts like the prefix but is not it', ['<thin', 'g>'], '', '<thing>'],
    ['a block never closed (cut or stopped) stays reasoning', ['<think>half a tho', 'ught'], 'half a thought', ''],
    ['a stream that ends inside the prefix is text', ['<thi'], '', '<thi'],
    ['a suffix-like tail inside reasoning is held then released', ['<think>a </', 'b> c</think>d'], 'a </b> c', 'd'],
    ['an empty reply', [], '', ''],
  ];
  for (const [what, pieces, reasoning, text] of cases) {
    test(what, () => {
      const out = split(pieces);
      assert.equal(out.reasoning, reasoning);
      assert.equal(out.text, text);
    });
  }

  test('custom tags', () => {
    const out = split(['[REASON]why[/REASON]answer'], '[REASON]', '[/REASON]');
    assert.deepEqual([out.reasoning, out.text], ['why', 'answer']);
  });

  test('text after the block streams piece by piece, not held until the end', () => {
    const out = split(['<think>r</think>', 'a', 'b', 'c']);
    assert.deepEqual(out.textPieces, ['a', 'b', 'c']);
  });
});
