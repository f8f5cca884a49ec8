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
  created_at: number;
  updated_at: number;
}

export interface ChatsTable {
  id: string;
  user_id: string;
  character_id: string;
  title: string;
  revision: number;
  message_count: number;
  next_seq: number;
  metadata_json: string;
  /** The header keys of an imported SillyTavern chat, written back on export. */
  imported_json: string | null;
  source_key: string | null;
  created_at: number;
  updated_at: number;
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
  created_at: number;
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
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  blobs: BlobsTable;
  characters: CharactersTable;
  chats: ChatsTable;
  messages: MessagesTable;
  applied_ops: AppliedOpsTable;
  settings: SettingsTable;
  personas: PersonasTable;
  connections: ConnectionsTable;
  generations: GenerationsTable;
}
