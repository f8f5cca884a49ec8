import { nanoid } from 'nanoid';
import type { ApiClient } from '../api/api-client.js';
import { RequestError } from '../api/request-error.js';
import type { Change, HeldChange, OutboxEntry } from './change.js';
import type { Batch } from './next-batch.js';
import type { Settlement } from './outbox-store.js';

function hold(entry: OutboxEntry, reason: HeldChange['reason'], message: string, current?: HeldChange['current']) {
  const held: HeldChange = {
    id: nanoid(),
    owner: entry.owner,
    reason,
    message,
    change: entry.change,
    heldAt: Date.now(),
    ...(current && { current }),
  };
  return { seq: entry.seq!, held };
}

/** Deleting what is already gone is done: a retried delete whose first try landed answers 404. */
const isDelete = (change: Change) => change.kind.endsWith('-delete');

async function sendSingle(api: ApiClient, change: Change): Promise<void> {
  switch (change.kind) {
    case 'chat-create':
      await api.chats.create(change.request);
      return;
    case 'chat-delete':
      return api.chats.delete(change.chatId);
    case 'settings-patch':
      return api.settings.patch(change.request);
    case 'persona-create':
      return api.settings.createPersona(change.request);
    case 'persona-patch':
      return api.settings.patchPersona(change.personaId, change.request);
    case 'persona-delete':
      return api.settings.deletePersona(change.personaId);
    case 'character-put':
      return api.characters.put(change.characterId, change.card);
    case 'character-delete':
      return api.characters.delete(change.characterId);
    case 'character-favourite':
      return api.characters.setFavourite(change.characterId, change.favourite);
    case 'character-persona':
      return api.characters.setPersona(change.characterId, change.personaId);
    case 'connection-create':
      return api.connections.create(change.request);
    case 'connection-patch':
      return api.connections.patch(change.connectionId, change.request);
    case 'connection-delete':
      return api.connections.delete(change.connectionId);
    case 'world-create':
      return api.worlds.create(change.request);
    case 'world-op':
      return api.worlds.applyOp(change.worldId, change.op);
    case 'world-delete':
      return api.worlds.delete(change.worldId);
    case 'group-create':
      return api.groups.create(change.request);
    case 'group-patch':
      return api.groups.patch(change.groupId, change.request);
    case 'group-delete':
      return api.groups.delete(change.groupId);
    case 'chat-op':
      throw new Error('chat ops travel in batches');
  }
}

/** One request a batch waits for at most; a stalled connection is then treated as offline and retried. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Sends one batch and says what became of each entry. Transient trouble (network, 5xx, 429) is thrown for the
 * engine to retry; a refusal of this very request (4xx) holds its entries for the user instead of retrying forever.
 */
export async function sendBatch(api: ApiClient, batch: Batch): Promise<Settlement> {
  try {
    if (batch.kind === 'single') {
      await sendSingle(api, batch.entries[0].change);
      return { acked: [batch.entries[0].seq!], held: [] };
    }
    const answer = await api.chats.applyOps(batch.chatId, batch.ops, AbortSignal.timeout(REQUEST_TIMEOUT_MS));
    const byOpId = new Map(answer.results.map((result) => [result.opId, result]));
    const settlement: Settlement = { acked: [], held: [] };
    for (const entry of batch.entries) {
      if (entry.change.kind !== 'chat-op') continue;
      const result = byOpId.get(entry.change.op.opId);
      if (result?.status === 'conflict') {
        settlement.held.push(hold(entry, 'conflict', 'This message was changed somewhere else', result.current));
      } else {
        settlement.acked.push(entry.seq!);
      }
    }
    return settlement;
  } catch (error) {
    if (!(error instanceof RequestError) || error.transient) throw error;
    if (error.status === 401 || (error.status === 403 && error.code === 'csrf_invalid')) throw error;
    const [head] = batch.entries;
    if (batch.entries.length > 1) throw new BatchRefusedError(error);
    if (error.status === 404 && isDelete(head!.change)) return { acked: [head!.seq!], held: [] };
    return { acked: [], held: [hold(head!, 'refused', error.message)] };
  }
}

/** A batch of several ops was refused: the engine resends them one by one to find the one the server refuses. */
export class BatchRefusedError extends Error {
  constructor(cause: RequestError) {
    super(cause.message, { cause });
    this.name = 'BatchRefusedError';
  }
}
