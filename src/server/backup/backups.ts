import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';
import type { Store } from '../store/store.js';

const PREFIX = 'parley-';
const SUFFIX = '.sqlite';

export const backupFolder = (config: Config) => join(config.dataRoot, 'backups');

/** Backup names come from the clock alone (never from input), and sort by time. */
function backupName(now: number): string {
  return `${PREFIX}${new Date(now).toISOString().replace(/[:.]/g, '-')}${SUFFIX}`;
}

export interface BackupFile {
  file: string;
  bytes: number;
}

/**
 * A consistent copy of the live database, taken online (SQLite's backup API copies a snapshot while
 * the server keeps writing), then the oldest copies beyond `keep` are removed.
 */
export async function backupNow(store: Store, config: Config, now: number, target?: string): Promise<BackupFile> {
  if (!store.dialect.backupTo) {
    throw new Error('Online backups cover the embedded SQLite database; back up PostgreSQL with pg_dump.');
  }
  const folder = backupFolder(config);
  mkdirSync(folder, { recursive: true });
  const file = target ?? join(folder, backupName(now));
  await store.dialect.backupTo(file);
  if (!target) pruneBackups(folder, config.backups.keep);
  return { file, bytes: statSync(file).size };
}

export function listBackups(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((name) => name.startsWith(PREFIX) && name.endsWith(SUFFIX))
    .sort();
}

function pruneBackups(folder: string, keep: number) {
  const all = listBackups(folder);
  for (const name of all.slice(0, Math.max(0, all.length - keep))) rmSync(join(folder, name), { force: true });
}
