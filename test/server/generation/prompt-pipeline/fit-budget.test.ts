import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fitBudget, type BudgetCosts } from '../../../../src/server/generation/prompt-pipeline/fit-budget.js';
import type { ChatItem, PromptPart } from '../../../../src/server/generation/prompt-pipeline/prompt-parts.js';
import { depthPart, messagePart, systemPart } from '../../../support/prompt-parts.js';

/** Every part costs its length; the exact count is the sum plus `extra` (what joining adds). */
const costs = (fixed: number): BudgetCosts => ({ fixed, message: (p) => p.text.length, example: (p) => p.text.length });
const measureWith = (fixed: number, extra = 0) => (chat: ChatItem[], examples: PromptPart[]) => {
  const tokens = fixed + extra + chat.reduce((s, i) => s + i.part.text.length, 0) + examples.reduce((s, e) => s + e.text.length, 0);
  return { rendered: chat.map((i) => i.part.text), tokens };
};
const chatOf = (...texts: string[]): ChatItem[] => texts.map((t, i) => ({ part: messagePart(`m${i}`, i % 2 ? 'assistant' : 'user', t), injected: false }));
const examples = [systemPart('example_dialogue', 'E'.repeat(10)), systemPart('example_dialogue', 'F'.repeat(10))];

describe('fit the token budget', () => {
  test('history newest-first until the budget is spent; the dropped are the oldest', () => {
    const chat = chatOf('a'.repeat(10), 'b'.repeat(10), 'c'.repeat(10), 'd'.repeat(10));
    const fitted = fitBudget(chat, [], 35, costs(10), measureWith(10));
    assert.deepEqual(fitted.rendered, ['c'.repeat(10), 'd'.repeat(10)]);
    assert.equal(fitted.dropped, 2);
    assert.equal(fitted.totalTokens, 30);
  });

  test('the newest message always goes, even over budget', () => {
    const fitted = fitBudget(chatOf('a', 'b'.repeat(100)), [], 50, costs(10), measureWith(10));
    assert.deepEqual(fitted.rendered, ['b'.repeat(100)]);
    assert.ok(fitted.totalTokens > 50);
  });

  test('examples are kept after the history, while they fit', () => {
    const chat = chatOf('a'.repeat(10), 'b'.repeat(10));
    assert.equal(fitBudget(chat, examples, 100, costs(10), measureWith(10)).examples.length, 2);
    const tight = fitBudget(chat, examples, 45, costs(10), measureWith(10));
    assert.equal(tight.examples.length, 1);
    assert.equal(tight.dropped, 0);
  });

  test('injections are always kept and stay where they were placed, before the kept messages when among the dropped', () => {
    const chat: ChatItem[] = [
      ...chatOf('a'.repeat(10)),
      { part: depthPart(3, 'system', 'X'), injected: true },
      ...chatOf('b'.repeat(10), 'c'.repeat(10)),
      { part: depthPart(0, 'system', 'Y'), injected: true },
    ];
    const fitted = fitBudget(chat, [], 12, costs(0), measureWith(0));
    assert.deepEqual(fitted.rendered, ['X', 'c'.repeat(10), 'Y']);
  });

  test('when the exact count exceeds the summed costs, examples go first, then the oldest messages', () => {
    const chat = chatOf('a'.repeat(10), 'b'.repeat(10));
    // The costs say 10 + 20 + 20 = 50 fits in 50; joining adds 5 tokens.
    const fitted = fitBudget(chat, examples, 50, costs(10), measureWith(10, 5));
    assert.equal(fitted.examples.length, 1);
    assert.equal(fitted.totalTokens, 45);
    const noExamples = fitBudget(chat, [], 30, costs(10), measureWith(10, 5));
    assert.equal(noExamples.dropped, 1);
    assert.equal(noExamples.totalTokens, 25);
  });

  test('a count that never fits ends after a bounded number of rounds with the newest message kept', () => {
    let measured = 0;
    const fitted = fitBudget(chatOf('a', 'b', 'c'), [], 3, costs(0), (chat) => {
      measured++;
      return { rendered: chat, tokens: 1000 };
    });
    assert.ok(measured <= 5);
    assert.equal(fitted.chat.length, 1);
  });
});
