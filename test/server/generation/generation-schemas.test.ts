import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CreateConnectionRequest,
  DEFAULT_SAMPLER_SETTINGS,
  maskApiKey,
  PatchConnectionRequest,
} from '../../../src/shared/api/generation.js';
import { CONNECTION_PRESETS } from '../../../src/shared/api/providers.js';

const valid = { id: 'conn-0001', name: 'Local llama', api: 'chat-completions', baseUrl: 'http://127.0.0.1:8080/v1/' };

describe('connection profile schemas', () => {
  test('a create fills every sampler default and drops the trailing slash', () => {
    const parsed = CreateConnectionRequest.parse(valid);
    assert.equal(parsed.baseUrl, 'http://127.0.0.1:8080/v1');
    assert.deepEqual(parsed.settings, DEFAULT_SAMPLER_SETTINGS);
    assert.equal(parsed.model, '');
  });

  test('partial settings on create keep the rest at their defaults', () => {
    const parsed = CreateConnectionRequest.parse({ ...valid, settings: { temperature: 0.8, context_size: 32768 } });
    assert.deepEqual(parsed.settings, { ...DEFAULT_SAMPLER_SETTINGS, temperature: 0.8, context_size: 32768 });
  });

  test('a patch carries only what it names (no defaults that would overwrite stored values)', () => {
    assert.deepEqual(PatchConnectionRequest.parse({ settings: { top_k: 40 } }), { settings: { top_k: 40 } });
    assert.deepEqual(PatchConnectionRequest.parse({ apiKey: null }), { apiKey: null });
  });

  for (const [what, body] of [
    ['a non-http scheme', { ...valid, baseUrl: 'file:///etc/passwd' }],
    ['credentials in the URL', { ...valid, baseUrl: 'http://user:secret@127.0.0.1:8080/v1' }],
    ['a query string', { ...valid, baseUrl: 'http://127.0.0.1:8080/v1?key=1' }],
    ['not a URL', { ...valid, baseUrl: '127.0.0.1:8080' }],
    ['an unknown api', { ...valid, api: 'kobold-native' }],
    ['max_tokens not below context_size', { ...valid, settings: { max_tokens: 4096, context_size: 4096 } }],
    ['a temperature out of range', { ...valid, settings: { temperature: 9 } }],
    ['an instruct template id of more than 100 characters', { ...valid, instructTemplate: 'x'.repeat(101) }],
    ['a negative repetition penalty range', { ...valid, settings: { repetition_penalty_range: -1 } }],
    ['a logit bias on a word instead of a token id', { ...valid, settings: { logit_bias: { hello: -100 } } }],
    ['an empty name', { ...valid, name: '  ' }],
  ] as const) {
    test(`refuses ${what}`, () => {
      assert.equal(CreateConnectionRequest.safeParse(body).success, false);
    });
  }
});

describe('maskApiKey', () => {
  test('shows the vendor prefix and the last 4 of a long key', () => {
    assert.equal(maskApiKey('sk-proj-abcdefghijklmnopqrstuvwxyz1234abcd'), 'sk-…abcd');
    assert.equal(maskApiKey('0123456789abcdefWXYZ'), '…WXYZ');
  });

  test('shows less of shorter keys, and nothing of a very short one', () => {
    assert.equal(maskApiKey('sk-12345678'), '…78');
    assert.equal(maskApiKey('abc'), '…');
  });

  test('never shows more than 7 characters of any key', () => {
    for (let n = 1; n < 80; n++) {
      const key = `sk-${'x'.repeat(n)}`;
      assert.ok(maskApiKey(key).replace('…', '').length <= 7, key);
    }
  });
});

describe('presets', () => {
  test('each backend has its usual address ending in /v1, and vLLM warns about port 8000', () => {
    const byId = Object.fromEntries(CONNECTION_PRESETS.map((p) => [p.id, p]));
    assert.equal(byId['llama-cpp']?.baseUrl, 'http://127.0.0.1:8080/v1');
    assert.equal(byId.ollama?.baseUrl, 'http://127.0.0.1:11434/v1');
    assert.equal(byId.koboldcpp?.baseUrl, 'http://127.0.0.1:5001/v1');
    assert.equal(byId['lm-studio']?.baseUrl, 'http://127.0.0.1:1234/v1');
    assert.equal(byId.tabbyapi?.baseUrl, 'http://127.0.0.1:5000/v1');
    assert.match(byId.vllm?.note ?? '', /Parley's default port/);
    for (const preset of CONNECTION_PRESETS) {
      assert.ok(CreateConnectionRequest.safeParse({ ...valid, api: preset.api, baseUrl: preset.baseUrl }).success, preset.id);
    }
  });
});
