import { Command } from 'commander';
import { resolve } from 'node:path';
import { backupNow } from '../backup/backups.js';
import { restoreBackup } from '../backup/restore.js';
import { loadConfig, type Config } from '../config.js';
import { openStore } from '../store/store.js';
import { overridesOf, withStoreOptions } from './store-options.js';

/** Is a Parley server answering on the configured address? Restoring under it would lose its writes. */
async function serverIsRunning(config: Config): Promise<boolean> {
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  try {
    const reply = await fetch(`http://${host.includes(':') ? `[${host}]` : host}:${config.port}/healthz`, {
      signal: AbortSignal.timeout(1000),
    });
    return reply.ok;
  } catch {
    return false;
  }
}

export function backupCommands(): Command[] {
  const backup = withStoreOptions(new Command('backup').description('write a consistent copy of the database now'))
    .option('--out <file>', 'where to write it (default: <data>/backups/parley-<time>.sqlite)')
    .action(async (options) => {
      const config = loadConfig(overridesOf(options));
      const store = await openStore(config.database);
      try {
        const { file, bytes } = await backupNow(store, config, Date.now(), options.out && resolve(options.out));
        console.log(`backed up to ${file} (${(bytes / 1e6).toFixed(1)} MB)`);
      } finally {
        await store.close();
      }
    });

  const restore = withStoreOptions(new Command('restore').description('replace the database with a backup (server stopped)'))
    .argument('<file>', 'a backup written by `parley backup` or the schedule')
    .option('--force', 'restore even though a server answers on the configured port', false)
    .action(async (file: string, options) => {
      const config = loadConfig(overridesOf(options));
      if (!options.force && (await serverIsRunning(config))) {
        throw new Error(`a Parley server is running on port ${config.port}; stop it first (or pass --force)`);
      }
      const { savedAs } = await restoreBackup(config, resolve(file), Date.now());
      console.log(`restored ${file}${savedAs ? `; the previous database is kept as ${savedAs}` : ''}`);
    });

  return [backup, restore];
}
