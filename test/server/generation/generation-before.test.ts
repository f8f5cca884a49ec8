import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { GenerationMode } from '../../../src/shared/api/generation.js';
import type { GenerationPlan } from '../../../src/server/services/generation-plan.js';
import {
  beginGeneration,
  endStaleGenerations,
  finishGeneration,
  generationIdentity,
  saveProgress,
  type StartedGeneration,
} from '../../../src/server/services/generation-writes.js';
import type { Store } from '../../../src/server/store/store.js';
import { appendOp, createCharacterAndChat, newId } from '../../support/fixtures.js';
import { TestClient } from '../../support/http-client.js';
import { DIALECTS, dialectSkips, serversForThisFileOn } from '../../support/test-databases.js';

const skips = await dialectSkips();

/**
 * A swipe's or continuation's generation row keeps what the message was before it (to restore it when nothing was
 * produced, and to finish it after a crash) without a copy of the message's swipes, which the message itself keeps.
 * A crash is the generation's rows left running and this node's memory gone: the next start ends them from the
 * database alone (endStaleGenerations, as GenerationManager.recover does).
 */
for (const dialect of DIALECTS) {
  describe(`a generation's before, and its end after a crash (${dialect})`, { skip: skips[dialect] }, () => {
    const serve = serversForThisFileOn(dialect, { logLevel: 'warn' });

    test('a swipe or continuation stores no copy of the swipes; a crash keeps its saved text, or restores the message', async () => {
      const server = await serve();
      const { store } = server;
      const client = new TestClient(server.url);
      await client.session();
      const { chatId } = await createCharacterAndChat(client);
      await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('Hello.'), appendOp('Kept', 'assistant')] });
      const connectionId = newId();
      await client.post('/api/connections', { id: connectionId, name: 'Fake', api: 'chat-completions', baseUrl: 'http://127.0.0.1:9', model: 'm' });
      const { user_id: userId } = await store.db.selectFrom('chats').select('user_id').where('id', '=', chatId).executeTakeFirstOrThrow();
      const reply = async () => (await store.chats.lastMessage(chatId))!;

      /** Places a generation into the chat's last message, as a start does once its prompt is planned. */
      const begin = async (mode: GenerationMode): Promise<StartedGeneration> => {
        const last = await reply();
        const plan = {
          chat: { id: chatId },
          connection: { id: connectionId, api: 'chat-completions', model: 'm' },
          characterName: 'Seraphina',
          assembled: { target: { id: last.id, revision: last.revision }, inspection: {} },
          countTokens: (text: string) => text.length,
        } as unknown as GenerationPlan;
        const identity = generationIdentity(plan, { id: randomUUID(), userId, mode, startedBy: userId });
        return beginGeneration(store, plan, identity, Date.now());
      };
      const progress = (started: StartedGeneration, text: string) => saveProgress(store, started, { text, reasoning: '' }, Date.now());
      const crashRecovery = async () => assert.equal((await endStaleGenerations(store, Number.MAX_SAFE_INTEGER, Date.now(), 10)).length, 1);
      const fields = async () => {
        const { content, swipes, swipeIndex, status, extra } = await reply();
        return { content, swipes, swipeIndex, status, extra };
      };

      // A swipe of a reply without swipes, crashed before any text: the reply is back as it was.
      const original = await fields();
      assert.deepEqual(original.swipes, []);
      await begin('swipe');
      assert.deepEqual((await fields()).swipes, ['Kept', '']);
      await crashRecovery();
      assert.deepEqual(await fields(), original);

      // A swipe that finishes on this node.
      const second = await begin('swipe');
      await progress(second, 'Sec');
      await finishGeneration(store, second, { state: 'complete', text: 'Second', reasoning: '', error: null }, Date.now());
      assert.deepEqual(await fields().then((f) => [f.content, f.swipes, f.swipeIndex, f.status]), ['Second', ['Kept', 'Second'], 1, 'complete']);

      // Another swipe: its row holds the message's fields but not its swipes; a crash keeps the text it had saved.
      const third = await begin('swipe');
      const { undo_json: undo } = await store.db.selectFrom('generations').select('undo_json').where('id', '=', third.record.id).executeTakeFirstOrThrow();
      assert.deepEqual(
        { ...JSON.parse(undo!), extra: undefined },
        { content: 'Second', swipeIndex: 1, swipeCount: 2, status: 'complete', extra: undefined },
      );
      await progress(third, 'Third so far');
      await crashRecovery();
      assert.deepEqual(await fields().then((f) => [f.content, f.swipes, f.swipeIndex, f.status]), [
        'Third so far',
        ['Kept', 'Second', 'Third so far'],
        2,
        'cut',
      ]);

      // A continuation crashed after some text: the continued swipe grows, the others stay.
      const continued = await begin('continue');
      await progress(continued, ' and more');
      await crashRecovery();
      const grown = await fields();
      assert.deepEqual([grown.content, grown.swipes, grown.swipeIndex, grown.status], [
        'Third so far and more',
        ['Kept', 'Second', 'Third so far and more'],
        2,
        'cut',
      ]);

      // A continuation crashed before any text, its row written before `swipeCount` (a copy of the swipes): restored.
      const old = await begin('continue');
      await store.db
        .updateTable('generations')
        .set({ undo_json: JSON.stringify({ content: grown.content, swipes: grown.swipes, swipeIndex: 2, status: 'cut', extra: grown.extra }) })
        .where('id', '=', old.record.id)
        .execute();
      await crashRecovery();
      assert.deepEqual(await fields(), grown);
    });
  });
}
