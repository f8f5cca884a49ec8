import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { FakeLlmServer, numberedTokens } from '../../support/fake-llm-server.js';
import { appendOp, createCharacterAndChat, newId } from '../../support/fixtures.js';
import { TestClient } from '../../support/http-client.js';
import { startServerProcess, writeServerConfig, type ServerProcess } from '../../support/server-process.js';
import { SseReader } from '../../support/sse-reader.js';
import { DIALECTS, freshDatabase, unavailable } from '../../support/test-databases.js';
import { tempDir } from '../../support/test-server.js';

/**
 * Issue 8 item 5: a word shown is a word saved. The server relays text to clients only once it is committed, so a
 * kill -9 at any moment of a streamed reply leaves a stored reply that holds at least what the client was shown.
 */

const cleanups: Array<() => unknown> = [];
let fake: FakeLlmServer;
before(async () => {
  fake = await FakeLlmServer.start();
});
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await fake.close();
});

/** How much text the client has been shown when the server is killed (characters), one run each. */
const KILL_AFTER_SEEN = [1, 200, 900];

for (const dialect of DIALECTS) {
  test(`kill -9 mid-reply: the stored reply holds everything the client was shown (${dialect})`, { skip: (await unavailable(dialect)) ?? false, timeout: 240_000 }, async () => {
    const database = await freshDatabase(dialect);
    const dataDir = tempDir('parley-relay-kill-');
    cleanups.push(() => database.dispose(), () => rmSync(dataDir, { recursive: true, force: true }));
    writeServerConfig(dataDir, database.configKeys);
    let server: ServerProcess = await startServerProcess(dataDir);
    cleanups.push(() => server.kill());
    let client = new TestClient(server.url);
    await client.session();
    await client.post('/api/connections', { id: newId(), name: 'Fake', api: 'chat-completions', baseUrl: fake.url, model: 'fake-model' });
    const margins: number[] = [];

    for (const threshold of KILL_AFTER_SEEN) {
      // A chat each: on PostgreSQL the killed generation holds its chat until its heartbeat goes stale.
      const { chatId } = await createCharacterAndChat(client);
      await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('Tell me a long story.')] });
      fake.script = { tokens: numberedTokens(3000), delayMs: 2 };
      const reader = new SseReader(client, `/api/chats/${chatId}/generate`, { method: 'POST', body: {} });
      cleanups.push(() => reader.close());
      let seen = '';
      let messageId = '';
      while (seen.length < threshold) {
        const event = await reader.next(10_000);
        assert.ok(event, 'the stream goes on until the kill');
        if (event.event === 'start') messageId = event.data.messageId;
        if (event.event === 'token') seen += event.data.text;
        assert.notEqual(event.event, 'done', 'the reply is long enough to be cut');
      }
      await server.kill();
      // Whatever reached the client before the connection dropped was shown too.
      for (let event = await reader.next(2_000); event; event = await reader.next(2_000)) {
        if (event.event === 'token') seen += event.data.text;
      }

      server = await startServerProcess(dataDir);
      client = client.sameBrowser(server.url);
      await client.session();
      const stored = (await client.get(`/api/chats/${chatId}/messages`)).body.messages.at(-1);
      assert.equal(stored.id, messageId);
      assert.ok(
        stored.content.startsWith(seen.trimEnd()),
        `stored (${stored.content.length} chars) holds all ${seen.length} chars shown:\nshown:  …${seen.slice(-60)}\nstored: …${stored.content.slice(seen.length - 60, seen.length + 10)}`,
      );
      margins.push(stored.content.length - seen.length);
    }
    console.log(`relay after commit (${dialect}): stored minus shown after each kill, in characters: ${margins.join(', ')}`);
  });
}
