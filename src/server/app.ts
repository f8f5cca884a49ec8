import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import type { AppContext } from './app-context.js';
import { scheduleBackups } from './backup/backup-schedule.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { ApiError } from './http/api-error.js';
import { LocalChangeFeed } from './events/change-feed.js';
import { registerErrorHandler } from './http/error-handler.js';
import { characterRoutes } from './routes/characters.js';
import { chatRoutes } from './routes/chats.js';
import { connectionRoutes } from './routes/connections.js';
import { eventRoutes } from './routes/events.js';
import { generationRoutes } from './routes/generations.js';
import { exportRoutes } from './routes/export.js';
import { healthRoutes } from './routes/health.js';
import { sessionRoutes } from './routes/session.js';
import { settingsRoutes } from './routes/settings.js';
import { userRoutes } from './routes/users.js';
import { registerWebClient } from './routes/web-client.js';
import { registerAccessControl } from './security/access-control.js';
import { Accounts } from './security/accounts.js';
import { BackendAllowlist } from './security/backend-allowlist.js';
import { registerRequestAuth } from './security/request-auth.js';
import { SessionManager } from './security/session-manager.js';
import type { Store } from './store/store.js';
import { LocalModels } from './generation/local-models.js';

export interface BuildAppOptions {
  config: Config;
  store: Store;
  clock?: Clock;
  /** Where log lines go (stdout by default); tests read refusal lines from here. */
  logStream?: DestinationStream;
}

const HOUR_MS = 3_600_000;

/** Builds the whole server around an open store. main.ts listens; tests build the same app. */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config, store } = options;
  const clock = options.clock ?? systemClock;
  const sessions = new SessionManager(store.sessions, clock, config.sessionTimeout);

  const app = Fastify({
    logger: {
      level: config.logLevel,
      ...(options.logStream && { stream: options.logStream }),
    },
    bodyLimit: Math.round(config.limits.jsonBodyMb * 1024 * 1024),
    // One line per refusal or error is what operators need; a line per request is noise.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    // X-Forwarded-* count only from these peers; from anyone else they are ignored.
    trustProxy: config.trustProxy.length > 0 ? config.trustProxy : false,
  });

  registerErrorHandler(app);
  const changes =
    config.database.kind === 'postgres'
      ? await (await import('./events/postgres-change-feed.js')).PostgresChangeFeed.connect(config.database.url, app.log)
      : new LocalChangeFeed();
  app.addHook('onClose', () => changes.close());
  const localModels = new LocalModels(config.localModels);
  // onClose runs after preClose, where the generation manager stops every generation.
  app.addHook('onClose', () => localModels.close());
  const ctx: AppContext = {
    config,
    store,
    clock,
    sessions,
    accounts: new Accounts(store, sessions, clock),
    changes,
    localModels,
    backendAllowlist: new BackendAllowlist(config.backendAllowlist),
  };
  await app.register(cookie);
  // Each upload route sets its own size limit (cards, chats); this is the ceiling.
  await app.register(multipart, { limits: { fileSize: Math.round(config.limits.chatImportMb * 1024 * 1024), files: 1 } });
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new ApiError('rate_limited', `Too many attempts; try again in ${context.after}`),
  });
  registerAccessControl(app, config);
  registerRequestAuth(app, sessions, store.users);

  healthRoutes(app);
  sessionRoutes(app, ctx);
  userRoutes(app, ctx);
  characterRoutes(app, ctx);
  chatRoutes(app, ctx);
  settingsRoutes(app, ctx);
  eventRoutes(app, ctx);
  connectionRoutes(app, ctx);
  generationRoutes(app, ctx);
  exportRoutes(app, ctx);
  const webClient = await registerWebClient(app);
  app.setNotFoundHandler((request, reply) => {
    // Deep links (/chats/<id>) are client routes: the page loads and finds its place again.
    if (webClient && request.method === 'GET' && !request.url.startsWith('/api/')) return reply.sendFile('index.html');
    const error = new ApiError('not_found', `No route ${request.method} ${request.url}`);
    return reply.status(404).send(error.toBody());
  });

  if (!config.enableUserAccounts) await ctx.accounts.ensureDefaultUser();

  scheduleBackups(app, ctx);

  const purge = setInterval(() => {
    sessions.purgeExpired().catch((err: unknown) => app.log.error({ err }, 'purging expired sessions failed'));
  }, HOUR_MS);
  purge.unref();
  app.addHook('onClose', async () => clearInterval(purge));

  return app;
}
