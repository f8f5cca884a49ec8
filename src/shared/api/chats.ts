import { z } from 'zod';
import { SharedBy } from './shares.js';
import { GenerationMode } from './generation.js';
import { ClientId, EntityId, SafeText } from './ids.js';

export const Role = z.enum(['user', 'assistant', 'system']);
export type Role = z.infer<typeof Role>;

/** 1 MB of text per message is far beyond any real reply, and keeps one bad op from bloating a chat. */
export const MESSAGE_MAX_CHARS = 1_000_000;
const MessageText = SafeText(MESSAGE_MAX_CHARS);
const JsonObject = z.record(z.string(), z.unknown());

/**
 * What a SillyTavern line carried beyond the fields Parley models, kept so that an export writes it back as it came.
 */
export const ImportedKeys = z.object({
  /** Every key of the original line in its order, modelled ones included: keys it lacked stay absent on export. */
  keys: z.array(z.string()),
  /** Values Parley does not model (unknown keys, flags that disagree with the role), verbatim. */
  fields: JsonObject,
});
export type ImportedKeys = z.infer<typeof ImportedKeys>;

export const ImportedMessageKeys = ImportedKeys.extend({
  /** `send_date` as written: a human string ("June 19, 2023 2:20pm"), an ISO string or epoch milliseconds. */
  sendDate: z.union([z.string(), z.number()]).optional(),
  /** `swipe_info` as written, one entry per swipe. */
  swipeInfo: z.array(z.unknown()).optional(),
});
export type ImportedMessageKeys = z.infer<typeof ImportedMessageKeys>;

export const Message = z.object({
  id: z.string(),
  /** Position in the chat; increases with every append, never reused. */
  seq: z.number().int(),
  role: Role,
  name: z.string(),
  /** The shown text; equals swipes[swipeIndex] when there are swipes. */
  content: z.string(),
  swipes: z.array(z.string()),
  swipeIndex: z.number().int(),
  createdAt: z.string(),
  /** SillyTavern's `extra` (model, api, reasoning, token_count, ...), kept whole. */
  extra: JsonObject,
  /** The chat revision at which this message last changed; edits name it as their base. */
  revision: z.number().int(),
  /** Set while a reply is being generated, and when one was cut off. */
  status: z.enum(['complete', 'streaming', 'cut']).default('complete'),
  /** Left out of every prompt, still shown (dimmed): SillyTavern's `is_system: true`. */
  hidden: z.boolean().default(false),
  /** The user bookmarked this message (GET /api/bookmarks lists them across chats). */
  bookmarked: z.boolean().default(false),
  /** Set on messages imported from SillyTavern: what the export needs to give the line back unchanged. */
  imported: ImportedMessageKeys.optional(),
  /** In a group chat, the member (character id) who wrote this reply; null otherwise. */
  speakerId: z.string().nullable().optional(),
  /** What the view shows instead of `content` when "alter display only" regex scripts change it (never stored). */
  displayText: z.string().optional(),
  /** The same for `extra.reasoning`. */
  displayReasoning: z.string().optional(),
});
export type Message = z.infer<typeof Message>;

/** A chat belongs to a character (1:1) or to a group; the other id is null. */
const Owner = { characterId: z.string().nullable(), groupId: z.string().nullable().default(null) };

export const ChatSummary = z.object({
  id: z.string(),
  ...Owner,
  title: z.string(),
  messageCount: z.number().int(),
  updatedAt: z.string(),
  /** In the recent chats across characters (a `limit` list) and on shared chats: whom the chat is with. */
  characterName: z.string().optional(),
  /** A chat another account shares with the signed-in user: whose it is, and what the share allows. */
  sharedBy: SharedBy.optional(),
});
export type ChatSummary = z.infer<typeof ChatSummary>;

/** The reply being written in a chat, so that every tab and device showing it follows it (GET
 *  /api/generations/:id/stream) and can stop it. */
