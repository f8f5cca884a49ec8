import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import Fastify, { LogController, type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { DestinationStream } from 'pino';
import type { AppContext } from './app-context.js';
import { scheduleBackups } from './backup/backup-schedule.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { ApiError } from './errors/api-error.js';
import { LocalChangeFeed } from './events/change-feed.js';
import { registerErrorHandler } from './http/error-handler.js';
import { registerJsonBodyParser } from './http/json-body.js';
import type { ParleyApp, ZodTypeProvider } from './http/parley-app.js';
import { avatarRoutes } from './routes/avatars.js';
import { characterLibraryRoutes } from './routes/character-library.js';
import { characterRoutes } from './routes/characters.js';
import { chatRoutes } from './routes/chats.js';
import { groupRoutes } from './routes/groups.js';
import { shareRoutes } from './routes/shares.js';
import { connectionRoutes } from './routes/connections.js';
import { formattingRoutes } from './routes/formatting.js';
import { eventRoutes } from './routes/events.js';
import { generationRoutes } from './routes/generations.js';
import { exportRoutes } from './routes/export.js';
import { promptPresetRoutes } from './routes/prompt-presets.js';
import { searchRoutes } from './routes/search.js';
import { worldRoutes } from './routes/worlds.js';
import { trashRoutes } from './routes/trash.js';
import { bookmarkRoutes } from './routes/bookmarks.js';
import { sweepTrash } from './services/trash.js';
import { WorldInfoBooks } from './services/world-info-books.js';
import { TimeLimitedRegex } from './regex/time-limited-regex.js';
import { healthRoutes } from './routes/health.js';
import { sessionRoutes } from './routes/session.js';
import { settingsRoutes } from './routes/settings.js';
import { usageRoutes } from './routes/usage.js';
import { userRoutes } from './routes/users.js';
import { isClientPath, registerWebClient } from './routes/web-client.js';
import { registerAccessControl } from './security/access-control.js';
import { registerPageHeaders } from './security/page-headers.js';
import { Accounts } from './security/accounts.js';
import { BackendAllowlist } from './security/backend-allowlist.js';
import { registerRequestAuth } from './security/request-auth.js';
import { SessionManager } from './security/session-manager.js';
import type { Store } from './store/store.js';
import { LocalModels } from './generation/local-models.js';
import { ChatAudienceFeed } from './events/chat-audience-feed.js';
import { CrossNodeChangeFeed } from './events/cross-node-change-feed.js';
import { GenerationManager } from './services/generation-manager.js';
import { SettingsCache } from './services/settings-cache.js';
import { AbandonedImports } from './services/import-leases.js';

export interface BuildAppOptions {
  config: Config;
  store: Store;
  clock?: Clock;
  /** Where log lines go (stdout by default); tests read refusal lines from here. */
  logStream?: DestinationStream;
}

const HOUR_MS = 3_600_000;

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
/**
 * Every route declares its params, query and body as zod schemas (src/shared/api); a mismatch is a 400. Naming zod's
 * compilers as the server's also keeps Fastify from loading its JSON-schema ones at start (ajv and
 * fast-json-stringify: ~100 modules no route uses). Fastify types these factories for its own compilers; all it does
 * with them is call each for the compiler it returns.
 */
const ZOD_COMPILERS = {
  buildValidator: () => validatorCompiler,
  buildSerializer: () => serializerCompiler,
} as unknown as CompilersFactory;

/** Builds the whole server around an open store. main.ts listens; tests build the same app. */
export async function buildApp(options: BuildAppOptions): Promise<ParleyApp> {
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
    schemaController: { compilersFactory: ZOD_COMPILERS },
  }).withTypeProvider<ZodTypeProvider>();

  registerErrorHandler(app);
  registerJsonBodyParser(app);
  // Nodes sharing the database hear each other's changes through it; a lone process keeps them in memory.
  const nodeChanges = store.dialect.openNodeChannel
    ? await CrossNodeChangeFeed.connect(store.dialect.openNodeChannel.bind(store.dialect), app.log)
    : new LocalChangeFeed();
  // A chat's notices reach everyone it is shared with (the chat_shares of its owner).
  const changes = new ChatAudienceFeed(nodeChanges, (chatId) => store.chatShares.participants(chatId), app.log);
  app.addHook('onClose', () => changes.close());
  // The account's event streams, on every node, check whether their session still stands.
  sessions.onEnded((userId) => changes.publish(userId, { type: 'sessions' }));
  const localModels = new LocalModels(config.localModels);
  // onClose runs after preClose, where the generation manager stops every generation.
  app.addHook('onClose', () => localModels.close());
  // One time-limited runner for every user pattern: world info's regex keys and regex scripts.
  const regex = new TimeLimitedRegex();
  const worldInfo = new WorldInfoBooks(regex);
  app.addHook('onClose', () => worldInfo.close());
  const backendAllowlist = new BackendAllowlist(config.backendAllowlist, { privateForAdminsOnly: config.enableUserAccounts });
  const settings = new SettingsCache();
  const generations = new GenerationManager({
    store,
    clock,
    changes,
    log: app.log,
    localModels,
    backendAllowlist,
    worldInfo,
    regex,
    settings,
    singleNode: store.dialect.singleNode,
  });
  app.addHook('onReady', () => generations.recover());
  const abandonedImports = new AbandonedImports({ store, clock, log: app.log, singleNode: store.dialect.singleNode });
  app.addHook('onReady', () => abandonedImports.recover());
  app.addHook('onClose', async () => abandonedImports.close());
  // Before the server waits for open streams to end: stop every generation with its text saved, end its streams.
  app.addHook('preClose', () => generations.close());
  const ctx: AppContext = {
    config,
    store,
    clock,
    sessions,
    accounts: new Accounts(store, sessions, clock),
    changes,
    localModels,
    backendAllowlist,
    generations,
    worldInfo,
    regex,
    settings,
  };
  await app.register(cookie);
  // Each upload route sets its own size limit (cards, chats); this is the ceiling.
  await app.register(multipart, { limits: { fileSize: Math.round(config.limits.chatImportMb * 1024 * 1024), files: 1 } });
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new ApiError('rate_limited', `Too many attempts; try again in ${context.after}`),
  });
  registerPageHeaders(app, { allowRemoteImages: config.allowRemoteImages });
  registerAccessControl(app, config);
  registerRequestAuth(app, { sessions, accountsOn: config.enableUserAccounts, isClientPath });

  healthRoutes(app);
  sessionRoutes(app, ctx);
  userRoutes(app, ctx);
  characterRoutes(app, ctx);
  characterLibraryRoutes(app, ctx);
  avatarRoutes(app, ctx);
  chatRoutes(app, ctx);
  groupRoutes(app, ctx);
  shareRoutes(app, ctx);
  settingsRoutes(app, ctx);
  eventRoutes(app, ctx);
  connectionRoutes(app, ctx);
  formattingRoutes(app, ctx);
  generationRoutes(app, ctx);
  usageRoutes(app, ctx);
  exportRoutes(app, ctx);
  worldRoutes(app, ctx);
  trashRoutes(app, ctx);
  bookmarkRoutes(app, ctx);
  searchRoutes(app, ctx);
  promptPresetRoutes(app, ctx);
  const appPage = await registerWebClient(app);
  app.setNotFoundHandler((request, reply) => {
    // Deep links (/chats/<id>) are client routes: the page loads and finds its place again.
    if (appPage !== null && (request.method === 'GET' || request.method === 'HEAD') && isClientPath(request)) {
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(appPage);
    }
    const error = new ApiError('not_found', `No route ${request.method} ${request.url}`);
    return reply.status(404).send(error.toBody());
  });

  if (!config.enableUserAccounts) await ctx.accounts.ensureDefaultUser();

  scheduleBackups(app, ctx);

  const sweep = () =>
    sweepTrash(store, clock.now()).catch((err: unknown) => app.log.error({ err }, 'purging expired trash failed'));
  app.addHook('onReady', async () => {
    await sweep();
  });
  const purge = setInterval(() => {
    sessions.purgeExpired().catch((err: unknown) => app.log.error({ err }, 'purging expired sessions failed'));
    void sweep();
  }, HOUR_MS);
  purge.unref();
  app.addHook('onClose', async () => clearInterval(purge));

  return app;
}
