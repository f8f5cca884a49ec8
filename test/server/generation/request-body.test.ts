import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_SAMPLER_SETTINGS, type SamplerSettings } from '../../../src/shared/api/generation.js';
import { CONNECTION_PRESETS, providerOf } from '../../../src/shared/api/providers.js';
import { buildRequestBody } from '../../../src/server/generation/request-body.js';

const chat = { kind: 'chat' as const, messages: [{ role: 'user' as const, content: 'hi' }] };
const tuned = { ...DEFAULT_SAMPLER_SETTINGS, top_k: 40, min_p: 0.05, repetition_penalty: 1.1, stop: ['a', 'b', 'c'] };
const USAGE = { stream_options: { include_usage: true } };

describe('buildRequestBody', () => {
  test('neutral extra samplers are left out, so strict backends accept the request; usage is asked for', () => {
    const body = buildRequestBody('http://127.0.0.1:8080/v1', 'm', chat, DEFAULT_SAMPLER_SETTINGS, []);
    assert.deepEqual(body, { model: 'm', messages: chat.messages, stream: true, ...USAGE, max_tokens: 400, temperature: 1, top_p: 1 });
  });

  test('local backends get top_k, min_p, repetition_penalty and every stop string (template first, deduplicated)', () => {
    const body = buildRequestBody('http://127.0.0.1:5001/v1', '', { kind: 'text', prompt: 'P' }, tuned, ['<|im_end|>', 'a']);
    assert.deepEqual(body, {
      prompt: 'P',
      stream: true,
      ...USAGE,
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
      ...USAGE,
      max_completion_tokens: 400,
      temperature: 1,
      top_p: 1,
      stop: ['x', 'y', 'a', 'b'],
    });
  });
});

/** What each hosted provider is sent for the same tuned profile: the table the presets promise. */
describe('buildRequestBody per provider', () => {
  const effort: SamplerSettings = { ...tuned, reasoning_effort: 'high' };
  const cases: Array<[preset: string, expected: Record<string, unknown>]> = [
    ['deepseek', { max_tokens: 400, temperature: 1, top_p: 1, stop: ['a', 'b', 'c'], ...USAGE }],
    ['mistral', { max_tokens: 400, temperature: 1, top_p: 1, stop: ['a', 'b', 'c'] }],
    ['groq', { max_completion_tokens: 400, temperature: 1, top_p: 1, stop: ['a', 'b', 'c'], reasoning_effort: 'high', ...USAGE }],
    ['xai', { max_tokens: 400, temperature: 1, top_p: 1, stop: ['a', 'b', 'c'], reasoning_effort: 'high', ...USAGE }],
    [
      'openrouter',
      { max_tokens: 400, temperature: 1, top_p: 1, top_k: 40, min_p: 0.05, repetition_penalty: 1.1, stop: ['a', 'b', 'c'], reasoning: { effort: 'high' }, ...USAGE },
    ],
    ['together', { max_tokens: 400, temperature: 1, top_p: 1, top_k: 40, min_p: 0.05, repetition_penalty: 1.1, stop: ['a', 'b', 'c'], ...USAGE }],
    [
      'fireworks',
      { max_tokens: 400, temperature: 1, top_p: 1, top_k: 40, min_p: 0.05, repetition_penalty: 1.1, stop: ['a', 'b', 'c'], reasoning_effort: 'high', ...USAGE },
    ],
    ['featherless', { max_tokens: 400, temperature: 1, top_p: 1, top_k: 40, min_p: 0.05, repetition_penalty: 1.1, stop: ['a', 'b', 'c'], ...USAGE }],
    ['nanogpt', { max_tokens: 400, temperature: 1, top_p: 1, top_k: 40, min_p: 0.05, repetition_penalty: 1.1, stop: ['a', 'b', 'c'], ...USAGE }],
    ['perplexity', { max_tokens: 400, temperature: 1, top_p: 1, top_k: 40 }],
    ['cohere', { max_tokens: 400, temperature: 1, top_p: 1, stop: ['a', 'b', 'c'], reasoning_effort: 'high' }],
    ['azure-openai', { max_completion_tokens: 400, temperature: 1, top_p: 1, stop: ['a', 'b', 'c'], reasoning_effort: 'high', ...USAGE }],
  ];
  for (const [id, expected] of cases) {
    test(`${id}: only what its API takes`, () => {
      const preset = CONNECTION_PRESETS.find((p) => p.id === id)!;
      assert.equal(providerOf(preset.api, preset.baseUrl).id, id, 'the preset address is recognised as the provider');
      const body = buildRequestBody(preset.baseUrl, 'model-x', chat, effort, []);
      assert.deepEqual(body, { model: 'model-x', messages: chat.messages, stream: true, ...expected });
    });
  }

  test('reasoning effort off asks for none; auto sends nothing', () => {
    const off = buildRequestBody('https://api.openai.com/v1', 'o4', chat, { ...DEFAULT_SAMPLER_SETTINGS, reasoning_effort: 'off' }, []);
    assert.equal(off.reasoning_effort, 'none');
    const auto = buildRequestBody('https://api.openai.com/v1', 'o4', chat, DEFAULT_SAMPLER_SETTINGS, []);
    assert.equal('reasoning_effort' in auto, false);
  });

  test('OpenRouter: a thinking budget is sent as reasoning.max_tokens, provider order and fallbacks as provider', () => {
    const body = buildRequestBody('https://openrouter.ai/api/v1', 'anthropic/claude-sonnet-4', chat, {
      ...DEFAULT_SAMPLER_SETTINGS,
      reasoning_effort: 'medium',
      thinking_budget: 2048,
      provider_order: ['Anthropic', 'Google'],
      allow_fallbacks: false,
    }, []);
    assert.deepEqual(body.reasoning, { max_tokens: 2048 });
    assert.deepEqual(body.provider, { order: ['Anthropic', 'Google'], allow_fallbacks: false });
  });

  test('a host is matched whole: lookalike hosts are generic', () => {
    assert.equal(providerOf('chat-completions', 'https://api.openai.com.evil.example/v1').id, 'generic');
    assert.equal(providerOf('chat-completions', 'https://notopenrouter.ai/api/v1').id, 'generic');
    assert.equal(providerOf('chat-completions', 'https://eu.api.openai.com/v1').id, 'openai');
    assert.equal(providerOf('chat-completions', 'https://myres.openai.azure.com/openai/deployments/d').id, 'azure-openai');
  });
});

