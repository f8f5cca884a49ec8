import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';
import { backupFolder, backupNow, listBackups } from './backups.js';

/**
 * Takes a backup every `backups.intervalHours` while the server runs. The first comes when the newest
 * backup on disk is one interval old (so daily restarts never postpone it forever), or a minute after the
 * first start, out of the way of start-up.
 */
const FIRST_BACKUP_DELAY_MS = 60_000;

export function scheduleBackups(app: FastifyInstance, ctx: AppContext) {
  const { config, store, clock } = ctx;
  if (!config.backups.enabled || !store.dialect.backupTo) return;
  const intervalMs = config.backups.intervalHours * 3_600_000;

  const take = async () => {
    try {
      const { file, bytes } = await backupNow(store, config, clock.now());
      app.log.info({ file, bytes }, 'database backed up');
    } catch (err) {
      app.log.error({ err }, 'scheduled backup failed');
    }
  };

  const folder = backupFolder(config);
  const newest = listBackups(folder).at(-1);
  const firstDelay = newest
    ? Math.max(0, Math.min(intervalMs, statSync(join(folder, newest)).mtimeMs + intervalMs - clock.now()))
    : FIRST_BACKUP_DELAY_MS;
  let timer = setTimeout(function tick() {
    void take().finally(() => {
      timer = setTimeout(tick, intervalMs);
      timer.unref();
    });
  }, firstDelay);
  timer.unref();
  app.addHook('onClose', async () => clearTimeout(timer));
}
