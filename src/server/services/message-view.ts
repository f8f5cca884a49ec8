import type { Chat, ChatSummary, Message } from '../../shared/api/chats.js';
import type { ChatRecord, MessageRecord } from '../store/chats-repository.js';

const iso = (ms: number) => new Date(ms).toISOString();

export function messageView(m: MessageRecord): Message {
  return {
    id: m.id,
    seq: m.seq,
    role: m.role,
    name: m.name,
    content: m.content,
    swipes: m.swipes,
    swipeIndex: m.swipeIndex,
    createdAt: iso(m.createdAt),
    extra: m.extra,
    revision: m.revision,
    status: m.status,
  };
}

export function chatView(c: ChatRecord): Chat {
  return {
    id: c.id,
    characterId: c.characterId,
    title: c.title,
    revision: c.revision,
    messageCount: c.messageCount,
    metadata: c.metadata,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
  };
}

export function chatSummaryView(c: ChatRecord): ChatSummary {
  return { id: c.id, characterId: c.characterId, title: c.title, messageCount: c.messageCount, updatedAt: iso(c.updatedAt) };
}
