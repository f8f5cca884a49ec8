import type { Generated } from 'kysely';

/**
 * The database schema as Kysely sees it. Times are epoch milliseconds, booleans 0/1, so that one
 * schema serves SQLite and PostgreSQL alike.
 */
export interface UsersTable {
  id: string;
  handle: string;
  name: string;
  password_hash: string | null;
  admin: number;
  created_at: number;
  updated_at: number;
}

export interface SessionsTable {
  /** sha256 of the cookie's random id: a leaked database holds no usable session. */
  id_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: number;
  last_seen_at: number;
  /** null: never expires (sessionTimeout -1). */
  expires_at: number | null;
}


export interface BlobsTable {
  /** sha256 of the bytes, hex: images are addressed by content, never by a name a user gave. */
  hash: string;
  mime: string;
  size: number;
  bytes: Uint8Array;
  created_at: number;
}

export interface CharactersTable {
  id: string;
  user_id: string;
  name: string;
  /** The whole card (V2/V3 object) as JSON, unknown keys included: exports give back what came in. */
  card_json: string;
  tags_json: string;
  creator: string;
  avatar_hash: string | null;
  thumbnail_hash: string | null;
  source_key: string | null;
  /** The persona locked to this character (SillyTavern's persona connection); null: none. */
  persona_id: string | null;
  /** 1: the card is a favourite (data.extensions.fav), kept as a column for the list like name and tags. */
  favourite: number;
  created_at: number;
  updated_at: number;
  /** The trash entry holding this character; null while it is in the library. */
  trash_id: Generated<string | null>;
}

export interface ChatsTable {
  id: string;
  user_id: string;
  /** The character a 1:1 chat is with; null in a group chat (exactly one of character_id and group_id is set). */
  character_id: string | null;
  /** The group a group chat belongs to (migration 0013). */
  group_id: Generated<string | null>;
  title: string;
  revision: number;
  message_count: number;
  next_seq: number;
  metadata_json: string;
  /** The header keys of an imported SillyTavern chat, written back on export. */
  imported_json: string | null;
  source_key: string | null;
  /** The persona chosen for this chat; it may name one deleted since, which then counts as none. */
  persona_id: string | null;
  created_at: number;
  updated_at: number;
  /** Set while the chat is being imported: until when its importer vouches for it (see migration 0008). */
  import_lease_until: Generated<number | null>;
  /** The trash entry holding this chat (its own, or its character's); null while it is in use. */
  trash_id: Generated<string | null>;
  /** The chat this one branched from (it may be in the trash, or purged since). */
  parent_chat_id: Generated<string | null>;
  /** The seq of the parent's message this branch forks at: the branch holds the parent's history up to it. */
  fork_seq: Generated<number | null>;
  /** The first chat of this branch tree (its own id for a chat that is no branch): a tree is read in one query. */
  root_chat_id: string;
}

export interface MessagesTable {
  chat_id: string;
  seq: number;
  id: string;
  role: string;
  name: string;
  content: string;
  /** null when the message has no swipes (most user messages). */
  swipes_json: string | null;
  swipe_index: number;
  extra_json: string | null;
  /** Keys of an imported SillyTavern message that Parley does not model, written back on export. */
  imported_json: string | null;
  status: string;
  revision: number;
  /** 1: left out of the prompt (SillyTavern's is_system). */
  hidden: number;
  /** When the user bookmarked this message; null: not bookmarked. */
  bookmarked_at: Generated<number | null>;
  created_at: number;
  /** In a group chat, the member (character id) who wrote this reply; null otherwise. */
  speaker_id: Generated<string | null>;
}

/** A message in the trash: every column of its row, so a restore puts it back exactly. */
export interface TrashedMessagesTable extends Omit<MessagesTable, 'bookmarked_at'> {
  trash_id: string;
  bookmarked_at: number | null;
}

export interface TrashTable {
  id: string;
  user_id: string;
  kind: string;
  item_id: string;
  chat_id: string | null;
  label: string;
  deleted_at: number;
  expires_at: number;
}

export interface ChatUndoTable {
  chat_id: string;
  step: number;
  op_id: string;
  kind: string;
  undo_json: string;
  undone_by: string | null;
  created_at: number;
  /** In a group chat, the member (character id) who wrote this reply; null otherwise. */
  speaker_id: Generated<string | null>;
}

export interface GroupsTable {
  id: string;
  user_id: string;
  name: string;
  members_json: string;
  settings_json: string;
  tags_json: string;
  favourite: number;
  /** A picture of its own; null: the client shows the members' avatars as a collage. */
  avatar_hash: string | null;
  /** The keys of an imported SillyTavern group file that Parley does not model, written back on export. */
  imported_json: string | null;
  source_key: string | null;
  revision: number;
  created_at: number;
  updated_at: number;
  /** The trash entry holding the group (and its chats); null: in use. */
  trash_id: Generated<string | null>;
}

export interface AppliedOpsTable {
  scope: string;
  op_id: string;
  applied_at: number;
}

export interface SettingsTable {
  user_id: string;
  values_json: string;
  revision: number;
  updated_at: number;
}

export interface PersonasTable {
  user_id: string;
  id: string;
  name: string;
  description: string;
  is_default: number;
  avatar_hash: string | null;
  revision: number;
  created_at: number;
  updated_at: number;
}

export interface ConnectionsTable {
  user_id: string;
  id: string;
  name: string;
  api: string;
  base_url: string;
  api_key: string | null;
  model: string;
  instruct_template: string | null;
  settings_json: string;
  last_used_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface GenerationsTable {
  id: string;
  user_id: string;
  chat_id: string;
  message_id: string | null;
  mode: string;
  slot: string;
  undo_json: string | null;
  state: string;
  text: string;
  error_code: string | null;
  error_message: string | null;
  failure: string | null;
  stop_requested: number;
  inspection_json: string;
  heartbeat_at: number;
  created_at: number;
  finished_at: number | null;
  /** The reasoning produced so far ('' when none). */
  reasoning: Generated<string>;
  /** The account that started it (the chat's owner or a participant it is shared with); null in older rows. */
  started_by: Generated<string | null>;
}

/** A chat shared by its owner with another account (migration 0015). */
export interface ChatSharesTable {
  chat_id: string;
  user_id: string;
  access: string;
  created_at: number;
}

/** One row per reply whose API reported its token counts. */
export interface UsageTable {
  id: string;
  user_id: string;
  connection_id: string;
  chat_id: string;
  api: string;
  model: string;
  prompt_tokens: number;
  completion_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  created_at: number;
}

export interface WorldsTable {
  user_id: string;
  id: string;
  name: string;
  revision: number;
  head_json: string;
  source_text: string | null;
  entry_count: number;
  next_position: number;
  created_at: number;
  updated_at: number;
  /** The trash entry holding this book; null while it is in use. */
  trash_id: Generated<string | null>;
}

export interface WorldEntriesTable {
  user_id: string;
  world_id: string;
  uid: string;
  position: number;
  entry_json: string;
  tokens: number;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  blobs: BlobsTable;
  characters: CharactersTable;
  chats: ChatsTable;
  groups: GroupsTable;
  messages: MessagesTable;
  applied_ops: AppliedOpsTable;
  settings: SettingsTable;
  personas: PersonasTable;
  connections: ConnectionsTable;
  generations: GenerationsTable;
  chat_shares: ChatSharesTable;
  usage: UsageTable;
  worlds: WorldsTable;
  world_entries: WorldEntriesTable;
  trash: TrashTable;
  trashed_messages: TrashedMessagesTable;
  chat_undo: ChatUndoTable;
}
