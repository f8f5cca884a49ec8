import type { Kysely, Selectable } from 'kysely';
import type { Database, SessionsTable } from './database.js';
import { fixedQuery } from './fixed-query.js';
import type { SettingsStamp } from './settings-repository.js';
import { toUser, type User } from './users-repository.js';

export interface SessionRecord {
  idHash: string;
  userId: string;
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number | null;
}

function toSession(row: Selectable<SessionsTable>): SessionRecord {
  return {
    idHash: row.id_hash,
    userId: row.user_id,
    csrfToken: row.csrf_token,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    expiresAt: row.expires_at,
  };
}

// Every signed-in request runs it (see fixed-query.ts).
const sessionWithUser = fixedQuery((db: Kysely<Database>, v: { idHash: string }) =>
  db
    .selectFrom('sessions')
    .leftJoin('users', 'users.id', 'sessions.user_id')
    .leftJoin('settings', 'settings.user_id', 'sessions.user_id')
    .select([
      'sessions.id_hash',
      'sessions.user_id',
      'sessions.csrf_token',
      'sessions.created_at',
      'sessions.last_seen_at',
      'sessions.expires_at',
      'users.id as u_id',
      'users.handle as u_handle',
      'users.name as u_name',
      'users.password_hash as u_password_hash',
      'users.admin as u_admin',
      'users.created_at as u_created_at',
      'users.updated_at as u_updated_at',
      'settings.revision as s_revision',
      'settings.updated_at as s_updated_at',
    ])
    .where('sessions.id_hash', '=', v.idHash),
);

export class SessionsRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async insert(session: SessionRecord): Promise<void> {
    await this.#db
      .insertInto('sessions')
      .values({
        id_hash: session.idHash,
        user_id: session.userId,
        csrf_token: session.csrfToken,
        created_at: session.createdAt,
        last_seen_at: session.lastSeenAt,
        expires_at: session.expiresAt,
      })
      .execute();
  }

  /**
   * The session, its user and the stamp of the user's settings in one read: every signed-in request starts with it,
   * and a request that uses the user's settings checks its cached copy against that stamp (settings-cache.ts).
   */
  async withUser(idHash: string): Promise<{ session: SessionRecord; user: User | undefined; settingsStamp: SettingsStamp } | undefined> {
    const [row] = await sessionWithUser(this.#db, { idHash });
    if (!row) return undefined;
    const user =
      row.u_id === null
        ? undefined
        : toUser({
            id: row.u_id,
            handle: row.u_handle!,
            name: row.u_name!,
            password_hash: row.u_password_hash,
            admin: row.u_admin!,
            created_at: row.u_created_at!,
            updated_at: row.u_updated_at!,
          });
    const settingsStamp = { revision: row.s_revision ?? 0, updatedAt: row.s_updated_at ?? 0 };
    return { session: toSession(row), user, settingsStamp };
  }

  async touch(idHash: string, lastSeenAt: number, expiresAt: number | null): Promise<void> {
    await this.#db
      .updateTable('sessions')
      .set({ last_seen_at: lastSeenAt, expires_at: expiresAt })
      .where('id_hash', '=', idHash)
      .execute();
  }

  async setCsrfToken(idHash: string, csrfToken: string): Promise<void> {
    await this.#db.updateTable('sessions').set({ csrf_token: csrfToken }).where('id_hash', '=', idHash).execute();
  }

  async delete(idHash: string): Promise<void> {
    await this.#db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
  }

  /** Ends every session of a user except (optionally) the one making the request. */
  async deleteForUser(userId: string, exceptIdHash?: string): Promise<number> {
    let query = this.#db.deleteFrom('sessions').where('user_id', '=', userId);
    if (exceptIdHash) query = query.where('id_hash', '!=', exceptIdHash);
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Forgets sessions that expired before `before`; recently expired ones stay so a replay is told "expired". */
  async purgeExpired(before: number): Promise<number> {
    const result = await this.#db.deleteFrom('sessions').where('expires_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
