import { Kysely, Migrator, type MigrationProvider, type Transaction } from 'kysely';
import type { Database } from './database.js';
import { migrations } from './migrations/index.js';
import { sqliteDialect } from './sqlite-dialect.js';
import { GroupCommit } from './group-commit.js';
import { AppliedOpsRepository } from './applied-ops-repository.js';
import { BlobsRepository } from './blobs-repository.js';
import { CharactersRepository } from './characters-repository.js';
import { ChatsRepository } from './chats-repository.js';
import { ConnectionsRepository } from './connections-repository.js';
import { GroupsRepository } from './groups-repository.js';
import { GenerationsRepository } from './generations-repository.js';
import { UsageRepository } from './usage-repository.js';
import { PersonasRepository } from './personas-repository.js';
import { SessionsRepository } from './sessions-repository.js';
import { SettingsRepository } from './settings-repository.js';
import type { MessageSearch, MessageSearchRow } from './message-search.js';
import type { GuardedWrite, StoreDialect } from './store-dialect.js';
import { UsersRepository } from './users-repository.js';
import { WorldsRepository } from './worlds-repository.js';
import { TrashRepository } from './trash-repository.js';
import { ChatUndoRepository } from './chat-undo-repository.js';
import { ChatSharesRepository } from './chat-shares-repository.js';

/** Thrown to roll back a relaxedWrites transaction whose guard changed nothing. */
const NOTHING_CHANGED = Symbol('nothing changed');

/** The repositories, bound either to the database or to one transaction. */
export class Repositories {
  readonly users: UsersRepository;
  readonly sessions: SessionsRepository;
  readonly blobs: BlobsRepository;
  readonly characters: CharactersRepository;
  readonly chats: ChatsRepository;
  readonly groups: GroupsRepository;
  readonly appliedOps: AppliedOpsRepository;
  readonly settings: SettingsRepository;
  readonly personas: PersonasRepository;
  readonly connections: ConnectionsRepository;
  readonly generations: GenerationsRepository;
  readonly usage: UsageRepository;
  readonly worlds: WorldsRepository;
  readonly trash: TrashRepository;
  readonly chatUndo: ChatUndoRepository;
  readonly chatShares: ChatSharesRepository;

  constructor(db: Kysely<Database>) {
    this.users = new UsersRepository(db);
    this.sessions = new SessionsRepository(db);
    this.blobs = new BlobsRepository(db);
    this.characters = new CharactersRepository(db);
    this.chats = new ChatsRepository(db);
    this.groups = new GroupsRepository(db);
    this.appliedOps = new AppliedOpsRepository(db);
    this.settings = new SettingsRepository(db);
    this.personas = new PersonasRepository(db);
    this.connections = new ConnectionsRepository(db);
    this.generations = new GenerationsRepository(db);
    this.usage = new UsageRepository(db);
    this.worlds = new WorldsRepository(db);
    this.trash = new TrashRepository(db);
    this.chatUndo = new ChatUndoRepository(db);
    this.chatShares = new ChatSharesRepository(db);
  }
}

/** The repositories of each group commit's transaction, made once for all its members (they hold nothing else). */
const groupRepositories = new WeakMap<Transaction<Database>, Repositories>();

function repositoriesOfGroup(trx: Transaction<Database>): Repositories {
  let repos = groupRepositories.get(trx);
  if (!repos) groupRepositories.set(trx, (repos = new Repositories(trx)));
  return repos;
}

/** The open database: repositories for callers, a transaction helper, a consistent close. */
export class Store extends Repositories {
  readonly db: Kysely<Database>;
  readonly dialect: StoreDialect;
  readonly #groupCommit: GroupCommit<Database> | null;

  constructor(dialect: StoreDialect) {
    const db = new Kysely<Database>({ dialect: dialect.kysely });
    super(db);
    this.db = db;
    this.dialect = dialect;
    this.#groupCommit = dialect.groupCommit ? new GroupCommit(db) : null;
  }

  /**
   * Runs `work` in one transaction: everything it writes lands together or not at all. `durable: false`
   * lets the commit skip waiting for the disk (see StoreDialect.relaxedTransaction); only for writes that a
   * later durable one supersedes. `grouped: true` lets it share its commit with the other grouped transactions
   * asked for in the same turn of the event loop (SQLite; see group-commit.ts): for the save path's many small
   * writes. The work must touch the database only through `repos` and hold nothing that others wait for.
   */
  transaction<T>(work: (repos: Repositories) => Promise<T>, options: { durable?: boolean; grouped?: boolean } = {}): Promise<T> {
    if (options.durable === false) return this.dialect.relaxedTransaction(this.db, (trx) => work(new Repositories(trx)));
    if (options.grouped && this.#groupCommit) return this.#groupCommit.run((trx) => work(repositoriesOfGroup(trx)));
    return this.db.transaction().execute((trx) => work(new Repositories(trx)));
  }

  /**
   * Runs compiled writes as one relaxed transaction (see `durable: false`); false, with nothing written, when a write
   * marked `mustChange` changed no row. Where the dialect can (SQLite), on a thread of its own, so the caller can
   * prepare its next writes meanwhile (an import parses its next batch while this one is inserted).
   */
  async relaxedWrites(writes: readonly GuardedWrite[]): Promise<boolean> {
    const offThread = this.dialect.writeOffThread?.(this.db, writes);
    if (offThread) return offThread;
    try {
      await this.dialect.relaxedTransaction(this.db, async (trx) => {
        for (const { query, mustChange } of writes) {
          const result = await trx.executeQuery(query);
          if (mustChange && !result.numAffectedRows) throw NOTHING_CHANGED;
        }
      });
      return true;
    } catch (error) {
      if (error === NOTHING_CHANGED) return false;
      throw error;
    }
  }

  /** Messages of one user that hold the search's words, best first (a read: no transaction). */
  searchMessages(search: MessageSearch): Promise<MessageSearchRow[]> {
    return this.dialect.searchMessages(this.db, search);
  }

  async migrate(): Promise<void> {
    const provider: MigrationProvider = { getMigrations: async () => migrations };
    const migrationTableSchema = await this.dialect.migrationSchema?.(this.db);
    const migrator = new Migrator({ db: this.db, provider, ...(migrationTableSchema && { migrationTableSchema }) });
    const { error, results } = await migrator.migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
      throw new Error(`database migration ${failed} failed: ${(error as Error).message ?? String(error)}`);
    }
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}

/** Which database to open: the embedded SQLite file or a PostgreSQL server. */
export type DatabaseLocation = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

/** The file of an embedded database (the one `parley restore` can swap); null for a database server. */
export function embeddedDatabaseFile(database: DatabaseLocation): string | null {
  return database.kind === 'sqlite' ? database.file : null;
}

/** Opens the database and brings its schema up to date. */
export async function openStore(database: DatabaseLocation): Promise<Store> {
  // pg is loaded only when used: the embedded default starts faster without it.
  const dialect =
    database.kind === 'sqlite'
      ? sqliteDialect(database.file)
      : (await import('./postgres-dialect.js')).postgresDialect(database.url);
  const store = new Store(dialect);
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}
