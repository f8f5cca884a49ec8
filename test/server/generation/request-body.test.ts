import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_SAMPLER_SETTINGS } from '../../../src/shared/api/generation.js';
import { buildRequestBody } from '../../../src/server/generation/request-body.js';

const chat = { kind: 'chat' as const, messages: [{ role: 'user' as const, content: 'hi' }] };
const tuned = { ...DEFAULT_SAMPLER_SETTINGS, top_k: 40, min_p: 0.05, repetition_penalty: 1.1, stop: ['a', 'b', 'c'] };

describe('buildRequestBody', () => {
  test('neutral extra samplers are left out, so strict backends accept the request', () => {
    const body = buildRequestBody('http://127.0.0.1:8080/v1', 'm', chat, DEFAULT_SAMPLER_SETTINGS, []);
    assert.deepEqual(body, { model: 'm', messages: chat.messages, stream: true, max_tokens: 400, temperature: 1, top_p: 1 });
  });

  test('local backends get top_k, min_p, repetition_penalty and every stop string (template first, deduplicated)', () => {
    const body = buildRequestBody('http://127.0.0.1:5001/v1', '', { kind: 'text', prompt: 'P' }, tuned, ['<|im_end|>', 'a']);
    assert.deepEqual(body, {
      prompt: 'P',
      stream: true,
      max_tokens: 400,
      temperature: 1,
      top_p: 1,
      top_k: 40,
      min_p: 0.05,
      repetition_penalty: 1.1,
      stop: ['<|im_end|>', 'a', 'b', 'c'],
    });
    assert.equal('model' in body, false, 'an empty model name is not sent (llama.cpp serves its loaded model)');
  });

  test('OpenAI gets only its own parameters, max_completion_tokens and at most 4 stop strings', () => {
    const body = buildRequestBody('https://api.openai.com/v1', 'gpt-4o', chat, tuned, ['x', 'y']);
    assert.deepEqual(body, {
      model: 'gpt-4o',
      messages: chat.messages,
      stream: true,
      max_completion_tokens: 400,
      temperature: 1,
      top_p: 1,
      stop: ['x', 'y', 'a', 'b'],
    });
  });
});
