import { copyFileSync, existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import type { Config } from '../config.js';
import { embeddedDatabaseFile } from '../store/store.js';
import { backupFolder } from './backups.js';

/** Checks that a file is a sound Parley database before it may replace the live one. */
export function verifyBackup(file: string): void {
  if (!existsSync(file)) throw new Error(`${file} does not exist`);
  let db: Sqlite.Database | undefined;
  try {
    db = new Sqlite(file, { readonly: true, fileMustExist: true });
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`integrity check failed: ${String(check)}`);
    const tables = db.prepare("select name from sqlite_master where type = 'table'").pluck().all() as string[];
    for (const needed of ['kysely_migration', 'users', 'chats', 'messages']) {
      if (!tables.includes(needed)) throw new Error(`not a Parley database (no table ${needed})`);
    }
  } catch (error) {
    throw new Error(`${file} cannot be restored: ${(error as Error).message}`);
  } finally {
    db?.close();
  }
}

/**
 * Replaces the database with a backup. The server must be stopped. The current database is first saved
 * beside the backups, and the swap is a rename, so a crash midway leaves one whole database or the other.
 */
export async function restoreBackup(config: Config, file: string, now: number): Promise<{ savedAs: string | null }> {
  const live = embeddedDatabaseFile(config.database);
  if (live === null) throw new Error('restore covers the embedded SQLite database; use pg_restore');
  verifyBackup(file);
  let savedAs: string | null = null;
  if (existsSync(live)) {
    savedAs = join(backupFolder(config), `pre-restore-${new Date(now).toISOString().replace(/[:.]/g, '-')}.sqlite`);
    const current = new Sqlite(live);
    try {
      await current.backup(savedAs);
    } finally {
      current.close();
    }
  }
  const staged = `${live}.restoring`;
  copyFileSync(file, staged);
  for (const sidecar of [`${live}-wal`, `${live}-shm`]) rmSync(sidecar, { force: true });
  renameSync(staged, live);
  return { savedAs };
}
