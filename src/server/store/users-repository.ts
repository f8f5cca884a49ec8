import type { Kysely, Selectable } from 'kysely';
import type { Database, UsersTable } from './database.js';

export interface User {
  id: string;
  handle: string;
  name: string;
  passwordHash: string | null;
  admin: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface NewUser {
  id: string;
  handle: string;
  name: string;
  passwordHash: string | null;
  admin: boolean;
  now: number;
}

export function toUser(row: Selectable<UsersTable>): User {
  return {
    id: row.id,
    handle: row.handle,
    name: row.name,
    passwordHash: row.password_hash,
    admin: row.admin === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class UsersRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async insert(user: NewUser): Promise<User> {
    const row = {
      id: user.id,
      handle: user.handle,
      name: user.name,
      password_hash: user.passwordHash,
      admin: user.admin ? 1 : 0,
      created_at: user.now,
      updated_at: user.now,
    };
    await this.#db.insertInto('users').values(row).execute();
    return toUser(row);
  }

  async byId(id: string): Promise<User | undefined> {
    const row = await this.#db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  }

  async byHandle(handle: string): Promise<User | undefined> {
    const row = await this.#db.selectFrom('users').selectAll().where('handle', '=', handle).executeTakeFirst();
    return row && toUser(row);
  }

  async list(): Promise<User[]> {
    const rows = await this.#db.selectFrom('users').selectAll().orderBy('handle').execute();
    return rows.map(toUser);
  }

  async countAdmins(): Promise<number> {
    const row = await this.#db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('admin', '=', 1)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async update(
    id: string,
    changes: { name?: string; passwordHash?: string; admin?: boolean },
    now: number,
  ): Promise<void> {
    await this.#db
      .updateTable('users')
      .set({
        ...(changes.name !== undefined && { name: changes.name }),
        ...(changes.passwordHash !== undefined && { password_hash: changes.passwordHash }),
        ...(changes.admin !== undefined && { admin: changes.admin ? 1 : 0 }),
        updated_at: now,
      })
      .where('id', '=', id)
      .execute();
  }

  async delete(id: string): Promise<void> {
    await this.#db.deleteFrom('users').where('id', '=', id).execute();
  }
}
