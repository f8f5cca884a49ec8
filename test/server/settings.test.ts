import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { newId } from '../support/fixtures.js';
import { TestClient } from '../support/http-client.js';
import { DIALECTS, dialectSkips, serversForThisFileOn } from '../support/test-databases.js';

const skips = await dialectSkips();
for (const dialect of DIALECTS) describe(`settings and personas over HTTP (${dialect})`, { skip: skips[dialect] }, () => {
  let client: TestClient;
  const serve = serversForThisFileOn(dialect, { logLevel: 'warn' });

  before(async () => {
    client = new TestClient((await serve()).url);
    await client.session();
  });

  describe('settings', () => {
    test('a patch merges, moves the revision, and a resent opId changes nothing', async () => {
      assert.deepEqual((await client.get('/api/settings')).body, { values: {}, revision: 0 });
      const opId = newId();
      const first = await client.patch('/api/settings', { opId, patch: { theme: 'dark', chat: { fontSize: 15 } } });
      assert.equal(first.status, 200);
      assert.equal(first.body.status, 'applied');
      assert.equal(first.body.revision, 1);
      const second = await client.patch('/api/settings', { opId: newId(), patch: { chat: { compact: true }, theme: null } });
      assert.deepEqual(second.body.values, { chat: { fontSize: 15, compact: true } });
      const resent = await client.patch('/api/settings', { opId, patch: { theme: 'dark', chat: { fontSize: 15 } } });
      assert.equal(resent.body.status, 'duplicate');
      assert.deepEqual((await client.get('/api/settings')).body, { values: { chat: { fontSize: 15, compact: true } }, revision: 2 });
    });

    test('bad patches are refused with 400 and change nothing', async () => {
      const before = (await client.get('/api/settings')).body;
      for (const body of [{ patch: {} }, { opId: newId(), patch: [] }, { opId: 'x', patch: {} }, { opId: newId(), patch: 'a' }]) {
        const reply = await client.patch('/api/settings', body);
        assert.equal(reply.status, 400, JSON.stringify(body));
        assert.equal(reply.body.error, 'invalid_request');
      }
      assert.deepEqual((await client.get('/api/settings')).body, before);
    });
  });

  describe('personas', () => {
    test('create is idempotent by client id; patch by opId; one default at a time; delete', async () => {
      const a = { id: newId(), name: 'Wanderer', description: 'A tired traveller', isDefault: true };
      assert.equal((await client.post('/api/personas', a)).status, 201);
      const again = await client.post('/api/personas', { ...a, name: 'Changed?' });
      assert.equal(again.status, 200);
      assert.equal(again.body.name, 'Wanderer');
      const b = { id: newId(), name: 'Knight', description: '' };
      await client.post('/api/personas', b);
      const opId = newId();
      const patched = await client.patch(`/api/personas/${b.id}`, { opId, patch: { isDefault: true, description: 'Sworn' } });
      assert.equal(patched.body.status, 'applied');
      assert.equal(patched.body.revision, 2);
      const resent = await client.patch(`/api/personas/${b.id}`, { opId, patch: { isDefault: true, description: 'Sworn' } });
      assert.equal(resent.body.status, 'duplicate');
      assert.equal(resent.body.revision, 2);
      const list = (await client.get('/api/personas')).body as Array<{ name: string; isDefault: boolean }>;
      assert.deepEqual(
        list.map((p) => [p.name, p.isDefault]),
        [
          ['Knight', true],
          ['Wanderer', false],
        ],
      );
      assert.equal((await client.delete(`/api/personas/${a.id}`)).status, 204);
      assert.equal((await client.delete(`/api/personas/${a.id}`)).status, 404);
      assert.equal((await client.patch(`/api/personas/${a.id}`, { opId: newId(), patch: { name: 'x' } })).status, 404);
      assert.equal((await client.post('/api/personas', { id: newId(), name: '' })).status, 400);
    });
  });
});