/**
 * The samplers beyond the first five: each goes only where its API takes it, under the name that API uses (OpenAI's
 * names for the OpenAI-style ones, llama.cpp server's for the text-generation ones), and never at its neutral value.
 */
describe('extra samplers per API', () => {
  const every: SamplerSettings = {
    ...DEFAULT_SAMPLER_SETTINGS,
    frequency_penalty: 0.5,
    presence_penalty: -0.25,
    seed: 42,
    logit_bias: { '198': -5 },
    typical_p: 0.9,
    top_a: 0.2,
    tfs: 0.95,
    repetition_penalty_range: 1024,
    dry_multiplier: 0.8,
    dry_base: 1.75,
    dry_allowed_length: 2,
    dry_sequence_breakers: ['\n', ':'],
    xtc_threshold: 0.1,
    xtc_probability: 0.5,
    mirostat_mode: 2,
    mirostat_tau: 5,
    mirostat_eta: 0.1,
    banned_tokens: ['13', 'shivers down'],
  };
  const base = { stream: true, ...USAGE, max_tokens: 400, temperature: 1, top_p: 1 };
  const openAiStyle = { frequency_penalty: 0.5, presence_penalty: -0.25, seed: 42 };
  const textgen = {
    banned_strings: ['shivers down'],
    typical_p: 0.9,
    top_a: 0.2,
    tfs_z: 0.95,
    repeat_last_n: 1024,
    dry_multiplier: 0.8,
    dry_base: 1.75,
    dry_allowed_length: 2,
    dry_sequence_breakers: ['\n', ':'],
    xtc_threshold: 0.1,
    xtc_probability: 0.5,
    mirostat: 2,
    mirostat_tau: 5,
    mirostat_eta: 0.1,
  };
  const cases: Array<[name: string, baseUrl: string, kind: 'chat' | 'text', expected: Record<string, unknown>]> = [
    ['a local server, text completion: everything, banned token ids as a -100 bias', 'http://127.0.0.1:8080/v1', 'text', {
      ...openAiStyle,
      logit_bias: { '198': -5, '13': -100 },
      ...textgen,
    }],
    ['a local server, chat completion: the OpenAI-style ones only', 'http://127.0.0.1:8080/v1', 'chat', { ...openAiStyle, logit_bias: { '198': -5 } }],
    ['OpenAI', 'https://api.openai.com/v1', 'chat', { ...openAiStyle, logit_bias: { '198': -5 } }],
    ['OpenRouter, even for a text completion: no text-generation samplers', 'https://openrouter.ai/api/v1', 'text', { ...openAiStyle, logit_bias: { '198': -5 } }],
    ['Mistral: the penalties, not its differently named seed', 'https://api.mistral.ai/v1', 'chat', { frequency_penalty: 0.5, presence_penalty: -0.25 }],
    ['DeepSeek: the penalties', 'https://api.deepseek.com/v1', 'chat', { frequency_penalty: 0.5, presence_penalty: -0.25 }],
    ['Groq: the penalties and the seed', 'https://api.groq.com/openai/v1', 'chat', openAiStyle],
  ];
  for (const [name, baseUrl, kind, expected] of cases) {
    test(name, () => {
      const prompt = kind === 'chat' ? chat : { kind: 'text' as const, prompt: 'P' };
      const body = buildRequestBody(baseUrl, '', prompt, every, []);
      const provider = providerOf('chat-completions', baseUrl);
      const known = new Set(['prompt', 'messages', 'stream', 'stream_options', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'top_k', 'min_p', 'repetition_penalty']);
      const extras = Object.fromEntries(Object.entries(body).filter(([key]) => !known.has(key)));
      assert.deepEqual(extras, expected, provider.id);
    });
  }

  test('at their neutral values, or with their group switched off, nothing extra is sent', () => {
    const neutral: SamplerSettings = {
      ...DEFAULT_SAMPLER_SETTINGS,
      frequency_penalty: 0,
      seed: -1,
      typical_p: 1,
      tfs: 1,
      dry_base: 3,
      xtc_threshold: 0.3,
      mirostat_tau: 8,
      banned_tokens: [' '],
    };
    const body = buildRequestBody('http://127.0.0.1:8080/v1', '', { kind: 'text', prompt: 'P' }, neutral, []);
    assert.deepEqual(body, { prompt: 'P', ...base });
  });
});
