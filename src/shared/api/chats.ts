import { z } from 'zod';
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
  /** Set on messages imported from SillyTavern: what the export needs to give the line back unchanged. */
  imported: ImportedMessageKeys.optional(),
});
export type Message = z.infer<typeof Message>;

export const ChatSummary = z.object({
  id: z.string(),
  characterId: z.string(),
  title: z.string(),
  messageCount: z.number().int(),
  updatedAt: z.string(),
});
export type ChatSummary = z.infer<typeof ChatSummary>;

export const Chat = z.object({
  id: z.string(),
  characterId: z.string(),
  title: z.string(),
  revision: z.number().int(),
  messageCount: z.number().int(),
  metadata: JsonObject,
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Set on chats imported from SillyTavern: the header line's other keys (user_name, create_date, ...). */
  imported: ImportedKeys.optional(),
});
export type Chat = z.infer<typeof Chat>;

export const CreateChatRequest = z.object({
  characterId: EntityId,
  title: SafeText(200).optional(),
  /** Client-made id: a retried create returns the chat made the first time. */
  id: ClientId.optional(),
});
export type CreateChatRequest = z.infer<typeof CreateChatRequest>;

export const ListChatsQuery = z.object({ characterId: EntityId.optional() });
export const ChatImportQuery = z.object({ characterId: EntityId });
export const ChatExportQuery = z.object({ format: z.literal('jsonl').default('jsonl') });

export const MessagesQuery = z
  .object({
    before: z.coerce.number().int().optional(),
    /** The page right after this seq, for a reader coming back down a history whose newer part was let go. */
    after: z.coerce.number().int().optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .refine((query) => query.before === undefined || query.after === undefined, {
    message: 'before and after cannot be combined',
    path: ['after'],
  });

export const MessagesPage = z.object({ messages: z.array(Message), revision: z.number().int(), hasMore: z.boolean() });
export type MessagesPage = z.infer<typeof MessagesPage>;

// ---- the save path: operations ----

const OpBase = { opId: ClientId };

export const NewMessage = z.object({
  id: ClientId,
  role: Role,
  name: SafeText(200),
  content: MessageText,
  extra: JsonObject.optional(),
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
  z.object({ ...OpBase, type: z.literal('setTitle'), title: SafeText(200).min(1) }),
  z.object({ ...OpBase, type: z.literal('setMetadata'), patch: JsonObject }),
]);
export type ChatOp = z.infer<typeof ChatOp>;
export type ChatOpType = ChatOp['type'];

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
});
export type ChatImportResponse = z.infer<typeof ChatImportResponse>;
