import type { ImportedKeys, Message } from '../../shared/api/chats.js';

/**
 * A message as a SillyTavern chat file needs it: what the parser yields and the writer takes. A stored Message
 * has all of it.
 */
export type ChatFileMessage = Pick<
  Message,
  'role' | 'name' | 'content' | 'swipes' | 'swipeIndex' | 'createdAt' | 'extra' | 'hidden' | 'imported'
>;

/** The header line (line 1) of a chat file. */
export interface ChatFileHeader {
  /** `chat_metadata`: integrity, variables, scenario, persona, ... (Chat.metadata). */
  metadata: Record<string, unknown>;
  /** Set for an imported chat: its header's other keys, which are written back as they came. */
  imported?: ImportedKeys;
  /** For a chat made in Parley: SillyTavern's user_name / character_name (newer versions write "unused"). */
  userName?: string;
  characterName?: string;
  /** ISO instant of creation, written as `create_date` when the chat was not imported. */
  createdAt?: string;
}

/** The top-level message keys Parley models; any other key is kept verbatim in `imported.fields`. */
export const MESSAGE_KEYS = [
  'name',
  'is_user',
  'is_system',
  'send_date',
  'mes',
  'extra',
  'swipe_id',
  'swipes',
  'swipe_info',
] as const;
export type MessageKey = (typeof MESSAGE_KEYS)[number];
export const MESSAGE_KEY_SET: ReadonlySet<string> = new Set(MESSAGE_KEYS);
