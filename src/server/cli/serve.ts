import { buildApp } from '../app.js';
import { loadConfig, type ConfigOverrides } from '../config.js';
import { assertSafeToListen } from '../security/access-control.js';
import { openStore } from '../store/store.js';

/** Starts the server and stops it cleanly: in-flight requests finish, then the store closes. */
export async function serve(overrides: ConfigOverrides): Promise<void> {
  const config = loadConfig(overrides);
  assertSafeToListen(config);
  const store = await openStore(config.database);
  const app = await buildApp({ config, store });

  let closing = false;
  // A kept-alive connection would hold close() open until the client drops it (seconds to minutes):
  // a response finished during shutdown tells the client to reconnect elsewhere.
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    try {
      await app.close();
      await store.close();
      app.log.info('stopped');
      process.exit(0);
    } catch (err) {
      app.log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  try {
    const address = await app.listen({ host: config.host, port: config.port });
    app.log.info(
      { address, data: config.dataRoot, database: config.database.kind, accounts: config.enableUserAccounts },
      `Parley is listening on ${address}`,
    );
  } catch (error) {
    await app.close();
    await store.close();
    throw error;
  }
}
