import type { ChatOp } from '../../shared/api/chats.js';
import type { OutboxEntry } from './change.js';

/** Matches OpsRequest's limit. */
export const MAX_OPS_PER_BATCH = 500;
/** Keeps one request well under the server's JSON body limit even when messages are long. */
export const MAX_BATCH_BYTES = 512 * 1024;

export type Batch =
  | { kind: 'chat-ops'; chatId: string; entries: OutboxEntry[]; ops: ChatOp[] }
  | { kind: 'single'; entries: [OutboxEntry] };

/**
 * The next request to send: the run of chat ops for one chat at the head of the outbox (order matters within a
 * chat, and a batch is applied in one transaction), or the head entry alone.
 */
export function nextBatch(entries: readonly OutboxEntry[], maxOps = MAX_OPS_PER_BATCH): Batch | null {
  const head = entries[0];
  if (!head) return null;
  if (head.change.kind !== 'chat-op') return { kind: 'single', entries: [head] };
  const chatId = head.change.chatId;
  const taken: OutboxEntry[] = [];
  const ops: ChatOp[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const change = entry.change;
    if (change.kind !== 'chat-op' || change.chatId !== chatId || ops.length >= maxOps) break;
    const size = JSON.stringify(change.op).length;
    if (ops.length > 0 && bytes + size > MAX_BATCH_BYTES) break;
    bytes += size;
    taken.push(entry);
    ops.push(change.op);
  }
  return { kind: 'chat-ops', chatId, entries: taken, ops };
}
