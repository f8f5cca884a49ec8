import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_SAMPLER_SETTINGS, type SamplerSettings } from '../../../src/shared/api/generation.js';
import { anthropicRequestBody, cachedTurns } from '../../../src/server/generation/anthropic-request.js';
import { GEMINI_HARM_CATEGORIES, geminiRequestBody } from '../../../src/server/generation/gemini-request.js';
import { alternatingTurns, type NeutralPrompt } from '../../../src/server/generation/neutral-prompt.js';

const settings: SamplerSettings = { ...DEFAULT_SAMPLER_SETTINGS, temperature: 0.8, max_tokens: 300 };
const prompt = (over: Partial<NeutralPrompt> = {}): NeutralPrompt => ({
  system: ['You are Sera.', 'Sera is a healer.'],
  messages: [
    { role: 'assistant', content: 'Welcome, traveller.' },
    { role: 'user', content: 'Hello' },
    { role: 'user', content: 'Anyone here?' },
    { role: 'assistant', content: 'I am.' },
    { role: 'system', content: '[Stay in character]' },
  ],
  prefill: '',
  ...over,
});

/**
 * SillyTavern's alternation for Claude and Gemini (src/prompt-converters.js, convertClaudeMessages and
 * convertGooglePrompt): leading system messages become the system prompt; later system messages speak as the
 * user; a chat that starts with the character gets a "[Start a new chat]" user turn first; the prefill closes as
 * the assistant; consecutive turns of one role merge with a blank line. Parley also leaves out empty messages,
 * which both APIs refuse.
 */
describe('alternatingTurns: the cases SillyTavern handles', () => {
  const cases: Array<[what: string, messages: NeutralPrompt['messages'], prefill: string, expected: Array<[string, string]>]> = [
    ['a chat starting with the greeting gets a user placeholder first', [{ role: 'assistant', content: 'Hi' }], '', [['user', '[Start a new chat]'], ['assistant', 'Hi']]],
    ['an empty chat is one placeholder turn', [], '', [['user', '[Start a new chat]']]],
    ['two user messages merge with a blank line', [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }], '', [['user', 'a\n\nb']]],
    ['a mid-chat system message speaks as the user and merges', [{ role: 'user', content: 'a' }, { role: 'system', content: 'note' }], '', [['user', 'a\n\nnote']]],
    ['the prefill closes as the assistant, trailing whitespace trimmed', [{ role: 'user', content: 'a' }], 'Sera smiles.  \n', [['user', 'a'], ['assistant', 'Sera smiles.']]],
    ['a prefill after an assistant turn merges into it', [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }], 'c', [['user', 'a'], ['assistant', 'b\n\nc']]],
    ['empty and blank messages are left out', [{ role: 'user', content: 'a' }, { role: 'assistant', content: '  ' }, { role: 'user', content: 'b' }], '', [['user', 'a\n\nb']]],
  ];
  for (const [what, messages, prefill, expected] of cases) {
    test(what, () => {
      const turns = alternatingTurns({ system: [], messages, prefill });
      assert.deepEqual(turns.map((t) => [t.role, t.text]), expected);
    });
  }
});

