import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { CONNECTION_PRESETS } from '../../../src/shared/api/providers.js';
import { FakeLlmServer } from '../../support/fake-llm-server.js';
import { newId } from '../../support/fixtures.js';
import { TestClient } from '../../support/http-client.js';
import { type TestServer } from '../../support/test-server.js';
import { DIALECTS, dialectSkips, serversForThisFileOn } from '../../support/test-databases.js';
import { addUser } from '../../support/users.js';

const KEY = 'sk-test-0123456789abcdefWXYZ';

let fake: FakeLlmServer;
before(async () => {
  fake = await FakeLlmServer.start();
});
after(() => fake.close());

const skips = await dialectSkips();
for (const dialect of DIALECTS) describe(`connection profiles over HTTP (${dialect})`, { skip: skips[dialect] }, () => {
  let server: TestServer;
  let ann: TestClient;
  let ben: TestClient;
  // The fake backend is on loopback, which users who are not admins reach on a shared server only when listed.
  const serve = serversForThisFileOn(dialect, { enableUserAccounts: true, backendAllowlist: ['127.0.0.1'], logLevel: 'warn' });

  before(async () => {
    server = await serve();
    await addUser(server, { handle: 'ann', password: 'ann-password', name: 'Ann' });
    await addUser(server, { handle: 'ben', password: 'ben-password', name: 'Ben' });
    ann = new TestClient(server.url);
    ben = new TestClient(server.url);
    await ann.login('ann', 'ann-password');
    await ben.login('ben', 'ben-password');
  });
  beforeEach(() => {
    fake.script = {};
    fake.requests.length = 0;
  });

  const profile = (over: Record<string, unknown> = {}) => ({ id: newId(), name: 'Local', api: 'chat-completions', baseUrl: fake.url, model: 'fake-model', ...over });

  test('a created profile never shows its key, only a hint; the key still reaches the backend', async () => {
    const body = profile({ apiKey: KEY });
    const created = await ann.post('/api/connections', body);
    assert.equal(created.status, 201);
    assert.equal(created.body.apiKeyHint, 'sk-…WXYZ');
    assert.equal(created.body.settings.max_tokens, 400, 'omitted sampler settings take their defaults');
    for (const reply of [created, await ann.get('/api/connections'), await ann.get(`/api/connections/${body.id}`)]) {
      assert.ok(!JSON.stringify(reply.body).includes(KEY), 'the key is never returned whole');
      assert.ok(!JSON.stringify(reply.body).includes('0123456789'), 'not even most of it');
    }
    const stored = await server.store.connections.get((await server.store.users.byHandle('ann'))!.id, body.id);
    assert.equal(stored?.apiKey, KEY, 'the key is kept on the server');

    const test = await ann.post(`/api/connections/${body.id}/test`);
    assert.equal(test.status, 200);
    assert.equal(test.body.ok, true);
    assert.equal(fake.requests.at(-1)?.headers.authorization, `Bearer ${KEY}`);
  });

  test('create is idempotent by the client id: a retry returns the first profile unchanged', async () => {
    const body = profile({ name: 'First' });
    assert.equal((await ann.post('/api/connections', body)).status, 201);
    const retry = await ann.post('/api/connections', { ...body, name: 'Second' });
    assert.equal(retry.status, 200);
    assert.equal(retry.body.name, 'First');
    const list = (await ann.get('/api/connections')).body as Array<{ id: string }>;
    assert.equal(list.filter((c) => c.id === body.id).length, 1);
  });

  test('patch merges settings field by field, replaces and removes the key, and checks the merged settings', async () => {
    const body = profile({ apiKey: KEY, settings: { temperature: 0.5, max_tokens: 300 } });
    await ann.post('/api/connections', body);
    const patched = await ann.patch(`/api/connections/${body.id}`, { settings: { top_p: 0.9 }, model: 'other' });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.settings.temperature, 0.5);
    assert.equal(patched.body.settings.top_p, 0.9);
    assert.equal(patched.body.settings.max_tokens, 300);
    assert.equal(patched.body.model, 'other');
    assert.equal(patched.body.apiKeyHint, 'sk-…WXYZ', 'an absent apiKey keeps the key');

    const tooLong = await ann.patch(`/api/connections/${body.id}`, { settings: { max_tokens: 9000 } });
    assert.equal(tooLong.status, 400, 'max_tokens must stay below the stored context_size');
    assert.equal(tooLong.body.error, 'invalid_request');
    assert.equal((await ann.get(`/api/connections/${body.id}`)).body.settings.max_tokens, 300, 'a refused patch stores nothing');

    const removed = await ann.patch(`/api/connections/${body.id}`, { apiKey: null });
    assert.equal(removed.body.apiKeyHint, null);
  });

  test('bad input is refused with a 4xx and stores nothing', async () => {
    const before = (await ann.get('/api/connections')).body.length;
    const cases: Array<[unknown, string]> = [
      [profile({ baseUrl: 'ftp://example.com/v1' }), 'baseUrl'],
      [profile({ baseUrl: 'http://user:pw@127.0.0.1/v1' }), 'baseUrl'],
      [profile({ api: 'kobold-native' }), 'api'],
      [profile({ id: '../../etc' }), 'id'],
      [profile({ settings: { temperature: 9 } }), 'settings.temperature'],
      [profile({ settings: { max_tokens: 8192, context_size: 8192 } }), 'settings.max_tokens'],
      [{ name: 'no id' }, 'id'],
    ];
    for (const [body, field] of cases) {
      const reply = await ann.post('/api/connections', body);
      assert.equal(reply.status, 400, `${field}: ${JSON.stringify(reply.body)}`);
      assert.equal(reply.body.error, 'invalid_request');
      assert.ok(reply.body.details.problems.some((p: { path: string }) => p.path === field), `names ${field}: ${reply.body.message}`);
    }
    assert.equal((await ann.get('/api/connections')).body.length, before);
    assert.equal((await ann.patch('/api/connections/no-such-id', { name: 'x' })).status, 404);
    assert.equal((await ann.delete('/api/connections/no-such-id')).status, 404);
  });

  test("another user neither sees nor uses a profile, even knowing its id", async () => {
    const body = profile({ apiKey: KEY });
    await ann.post('/api/connections', body);
    assert.deepEqual((await ben.get('/api/connections')).body, []);
    assert.equal((await ben.get(`/api/connections/${body.id}`)).status, 404);
    assert.equal((await ben.patch(`/api/connections/${body.id}`, { name: 'mine' })).status, 404);
    assert.equal((await ben.post(`/api/connections/${body.id}/test`)).status, 404);
    assert.equal((await ben.get(`/api/connections/${body.id}/models`)).status, 404);
    assert.equal((await ben.delete(`/api/connections/${body.id}`)).status, 404);
    // The same client id is Ben's own profile, not a clash with Ann's.
    assert.equal((await ben.post('/api/connections', { ...body, name: 'Ben local' })).status, 201);
    assert.equal((await ann.get(`/api/connections/${body.id}`)).body.name, 'Local');
  });

  test('models are listed from the backend; a backend failure is a 502 naming it', async () => {
    const body = profile();
    await ann.post('/api/connections', body);
    fake.script = { models: ['llama-3-8b', 'qwen-2'] };
    assert.deepEqual((await ann.get(`/api/connections/${body.id}/models`)).body, { models: ['llama-3-8b', 'qwen-2'] });
    fake.script = { status: 401 };
    const refused = await ann.get(`/api/connections/${body.id}/models`);
    assert.equal(refused.status, 502);
    assert.equal(refused.body.error, 'upstream_error');
    assert.equal(refused.body.details.failure, 'unauthorized');
  });

  test('test connection diagnoses refused, 401, wrong path and a model the backend does not list', async () => {
    const dead = await FakeLlmServer.start();
    const deadUrl = dead.url;
    await dead.close();
    const cases: Array<[Record<string, unknown>, Record<string, unknown>, string]> = [
      [{ baseUrl: deadUrl }, {}, 'connection_refused'],
      [{}, { status: 401 }, 'unauthorized'],
      [{ baseUrl: fake.origin }, {}, 'not_found'],
    ];
    for (const [over, script, failure] of cases) {
      const body = profile(over);
      await ann.post('/api/connections', body);
      fake.script = script;
      const result = await ann.post(`/api/connections/${body.id}/test`);
      assert.equal(result.status, 200);
      assert.equal(result.body.ok, false);
      assert.equal(result.body.failure, failure, result.body.message);
    }
    const body = profile({ model: 'missing-model' });
    await ann.post('/api/connections', body);
    fake.script = { models: ['fake-model'] };
    const warned = await ann.post(`/api/connections/${body.id}/test`);
    assert.equal(warned.body.ok, true);
    assert.match(warned.body.warning, /missing-model/);
  });

  test('presets list the usual local addresses and delete removes a profile', async () => {
    assert.deepEqual((await ann.get('/api/connections/presets')).body, CONNECTION_PRESETS);
    const body = profile();
    await ann.post('/api/connections', body);
    assert.equal((await ann.delete(`/api/connections/${body.id}`)).status, 204);
    assert.equal((await ann.get(`/api/connections/${body.id}`)).status, 404);
  });

  test('the form tests a connection before saving: nothing is stored; a stored key goes only to its own address', async () => {
    fake.script = { models: ['alpha', 'beta'] };
    const before = (await ann.get('/api/connections')).body.length;
    const draft = await ann.post('/api/connections/test', { api: 'chat-completions', baseUrl: fake.url, apiKey: KEY, model: '' });
    assert.equal(draft.status, 200);
    assert.equal(draft.body.ok, true);
    assert.deepEqual(draft.body.models, ['alpha', 'beta']);
    assert.equal(fake.requests.at(-1)?.headers.authorization, `Bearer ${KEY}`);
    assert.equal((await ann.get('/api/connections')).body.length, before, 'a test stores nothing');

    // Editing a stored profile: with no key typed, its key is used at its own address, and never sent anywhere else.
    const stored = profile({ apiKey: KEY });
    assert.equal((await ann.post('/api/connections', stored)).status, 201);
    await ann.post('/api/connections/test', { api: 'chat-completions', baseUrl: fake.url, model: '', connectionId: stored.id });
    assert.equal(fake.requests.at(-1)?.headers.authorization, `Bearer ${KEY}`);
    fake.requests.length = 0;
    const elsewhere = await ann.post('/api/connections/test', { api: 'chat-completions', baseUrl: `${fake.url}/other`, model: '', connectionId: stored.id });
    assert.equal(elsewhere.status, 200);
    assert.ok(fake.requests.length > 0, 'the other address was asked');
    assert.ok(fake.requests.every((r) => r.headers.authorization === undefined), 'the stored key did not go to another address');

    // Another user's profile is a 404; bad input a 400; an address the operator does not allow is refused, not contacted.
    assert.equal((await ben.post('/api/connections/test', { api: 'chat-completions', baseUrl: fake.url, connectionId: stored.id })).status, 404);
    assert.equal((await ann.post('/api/connections/test', { api: 'chat-completions', baseUrl: 'ftp://x' })).status, 400);
    assert.equal((await ann.post('/api/connections/test', { api: 'chat-completions' })).status, 400);
    const refused = await ann.post('/api/connections/test', { api: 'chat-completions', baseUrl: 'http://10.1.2.3:8080/v1' });
    assert.equal(refused.status, 200);
    assert.equal(refused.body.ok, false);
    assert.equal(refused.body.failure, 'not_allowed');
  });
});