export const RunningGenerationInfo = z.object({
  id: z.string(),
  /** The message it writes into; null for an impersonation (its text goes to the composer of the tab that asked). */
  messageId: z.string().nullable(),
  mode: GenerationMode,
  /** For `continue`: how many characters (UTF-16) of the message were there before; the stream adds to them. */
  continuedFrom: z.number().int().min(0),
});
export type RunningGenerationInfo = z.infer<typeof RunningGenerationInfo>;

export const Chat = z.object({
  id: z.string(),
  ...Owner,
  title: z.string(),
  revision: z.number().int(),
  messageCount: z.number().int(),
  metadata: JsonObject,
  /** The persona chosen for this chat (SillyTavern's chat lock); null: the character's locked one or the default. */
  personaId: z.string().nullable().default(null),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Set on chats imported from SillyTavern: the header line's other keys (user_name, create_date, ...). */
  imported: ImportedKeys.optional(),
  /** Set on a branch: the chat it branched from and the seq of the message it forks at. */
  branch: z.object({ parentChatId: z.string(), forkSeq: z.number().int() }).nullable().default(null),
  /** GET /api/chats/:id only: the generation running in the chat, null when none. */
  runningGeneration: RunningGenerationInfo.nullable().optional(),
  /** GET /api/chats/:id of a chat shared with the signed-in user: whose it is, what the share allows. */
  sharedBy: SharedBy.optional(),
  /** GET /api/chats/:id of a shared chat: whom it is with (the owner's character or group is not the reader's). */
  characterName: z.string().optional(),
});
export type Chat = z.infer<typeof Chat>;

/** Names the character of a 1:1 chat or the group of a group chat, not both. */
export const CreateChatRequest = z
  .object({
    characterId: EntityId.optional(),
    groupId: EntityId.optional(),
    title: SafeText(200).optional(),
    /** Client-made id: a retried create returns the chat made the first time. */
    id: ClientId.optional(),
  })
  .refine((body) => (body.characterId === undefined) !== (body.groupId === undefined), {
    message: 'name either characterId or groupId',
    path: ['characterId'],
  });
export type CreateChatRequest = z.infer<typeof CreateChatRequest>;

export const ListChatsQuery = z.object({
  characterId: EntityId.optional(),
  groupId: EntityId.optional(),
  /** The newest N only (the home screen's recent chats across all characters). */
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});
/** A 1:1 chat's character or a group chat's group (form fields or query), not both. */
export const ChatImportFields = z.object({ characterId: EntityId.optional(), groupId: EntityId.optional() });
export const ChatImportQuery = ChatImportFields.refine((q) => (q.characterId === undefined) !== (q.groupId === undefined), { message: 'name either characterId or groupId', path: ['characterId'] });
export const ChatExportQuery = z.object({ format: z.literal('jsonl').default('jsonl') });

/** A place in a chat: a seq (-1: before the first), at most what PostgreSQL's integer column holds (else a 500 there). */
const SeqParam = z.coerce.number().int().min(-1).max(2_147_483_647);

