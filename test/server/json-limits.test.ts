import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { appendOp, createCharacterAndChat, makeCard, newId } from '../support/fixtures.js';
import { TestClient } from '../support/http-client.js';
import { DIALECTS, freshDatabase, unavailable, type TestDatabase } from '../support/test-databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/*
 * Items 3 and 4 of issue 8: every JSON body is held to one rule — text stored exactly as sent, nesting at most 64 —
 * and file imports keep what they can, saying what they changed or skipped. On both databases.
 */

/** A JSON value nested `depth` levels of arrays, as text (JSON.stringify itself would overflow far before 10,000). */
const nestedText = (depth: number) => '['.repeat(depth) + '1' + ']'.repeat(depth);
/** A value nested `depth - 1` levels of arrays around a number (depth counts the number as in nestedText(depth - 1)). */
const nestedValue = (depth: number): unknown => {
  let value: unknown = 1;
  for (let i = 1; i < depth; i++) value = [value];
  return value;
};

for (const dialect of DIALECTS) {
  describe(`JSON limits on every body (${dialect})`, async () => {
    const skip = await unavailable(dialect);
    let db: TestDatabase | undefined;
    let server: TestServer;
    let client: TestClient;
    let characterId: string;
    let chatId: string;

    before(async () => {
      if (skip) return;
      db = await freshDatabase(dialect);
      server = await startTestServer({ config: db.configKeys });
      client = new TestClient(server.url);
      await client.session();
      ({ characterId, chatId } = await createCharacterAndChat(client));
    });
    after(async () => {
      if (skip) return;
      await server.close();
      await db?.dispose();
    });

    /** A raw JSON text body (the test client would re-encode it). */
    const sendText = (method: string, path: string, text: string | Buffer) =>
      client.request(method, path, { body: typeof text === 'string' ? text : new Uint8Array(text), headers: { 'content-type': 'application/json' } });

    const messageCount = async () => (await client.get(`/api/chats/${chatId}`)).body.messageCount as number;

    test('a lone UTF-16 surrogate is refused 400 invalid_text on every kind of JSON route, and nothing is stored', { skip: skip ?? false }, async () => {
      const lone = 'tail \ud83d';
      const before = await messageCount();
      const attempts = [
        await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp(lone)] }),
        await client.post(`/api/chats/${chatId}/ops`, { ops: [{ ...appendOp('ok'), message: { ...appendOp('ok').message, extra: { [`key\udc00`]: 1 } } }] }),
        await client.post('/api/characters', { card: makeCard({ name: lone }) }),
        await client.put(`/api/characters/${characterId}`, { card: makeCard({ description: lone }) }),
        await client.patch('/api/settings', { opId: newId(), patch: { theme: lone } }),
        await client.post('/api/personas', { id: newId(), name: lone }),
        await client.post('/api/connections', { id: newId(), name: lone, api: 'chat-completions', baseUrl: 'https://api.example.com/v1' }),
      ];
      for (const reply of attempts) {
        assert.equal(reply.status, 400, JSON.stringify(reply.body));
        assert.equal(reply.body.error, 'invalid_text');
      }
      assert.equal(await messageCount(), before);
      assert.equal((await client.get('/api/characters')).body.length, 1);
      assert.deepEqual((await client.get('/api/personas')).body, []);
      assert.equal((await client.get('/api/settings')).body.revision, 0);
      // A whole surrogate pair is a character like any other.
      const emoji = await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('tail \ud83d\ude00')] });
      assert.equal(emoji.body.results[0].status, 'applied');
    });

    test('bytes that are not UTF-8 and NUL characters are invalid_text too (a NUL in a name is 400 on both databases)', { skip: skip ?? false }, async () => {
      const notUtf8 = Buffer.concat([Buffer.from('{"card":{"spec":"chara_card_v2","spec_version":"2.0","data":{"name":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}}}')]);
      const bad = await sendText('POST', '/api/characters', notUtf8);
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error, 'invalid_text');
      for (const reply of [
        await client.post('/api/characters', { card: makeCard({ name: 'Sera\u0000phina' }) }),
        await client.put(`/api/characters/${characterId}`, { card: makeCard({ name: 'x\u0000' }) }),
        await client.post('/api/personas', { id: newId(), name: 'a\u0000b' }),
      ]) {
        assert.equal(reply.status, 400, JSON.stringify(reply.body));
        assert.equal(reply.body.error, 'invalid_text');
      }
      assert.equal((await client.get('/api/characters')).body.length, 1);
    });

    test('nesting beyond 64 is 400 too_deep on ops extra, setMetadata, settings, characters; 64 is accepted', { skip: skip ?? false }, async () => {
      const before = await messageCount();
      const op = (extra: string) =>
        `{"ops":[{"opId":"${newId()}","type":"append","message":{"id":"${newId()}","role":"user","name":"User","content":"x","extra":{"deep":${extra}}}}]}`;
      for (const depth of [10_000, 100_000, 60]) {
        // The body, ops array, op, message and extra are 5 levels; 60 arrays inside make 65.
        const reply = await sendText('POST', `/api/chats/${chatId}/ops`, op(nestedText(depth)));
        assert.equal(reply.status, 400, `${depth}: ${JSON.stringify(reply.body).slice(0, 200)}`);
        assert.equal(reply.body.error, 'too_deep');
      }
      const bodies: [string, string, string][] = [
        ['POST', `/api/chats/${chatId}/ops`, `{"ops":[{"opId":"${newId()}","type":"setMetadata","patch":{"x":${nestedText(10_000)}}}]}`],
        ['PATCH', '/api/settings', `{"opId":"${newId()}","patch":{"x":${nestedText(10_000)}}}`],
        ['POST', '/api/characters', JSON.stringify({ card: makeCard() }).replace('"custom_key"', `"deep":${nestedText(10_000)},"custom_key"`)],
        ['PUT', `/api/characters/${characterId}`, JSON.stringify({ card: makeCard() }).replace('"custom_key"', `"deep":${nestedText(200)},"custom_key"`)],
        ['POST', '/api/personas', `{"id":"${newId()}","name":"p","extra":${nestedText(70)}}`],
      ];
      for (const [method, path, text] of bodies) {
        const reply = await sendText(method, path, text);
        assert.equal(reply.status, 400, `${method} ${path}: ${JSON.stringify(reply.body).slice(0, 200)}`);
        assert.equal(reply.body.error, 'too_deep');
      }
      assert.equal(await messageCount(), before);
      // The limit is 64 levels of the whole body: the 5 around `deep`, then 59 arrays.
      const ok = await client.post(`/api/chats/${chatId}/ops`, {
        ops: [{ ...appendOp('deep enough'), message: { ...appendOp('deep enough').message, extra: { deep: nestedValue(60) } } }],
      });
      assert.equal(ok.status, 200, JSON.stringify(ok.body).slice(0, 300));
      // And what was accepted reads back and exports whole.
      const page = await client.get(`/api/chats/${chatId}/messages`);
      assert.equal(page.status, 200);
      const exported = await fetch(`${server.url}/api/chats/${chatId}/export`, { headers: { cookie: client.cookieHeader } });
      assert.equal(exported.status, 200);
      assert.match(await exported.text(), /deep enough/);
      // Brackets inside strings are text, not nesting.
      const brackets = await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('['.repeat(500) + '{'.repeat(500))] });
      assert.equal(brackets.body.results[0].status, 'applied');
    });

    test('POST and PUT /api/characters hold a card to the limits of a card file', { skip: skip ?? false }, async () => {
      const long = 'x'.repeat(1_000_001);
      for (const reply of [
        await client.post('/api/characters', { card: makeCard({ description: long }) }),
        await client.put(`/api/characters/${characterId}`, { card: makeCard({ extensions: { big: long } }) }),
        await client.post('/api/characters', { card: makeCard({ name: 'n'.repeat(501) }) }),
      ]) {
        assert.equal(reply.status, 400, JSON.stringify(reply.body).slice(0, 300));
        assert.equal(reply.body.error, 'invalid_request');
        assert.ok(reply.body.details.problems.some((p: { path: string }) => p.path.startsWith('card')), reply.body.message);
      }
      assert.equal((await client.get(`/api/characters/${characterId}`)).body.card.data.name, 'Seraphina');
    });

    test('a malformed multipart body is 400, not 500, and imports nothing', { skip: skip ?? false }, async () => {
      const chatsBefore = (await client.get('/api/chats')).body.length;
      const boundary = 'parley-boundary';
      const part = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.jsonl"\r\nContent-Type: application/jsonl\r\n\r\n{"user_name":"U"}\n{"name":"U","is_user":true,"mes":"hi"}\n`;
      const cases: [string, string][] = [
        [`multipart/form-data; boundary=${boundary}`, part], // cut before the closing boundary
        ['multipart/form-data', part], // no boundary at all
        [`multipart/form-data; boundary=${boundary}`, `--${boundary}\r\nbroken header line\r\n\r\nx\r\n--${boundary}--\r\n`],
      ];
      for (const path of [`/api/chats/import?characterId=${characterId}`, '/api/characters/import']) {
        for (const [type, body] of cases) {
          const reply = await raw(server, 'POST', path, { cookie: client.cookieHeader, 'x-csrf-token': client.csrfToken!, 'content-type': type }, body);
          assert.ok(reply.status >= 400 && reply.status < 500, `${path} ${type}: ${reply.status} ${reply.body}`);
          assert.equal(JSON.parse(reply.body).error.length > 0, true);
        }
      }
      assert.equal((await client.get('/api/chats')).body.length, chatsBefore);
      assert.equal((await client.get('/api/characters')).body.length, 1);
    });

    test('a JSONL import keeps a line with a lone surrogate as U+FFFD and says so; a line nested too deep is skipped and said', { skip: skip ?? false }, async () => {
      const lines = [
        JSON.stringify({ user_name: 'User', character_name: 'Seraphina', chat_metadata: {} }),
        JSON.stringify({ name: 'User', is_user: true, mes: 'first' }),
        JSON.stringify({ name: 'Seraphina', is_user: false, mes: 'half \ud83d of a face' }),
        `{"name":"User","is_user":true,"mes":"deep","extra":{"x":${nestedText(100)}}}`,
        JSON.stringify({ name: 'Seraphina', is_user: false, mes: 'last' }),
      ];
      const form = new FormData();
      form.append('file', new Blob([lines.join('\n')], { type: 'application/jsonl' }), 'chat.jsonl');
      const reply = await client.post(`/api/chats/import?characterId=${characterId}`, form);
      assert.equal(reply.status, 201, JSON.stringify(reply.body));
      assert.equal(reply.body.imported, 3);
      assert.deepEqual(reply.body.changedLines, [{ line: 3, reason: 'a lone UTF-16 surrogate (half of a character) was kept as U+FFFD' }]);
      assert.deepEqual(reply.body.skippedLines, [{ line: 4, reason: 'nests deeper than 64 levels' }]);
      const page = await client.get(`/api/chats/${reply.body.id}/messages`);
      assert.deepEqual(page.body.messages.map((m: { content: string }) => m.content), ['first', 'half \ufffd of a face', 'last']);
    });

    test('a card file with a lone surrogate is imported with U+FFFD and the change is reported', { skip: skip ?? false }, async () => {
      const form = new FormData();
      form.append('file', new Blob([JSON.stringify(makeCard({ name: 'Half', description: 'a \udc00 b' }))], { type: 'application/json' }), 'half.json');
      const reply = await client.post('/api/characters/import', form);
      assert.equal(reply.status, 201, JSON.stringify(reply.body));
      assert.deepEqual(reply.body.changed, ['a lone UTF-16 surrogate (half of a character) was kept as U+FFFD']);
      assert.equal((await client.get(`/api/characters/${reply.body.id}`)).body.card.data.description, 'a \ufffd b');
      await client.delete(`/api/characters/${reply.body.id}`);
    });
  });
}

function raw(server: TestServer, method: string, path: string, headers: Record<string, string>, body: string) {
  const { port } = new URL(server.url);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
