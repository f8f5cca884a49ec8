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

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
}
