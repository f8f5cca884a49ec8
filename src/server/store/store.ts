import { Kysely, Migrator, type MigrationProvider } from 'kysely';
import type { Config } from '../config.js';
import type { Database } from './database.js';
import { migrations } from './migrations/index.js';
import { sqliteDialect } from './sqlite-dialect.js';
import { AppliedOpsRepository } from './applied-ops-repository.js';
import { BlobsRepository } from './blobs-repository.js';
import { CharactersRepository } from './characters-repository.js';
import { ChatsRepository } from './chats-repository.js';
import { ConnectionsRepository } from './connections-repository.js';
import { GenerationsRepository } from './generations-repository.js';
import { PersonasRepository } from './personas-repository.js';
import { SessionsRepository } from './sessions-repository.js';
import { SettingsRepository } from './settings-repository.js';
import type { StoreDialect } from './store-dialect.js';
import { UsersRepository } from './users-repository.js';

/** The repositories, bound either to the database or to one transaction. */
export class Repositories {
  readonly users: UsersRepository;
  readonly sessions: SessionsRepository;
  readonly blobs: BlobsRepository;
  readonly characters: CharactersRepository;
  readonly chats: ChatsRepository;
  readonly appliedOps: AppliedOpsRepository;
  readonly settings: SettingsRepository;
  readonly personas: PersonasRepository;
  readonly connections: ConnectionsRepository;
  readonly generations: GenerationsRepository;

  constructor(db: Kysely<Database>) {
    this.users = new UsersRepository(db);
    this.sessions = new SessionsRepository(db);
    this.blobs = new BlobsRepository(db);
    this.characters = new CharactersRepository(db);
    this.chats = new ChatsRepository(db);
    this.appliedOps = new AppliedOpsRepository(db);
    this.settings = new SettingsRepository(db);
    this.personas = new PersonasRepository(db);
    this.connections = new ConnectionsRepository(db);
    this.generations = new GenerationsRepository(db);
  }
}

/** The open database: repositories for callers, a transaction helper, a consistent close. */
export class Store extends Repositories {
  readonly db: Kysely<Database>;
  readonly dialect: StoreDialect;

  constructor(dialect: StoreDialect) {
    const db = new Kysely<Database>({ dialect: dialect.kysely });
    super(db);
    this.db = db;
    this.dialect = dialect;
  }

  /**
   * Runs `work` in one transaction: everything it writes lands together or not at all. `durable: false`
   * lets the commit skip waiting for the disk (see StoreDialect.relaxedTransaction); only for writes that a
   * later durable one supersedes.
   */
  transaction<T>(work: (repos: Repositories) => Promise<T>, options: { durable?: boolean } = {}): Promise<T> {
    if (options.durable === false) return this.dialect.relaxedTransaction(this.db, (trx) => work(new Repositories(trx)));
    return this.db.transaction().execute((trx) => work(new Repositories(trx)));
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

/** Opens the configured database and brings its schema up to date. */
export async function openStore(database: Config['database']): Promise<Store> {
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
