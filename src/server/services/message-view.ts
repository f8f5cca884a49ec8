import type { Chat, ChatSummary, Message, RunningGenerationInfo } from '../../shared/api/chats.js';
import type { ChatRecord, MessageRecord } from '../store/chats-repository.js';
import type { GenerationRecord } from '../store/generations-repository.js';

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
    hidden: m.hidden,
    bookmarked: m.bookmarkedAt !== null,
    speakerId: m.speakerId ?? null,
  };
}

export function chatView(c: ChatRecord): Chat {
  return {
    id: c.id,
    characterId: c.characterId,
    groupId: c.groupId ?? null,
    title: c.title,
    revision: c.revision,
    messageCount: c.messageCount,
    metadata: c.metadata,
    personaId: c.personaId,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
    branch: c.branch && { parentChatId: c.branch.parentChatId, forkSeq: c.branch.forkSeq },
  };
}

export function chatSummaryView(c: ChatRecord): ChatSummary {
  return { id: c.id, characterId: c.characterId, groupId: c.groupId ?? null, title: c.title, messageCount: c.messageCount, updatedAt: iso(c.updatedAt) };
}

export function runningGenerationView(g: GenerationRecord): RunningGenerationInfo {
  return { id: g.id, messageId: g.messageId, mode: g.mode, continuedFrom: g.slot === 'continue' ? (g.before?.content.length ?? 0) : 0 };
}
