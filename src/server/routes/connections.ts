import {
  ConnectionDraftTestRequest,
  CreateConnectionRequest,
  PatchConnectionRequest,
  type ConnectionProfile,
  type ConnectionTestResult,
  type ModelList,
} from '../../shared/api/generation.js';
import { CONNECTION_PRESETS } from '../../shared/api/providers.js';
import { IdParams } from '../../shared/api/ids.js';
import type { AppContext } from '../app-context.js';
import { announce } from '../events/announce.js';
import { testConnection } from '../generation/connection-test.js';
import { listModels } from '../generation/list-models.js';
import { UpstreamError } from '../generation/upstream-error.js';
import { ApiError, notFound } from '../errors/api-error.js';
import type { ParleyApp } from '../http/parley-app.js';
import {
  assertBackendAllowed,
  backendRefusal,
  connectionView,
  createConnection,
  patchConnection,
  upstreamTarget,
} from '../services/connections.js';

/** Connection profiles to LLM backends: per user, API keys kept on the server and shown only as a hint. */
export function connectionRoutes(app: ParleyApp, ctx: AppContext) {
  const { store, clock, backendAllowlist } = ctx;
  const user = { auth: 'required' } as const;
  const byId = { config: user, schema: { params: IdParams } };

  const owned = async (userId: string, id: string) => {
    const connection = await store.connections.get(userId, id);
    if (!connection) throw notFound('Connection');
    return connection;
  };

  app.get('/api/connections/presets', { config: user }, async () => CONNECTION_PRESETS);

  app.get('/api/connections', { config: user }, async (request): Promise<ConnectionProfile[]> =>
    (await store.connections.list(request.auth!.user.id)).map(connectionView),
  );

  app.get('/api/connections/:id', byId, async (request): Promise<ConnectionProfile> =>
    connectionView(await owned(request.auth!.user.id, request.params.id)),
  );

  app.post('/api/connections', { config: user, schema: { body: CreateConnectionRequest } }, async (request, reply) => {
    const body = request.body;
    const caller = { userId: request.auth!.user.id, admin: request.auth!.user.admin };
    const { connection, created } = await createConnection(store, backendAllowlist, caller, body, clock.now());
    if (created) announce(ctx.changes, request, { type: 'connections' });
    return reply.status(created ? 201 : 200).send(connectionView(connection));
  });

  const patchSchema = { params: IdParams, body: PatchConnectionRequest };
  app.patch('/api/connections/:id', { config: user, schema: patchSchema }, async (request): Promise<ConnectionProfile> => {
    const { id } = request.params;
    const patch = request.body;
    const caller = { userId: request.auth!.user.id, admin: request.auth!.user.admin };
    const connection = await patchConnection(store, backendAllowlist, caller, id, patch, clock.now());
    announce(ctx.changes, request, { type: 'connections' });
    return connectionView(connection);
  });

  app.delete('/api/connections/:id', byId, async (request, reply) => {
    const { id } = request.params;
    if (!(await store.connections.delete(request.auth!.user.id, id))) throw notFound('Connection');
    announce(ctx.changes, request, { type: 'connections' });
    return reply.status(204).send();
  });

  app.post('/api/connections/:id/test', byId, async (request): Promise<ConnectionTestResult> => {
    const connection = await owned(request.auth!.user.id, request.params.id);
    // A profile stored before the operator set the list: told, like any failed test, and never contacted.
    const refusal = backendRefusal(backendAllowlist, connection, request.auth!.user);
    if (refusal) return { ok: false, failure: 'not_allowed', message: refusal, models: [], latencyMs: 0 };
    return connection.api === 'local' ? ctx.localModels.test(connection.model) : testConnection(upstreamTarget(connection));
  });

  // The form's Test, before anything is saved: nothing is stored, the backend is only asked (the same gates apply).
  app.post('/api/connections/test', { config: user, schema: { body: ConnectionDraftTestRequest } }, async (request): Promise<ConnectionTestResult> => {
    const { api, baseUrl, apiKey, model, apiVersion, connectionId } = request.body;
    const userId = request.auth!.user.id;
    const stored = connectionId ? await owned(userId, connectionId) : undefined;
    // The stored key goes only to the address it was stored for: a session must not be able to send it elsewhere.
    const storedKey = stored && stored.baseUrl === baseUrl ? stored.apiKey : null;
    const draft = { api, baseUrl, apiKey: apiKey ?? storedKey, model };
    const refusal = backendRefusal(backendAllowlist, draft, request.auth!.user);
    if (refusal) return { ok: false, failure: 'not_allowed', message: refusal, models: [], latencyMs: 0 };
    if (api === 'local') return ctx.localModels.test(model);
    return testConnection({ ...draft, apiVersion: apiVersion || undefined });
  });

  app.get('/api/connections/:id/models', byId, async (request): Promise<ModelList> => {
    const connection = await owned(request.auth!.user.id, request.params.id);
    assertBackendAllowed(backendAllowlist, connection, request.auth!.user);
    try {
      return { models: connection.api === 'local' ? await ctx.localModels.list() : await listModels(upstreamTarget(connection)) };
    } catch (error) {
      if (error instanceof UpstreamError) throw new ApiError('upstream_error', error.message, { failure: error.failure });
      throw error;
    }
  });
}