export const MessagesQuery = z
  .object({
    before: SeqParam.optional(),
    /** The page right after this seq, for a reader coming back down a history whose newer part was let go. */
    after: SeqParam.optional(),
    /** The page holding this seq near its middle: a search hit opened far back in a long chat. */
    around: SeqParam.optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .refine((query) => [query.before, query.after, query.around].filter((v) => v !== undefined).length <= 1, {
    message: 'before, after and around cannot be combined',
    path: ['after'],
  });

export const MessagesPage = z.object({
  messages: z.array(Message),
  revision: z.number().int(),
  /** More messages exist past the page: older ones (newest and `before` pages, `around`), newer ones (`after`). */
  hasMore: z.boolean(),
  /** `around` pages only: newer messages exist after the page. */
  hasNewer: z.boolean().optional(),
});
export type MessagesPage = z.infer<typeof MessagesPage>;

// ---- the save path: operations ----

const OpBase = { opId: ClientId };

export const NewMessage = z.object({
  id: ClientId,
  role: Role,
  name: SafeText(200),
  content: MessageText,
  extra: JsonObject.optional(),
  /** When it was written (ISO), so a message typed offline keeps its time; the server bounds it (chat-ops.ts). */
  createdAt: z.iso.datetime({ offset: true }).optional(),
});
export type NewMessage = z.infer<typeof NewMessage>;

export const ChatOp = z.discriminatedUnion('type', [
  z.object({ ...OpBase, type: z.literal('append'), message: NewMessage }),
  z.object({
    ...OpBase,
    type: z.literal('edit'),
    messageId: z.string().min(1).max(64),
    content: MessageText,
    baseRevision: z.number().int().optional(),
  }),
  z.object({ ...OpBase, type: z.literal('delete'), messageId: z.string().min(1).max(64) }),
  z.object({ ...OpBase, type: z.literal('addSwipe'), messageId: z.string().min(1).max(64), content: MessageText }),
  z.object({
    ...OpBase,
    type: z.literal('selectSwipe'),
    messageId: z.string().min(1).max(64),
    index: z.number().int().min(0),
  }),
  /** Replaces a reply's reasoning (`extra.reasoning`); '' removes it. */
  z.object({
    ...OpBase,
    type: z.literal('setReasoning'),
    messageId: z.string().min(1).max(64),
    reasoning: MessageText,
    baseRevision: z.number().int().optional(),
  }),
  z.object({ ...OpBase, type: z.literal('setTitle'), title: SafeText(200).min(1) }),
  z.object({ ...OpBase, type: z.literal('setMetadata'), patch: JsonObject }),
  /** Hides a message from the prompt, or shows it to the model again (src/shared/message-visibility.ts). */
  z.object({ ...OpBase, type: z.literal('setHidden'), messageId: z.string().min(1).max(64), hidden: z.boolean() }),
  /** Chooses who the user is in this chat; null goes back to the character's locked persona or the default. */
  z.object({ ...OpBase, type: z.literal('setPersona'), personaId: ClientId.nullable() }),
  z.object({ ...OpBase, type: z.literal('setBookmark'), messageId: z.string().min(1).max(64), bookmarked: z.boolean() }),
  /**
   * Takes back the op `target` (an edit, delete, swipe choice, hide or reasoning edit of this chat). It must be the
   * newest step not yet undone (GET /api/chats/:id/undo), so an undo sent from a stale view never undoes another.
   */
  z.object({ ...OpBase, type: z.literal('undo'), target: ClientId }),
]);
export type ChatOp = z.infer<typeof ChatOp>;
export type ChatOpType = ChatOp['type'];
export type SetHiddenOp = Extract<ChatOp, { type: 'setHidden' }>;

/** A batch is applied in one transaction; 500 ops is more than any outbox flush needs. */
export const OpsRequest = z.object({ ops: z.array(ChatOp).min(1).max(500) });
export type OpsRequest = z.infer<typeof OpsRequest>;

export const OpStatus = z.enum(['applied', 'duplicate', 'conflict']);
export type OpStatus = z.infer<typeof OpStatus>;

export const OpResult = z.object({
  opId: z.string(),
  status: OpStatus,
  /** For conflict: the message as the server has it now. */
  current: Message.optional(),
  /** For append: the seq the message got. */
  seq: z.number().int().optional(),
});
export type OpResult = z.infer<typeof OpResult>;

export const OpsResponse = z.object({ revision: z.number().int(), results: z.array(OpResult) });
export type OpsResponse = z.infer<typeof OpsResponse>;

export const ChatImportResponse = z.object({
  id: z.string(),
  imported: z.number().int(),
  skippedLines: z.array(z.object({ line: z.number().int(), reason: z.string() })),
  /** Lines imported with a change, and what changed (a lone UTF-16 surrogate kept as U+FFFD). */
  changedLines: z.array(z.object({ line: z.number().int(), reason: z.string() })),
});
export type ChatImportResponse = z.infer<typeof ChatImportResponse>;

/** A message's extra with its reasoning replaced ('' removes the key), as the setReasoning op applies it. */
export function withReasoning(extra: Record<string, unknown>, reasoning: string): Record<string, unknown> {
  const { reasoning: _old, ...rest } = extra;
  return reasoning ? { ...rest, reasoning } : rest;
}