describe('anthropicRequestBody', () => {
  test('system field, strict alternation, required max_tokens, samplers and stop sequences', () => {
    const body = anthropicRequestBody(prompt(), 'claude-sonnet-4-5', { ...settings, top_k: 40, stop: ['\nUser:', ' '] }, ['</s>']);
    assert.equal(body.model, 'claude-sonnet-4-5');
    assert.equal(body.system, 'You are Sera.\n\nSera is a healer.');
    assert.deepEqual(body.messages, [
      { role: 'user', content: '[Start a new chat]' },
      { role: 'assistant', content: 'Welcome, traveller.' },
      { role: 'user', content: 'Hello\n\nAnyone here?' },
      { role: 'assistant', content: 'I am.' },
      { role: 'user', content: '[Stay in character]' },
    ]);
    assert.equal(body.max_tokens, 300);
    assert.equal(body.stream, true);
    assert.equal(body.temperature, 0.8);
    assert.equal(body.top_k, 40);
    assert.equal('top_p' in body, false, 'top_p at 1 is not sent: newer Claude models refuse it beside temperature');
    assert.deepEqual(body.stop_sequences, ['</s>', '\nUser:'], 'whitespace-only stop sequences are refused by Anthropic and left out');
    assert.equal('thinking' in body, false);
  });

  test('temperature is clamped to Anthropic\'s 0..1, top_p sent when set', () => {
    const body = anthropicRequestBody(prompt(), 'm', { ...settings, temperature: 1.7, top_p: 0.9 }, []);
    assert.equal(body.temperature, 1);
    assert.equal(body.top_p, 0.9);
  });

  test('prefill is the closing assistant message', () => {
    const body = anthropicRequestBody(prompt({ prefill: '*Sera looks up.*' }), 'm', settings, []);
    assert.deepEqual(body.messages.at(-1), { role: 'assistant', content: '*Sera looks up.*' });
  });

  test('prompt caching: the system prompt and the history at depth N and N+2 carry cache_control', () => {
    const body = anthropicRequestBody(prompt(), 'm', { ...settings, cache_system_prompt: true, cache_depth: 0 }, []);
    assert.deepEqual(body.system, [{ type: 'text', text: 'You are Sera.\n\nSera is a healer.', cache_control: { type: 'ephemeral' } }]);
    const marked = body.messages.map((m) => Array.isArray(m.content) && m.content[0]?.cache_control !== undefined);
    assert.deepEqual(marked, [false, false, true, false, true], 'depth 0 is the newest user turn, depth 2 two turns back');
    assert.deepEqual(body.messages[4]?.content, [{ type: 'text', text: '[Stay in character]', cache_control: { type: 'ephemeral' } }]);
  });

  test('cache depth skips a closing prefill, and is off at -1', () => {
    assert.deepEqual([...cachedTurns(['user', 'assistant', 'user', 'assistant'], 0)].sort(), [0, 2]);
    assert.deepEqual([...cachedTurns(['user', 'assistant', 'user'], 1)].sort(), [1]);
    assert.equal(cachedTurns(['user', 'assistant', 'user'], -1).size, 0);
  });

  test('extended thinking: a budget on top of the response length, no temperature or top_k', () => {
    const body = anthropicRequestBody(prompt(), 'm', { ...settings, top_k: 40, reasoning_effort: 'medium' }, []);
    assert.deepEqual(body.thinking, { type: 'enabled', budget_tokens: 1024 }, '25% of 300 is under the 1024 minimum');
    assert.equal(body.max_tokens, 300 + 1024);
    assert.equal('temperature' in body, false);
    assert.equal('top_k' in body, false);
    const set = anthropicRequestBody(prompt(), 'm', { ...settings, reasoning_effort: 'high', thinking_budget: 4000 }, []);
    assert.deepEqual(set.thinking, { type: 'enabled', budget_tokens: 4000 });
    const derived = anthropicRequestBody(prompt(), 'm', { ...settings, max_tokens: 8000, reasoning_effort: 'high' }, []);
    assert.deepEqual(derived.thinking, { type: 'enabled', budget_tokens: 4000 }, 'high is half the response length');
  });

  test('a prefill wins over thinking (Anthropic refuses both together)', () => {
    const body = anthropicRequestBody(prompt({ prefill: 'Once' }), 'm', { ...settings, reasoning_effort: 'high' }, []);
    assert.equal('thinking' in body, false);
    assert.equal(body.temperature, 0.8);
  });
});

describe('geminiRequestBody', () => {
  test('systemInstruction, user/model contents, generationConfig, safety off by default', () => {
    const body = geminiRequestBody(prompt({ prefill: 'Sera' }), { ...settings, top_k: 20, top_p: 0.95, stop: ['a', 'b', 'c', 'd', 'e', 'f'] }, []);
    assert.deepEqual(body.systemInstruction, { parts: [{ text: 'You are Sera.\n\nSera is a healer.' }] });
    assert.deepEqual(body.contents, [
      { role: 'user', parts: [{ text: '[Start a new chat]' }] },
      { role: 'model', parts: [{ text: 'Welcome, traveller.' }] },
      { role: 'user', parts: [{ text: 'Hello\n\nAnyone here?' }] },
      { role: 'model', parts: [{ text: 'I am.' }] },
      { role: 'user', parts: [{ text: '[Stay in character]' }] },
      { role: 'model', parts: [{ text: 'Sera' }] },
    ]);
    assert.deepEqual(body.generationConfig, {
      candidateCount: 1,
      maxOutputTokens: 300,
      temperature: 0.8,
      topP: 0.95,
      topK: 20,
      stopSequences: ['a', 'b', 'c', 'd', 'e'],
    });
    assert.deepEqual(
      body.safetySettings,
      GEMINI_HARM_CATEGORIES.map((category) => ({ category, threshold: 'BLOCK_NONE' })),
    );
    assert.equal(body.safetySettings.length, 5);
  });

  test('the safety threshold is configurable', () => {
    const body = geminiRequestBody(prompt(), { ...settings, safety_threshold: 'BLOCK_ONLY_HIGH' }, []);
    assert.ok(body.safetySettings.every((s) => s.threshold === 'BLOCK_ONLY_HIGH'));
  });

  test('thinking: auto sends nothing, off a budget of 0, an effort a budget with thoughts included', () => {
    assert.equal(geminiRequestBody(prompt(), settings, []).generationConfig.thinkingConfig, undefined);
    assert.deepEqual(geminiRequestBody(prompt(), { ...settings, reasoning_effort: 'off' }, []).generationConfig.thinkingConfig, { thinkingBudget: 0 });
    const low = geminiRequestBody(prompt(), { ...settings, reasoning_effort: 'low', thinking_budget: 2048 }, []).generationConfig;
    assert.deepEqual(low.thinkingConfig, { thinkingBudget: 2048, includeThoughts: true });
    assert.equal(low.maxOutputTokens, 300 + 2048, 'Gemini counts thoughts inside maxOutputTokens');
  });

  test('no system parts: no systemInstruction', () => {
    assert.equal('systemInstruction' in geminiRequestBody(prompt({ system: ['', '  '] }), settings, []), false);
  });
});
