import type { ChatOp, OpResult, OpsResponse } from '../../shared/api/chats.js';
import type { Clock } from '../clock.js';
import { notFound } from '../http/api-error.js';
import { chatScope } from '../store/applied-ops-repository.js';
import type { ChatRecord, MessageRecord } from '../store/chats-repository.js';
import type { Repositories, Store } from '../store/store.js';
import { applyMergePatch } from './json-merge-patch.js';
import { messageView } from './message-view.js';

type Outcome = { status: 'applied'; seq?: number } | { status: 'conflict'; current?: MessageRecord } | { status: 'duplicate' };

/**
 * Applies a batch of ops to one chat in ONE transaction, and records each op id in the same transaction,
 * so a batch lands whole or not at all and a resent op is answered "duplicate" without changing anything.
 * The chat's revision moves by one per applied op; each changed message carries the revision that changed it.
 */
export async function applyChatOps(
  store: Store,
  clock: Clock,
  userId: string,
  chatId: string,
  ops: readonly ChatOp[],
): Promise<OpsResponse> {
  return store.transaction(async (repos) => {
    const chat = await repos.chats.lockForWrite(userId, chatId);
    if (!chat) throw notFound('Chat');
    const scope = chatScope(chatId);
    const now = clock.now();
    const results: OpResult[] = [];
    let changed = false;
    for (const op of ops) {
      if (await repos.appliedOps.has(scope, op.opId)) {
        results.push({ opId: op.opId, status: 'duplicate' });
        continue;
      }
      const outcome = await applyOne(repos, chat, op, now);
      if (outcome.status === 'applied') {
        await repos.appliedOps.record(scope, op.opId, now);
        changed = true;
      }
      results.push({
        opId: op.opId,
        status: outcome.status,
        ...(outcome.status === 'applied' && outcome.seq !== undefined && { seq: outcome.seq }),
        ...(outcome.status === 'conflict' && outcome.current && { current: messageView(outcome.current) }),
      });
    }
    if (changed) {
      chat.updatedAt = now;
      await repos.chats.saveHeader(chat);
    }
    return { revision: chat.revision, results };
  });
}

/** Applies one op to the locked chat (mutating its header fields in memory; the caller saves them once). */
async function applyOne(repos: Repositories, chat: ChatRecord, op: ChatOp, now: number): Promise<Outcome> {
  const chats = repos.chats;
  switch (op.type) {
    case 'append': {
      // The message id is an idempotency key too: the same message sent under a new opId is still a duplicate.
      if (await chats.message(chat.id, op.message.id)) return { status: 'duplicate' };
      const seq = chat.nextSeq;
      const revision = ++chat.revision;
      await chats.insertMessages(chat.id, [
        {
          seq,
          id: op.message.id,
          role: op.message.role,
          name: op.message.name,
          content: op.message.content,
          swipes: [],
          swipeIndex: 0,
          extra: op.message.extra ?? {},
          imported: null,
          status: 'complete',
          revision,
          createdAt: now,
        },
      ]);
      chat.nextSeq += 1;
      chat.messageCount += 1;
      return { status: 'applied', seq };
    }
    case 'edit': {
      const message = await chats.message(chat.id, op.messageId);
      if (!message) return { status: 'conflict' };
      if (op.baseRevision !== undefined && message.revision > op.baseRevision) return { status: 'conflict', current: message };
      const swipes = message.swipes.length > 0 ? message.swipes.with(message.swipeIndex, op.content) : [];
      await chats.updateMessage(chat.id, message.seq, { content: op.content, swipes, revision: ++chat.revision });
      return { status: 'applied' };
    }
    case 'delete': {
      const message = await chats.message(chat.id, op.messageId);
      // Deleting what is already gone is what the client wanted: applied, not an error.
      if (message) {
        await chats.deleteMessage(chat.id, message.seq);
        chat.messageCount -= 1;
      }
      chat.revision += 1;
      return { status: 'applied' };
    }
    case 'addSwipe': {
      const message = await chats.message(chat.id, op.messageId);
      if (!message) return { status: 'conflict' };
      const swipes = [...(message.swipes.length > 0 ? message.swipes : [message.content]), op.content];
      await chats.updateMessage(chat.id, message.seq, {
        content: op.content,
        swipes,
        swipeIndex: swipes.length - 1,
        revision: ++chat.revision,
      });
      return { status: 'applied' };
    }
    case 'selectSwipe': {
      const message = await chats.message(chat.id, op.messageId);
      if (!message) return { status: 'conflict' };
      const count = Math.max(message.swipes.length, 1);
      if (op.index >= count) return { status: 'conflict', current: message };
      await chats.updateMessage(chat.id, message.seq, {
        content: message.swipes[op.index] ?? message.content,
        swipeIndex: op.index,
        revision: ++chat.revision,
      });
      return { status: 'applied' };
    }
    case 'setTitle':
      chat.title = op.title;
      chat.revision += 1;
      return { status: 'applied' };
    case 'setMetadata':
      chat.metadata = applyMergePatch(chat.metadata, op.patch);
      chat.revision += 1;
      return { status: 'applied' };
  }
}
