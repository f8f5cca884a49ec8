import type { FastifyInstance } from 'fastify';
import {
  CONNECTION_PRESETS,
  CreateConnectionRequest,
  PatchConnectionRequest,
  type ConnectionProfile,
  type ConnectionTestResult,
  type ModelList,
} from '../../shared/api/generation.js';
import { IdParams } from '../../shared/api/ids.js';
import type { AppContext } from '../app-context.js';
import { announce } from '../events/announce.js';
import { testConnection } from '../generation/connection-test.js';
import { listModels } from '../generation/list-models.js';
import { UpstreamError } from '../generation/upstream-error.js';
import { ApiError, notFound } from '../http/api-error.js';
import { parseInput } from '../http/validate.js';
import {
  assertBackendAllowed,
  backendRefusal,
  connectionView,
  createConnection,
  patchConnection,
  upstreamTarget,
} from '../services/connections.js';

/** Connection profiles to LLM backends: per user, API keys kept on the server and shown only as a hint. */
export function connectionRoutes(app: FastifyInstance, ctx: AppContext) {
  const { store, clock, backendAllowlist } = ctx;

  const owned = async (userId: string, params: unknown) => {
    const { id } = parseInput(IdParams, params, 'connection id');
    const connection = await store.connections.get(userId, id);
    if (!connection) throw notFound('Connection');
    return connection;
  };

  app.get('/api/connections/presets', async () => CONNECTION_PRESETS);

  app.get('/api/connections', async (request): Promise<ConnectionProfile[]> =>
    (await store.connections.list(request.auth!.user.id)).map(connectionView),
  );

  app.get('/api/connections/:id', async (request): Promise<ConnectionProfile> =>
    connectionView(await owned(request.auth!.user.id, request.params)),
  );

  app.post('/api/connections', async (request, reply) => {
    const body = parseInput(CreateConnectionRequest, request.body);
    const { connection, created } = await createConnection(store, backendAllowlist, request.auth!.user.id, body, clock.now());
    if (created) announce(ctx.changes, request, { type: 'connections' });
    return reply.status(created ? 201 : 200).send(connectionView(connection));
  });

  app.patch('/api/connections/:id', async (request): Promise<ConnectionProfile> => {
    const { id } = parseInput(IdParams, request.params, 'connection id');
    const patch = parseInput(PatchConnectionRequest, request.body);
    const connection = await patchConnection(store, backendAllowlist, request.auth!.user.id, id, patch, clock.now());
    announce(ctx.changes, request, { type: 'connections' });
    return connectionView(connection);
  });

  app.delete('/api/connections/:id', async (request, reply) => {
    const { id } = parseInput(IdParams, request.params, 'connection id');
    if (!(await store.connections.delete(request.auth!.user.id, id))) throw notFound('Connection');
    announce(ctx.changes, request, { type: 'connections' });
    return reply.status(204).send();
  });

  app.post('/api/connections/:id/test', async (request): Promise<ConnectionTestResult> => {
    const connection = await owned(request.auth!.user.id, request.params);
    // A profile stored before the operator set the list: told, like any failed test, and never contacted.
    const refusal = backendRefusal(backendAllowlist, connection);
    if (refusal) return { ok: false, failure: 'not_allowed', message: refusal, models: [], latencyMs: 0 };
    return connection.api === 'local' ? ctx.localModels.test(connection.model) : testConnection(upstreamTarget(connection));
  });

  app.get('/api/connections/:id/models', async (request): Promise<ModelList> => {
    const connection = await owned(request.auth!.user.id, request.params);
    assertBackendAllowed(backendAllowlist, connection);
    try {
      return { models: connection.api === 'local' ? await ctx.localModels.list() : await listModels(upstreamTarget(connection)) };
    } catch (error) {
      if (error instanceof UpstreamError) throw new ApiError('upstream_error', error.message, { failure: error.failure });
      throw error;
    }
  });
}
