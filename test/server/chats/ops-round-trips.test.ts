import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import type pgModule from 'pg';
import { appendOp, createCharacterAndChat } from '../../support/fixtures.js';
import { TestClient } from '../../support/http-client.js';
import { postgresUnavailable } from '../../support/postgres.js';
import { SseReader } from '../../support/sse-reader.js';
import { serversForThisFileOn } from '../../support/test-databases.js';

const skip = (await postgresUnavailable()) ?? false;
const serve = serversForThisFileOn('postgres');

/** Every statement the server's pg clients send from here on (the store's pool and its NOTIFY channel): its text,
 *  and the name it is prepared under, if any. */
function statementsSent(): { texts: string[]; names: Array<string | undefined>; stop(): void } {
  const { Client } = createRequire(import.meta.url)('pg') as typeof pgModule;
  const query = Client.prototype.query;
  const texts: string[] = [];
  const names: Array<string | undefined> = [];
  Client.prototype.query = function (this: pgModule.Client, ...args: unknown[]) {
    const config = args[0];
    texts.push(typeof config === 'string' ? config : String((config as { text?: unknown }).text));
    names.push(typeof config === 'string' ? undefined : (config as { name?: string }).name);
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  return { texts, names, stop: () => void (Client.prototype.query = query) };
}

test('an append to a chat of the user\'s own is one session read, the transaction and a NOTIFY: no settings or participants read, the op claimed with the lock, the message with the header, prepared statements', { skip }, async () => {
  const server = await serve();
  const client = new TestClient(server.url);
  await client.session();
  const { chatId } = await createCharacterAndChat(client);
  const otherTab = new SseReader(client, '/api/events');
  await otherTab.ready;
  const warmUp = await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('warm-up')] });
  await otherTab.until((e) => e.data.type === 'chat' && e.data.revision === warmUp.body.revision);

  const sent = statementsSent();
  try {
    const applied = await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('Hello')] });
    assert.equal(applied.body.results[0].status, 'applied');
    // The owner's other tab still hears of it, from across the database's channel.
    await otherTab.until((e) => e.data.type === 'chat' && e.data.revision === applied.body.revision);
  } finally {
    sent.stop();
    otherTab.close();
  }
  const reads = sent.texts.map((text) => text.replace(/\s+/g, ' ').toLowerCase());
  assert.deepEqual(
    reads.filter((text) => / from "settings"/.test(text)),
    [],
    "the settings' stamp came with the session",
  );
  assert.equal(reads.filter((text) => text.includes('chat_shares')).length, 1, "the chat's lock told whether it is shared");
  assert.equal(reads.filter((text) => text.startsWith('insert into "applied_ops"')).length, 0, "the chat's lock claimed the op id");
  assert.equal(
    reads.filter((text) => /insert into "messages"/.test(text) && /update "chats"/.test(text)).length,
    1,
    "the message and the chat's header are one statement",
  );
  // The session, BEGIN, the lock with the claim, the message with the chat's header, COMMIT, and the NOTIFY.
  assert.ok(reads.length <= 6, `6 round trips at most, not ${reads.length}:\n${reads.join('\n')}`);
  // The session read and every statement of the transaction but its begin and commit are prepared once per
  // connection, not parsed and planned again.
  const unnamed = reads.filter((text, i) => sent.names[i] === undefined && !/^(begin|commit|select pg_notify)/.test(text));
  assert.deepEqual(unnamed, [], 'the save path runs prepared statements');
});

test("columns another node's migration adds while this one runs do not break its prepared statements", { skip }, async () => {
  const server = await serve();
  const client = new TestClient(server.url);
  await client.session();
  const { chatId } = await createCharacterAndChat(client);
  // Every connection of the pool prepares the save path's statements.
  const burst = await Promise.all(Array.from({ length: 12 }, () => client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('before')] })));
  assert.deepEqual(burst.map((r) => r.status), Array(12).fill(200));
  // What a newer node's migration may do to the tables those statements read: a column more.
  await server.store.db.schema.alterTable('chats').addColumn('added_later', 'text').execute();
  await server.store.db.schema.alterTable('sessions').addColumn('added_later', 'text').execute();
  const after = await Promise.all(Array.from({ length: 12 }, () => client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('after')] })));
  assert.deepEqual(after.map((r) => [r.status, r.body.results?.[0]?.status]), Array(12).fill([200, 'applied']));
  assert.equal((await client.get(`/api/chats/${chatId}`)).body.messageCount, 25);
});
