import {
  SamplerSettings,
  maskApiKey,
  type ConnectionProfile,
  type CreateConnectionRequest,
  needsBaseUrl,
  optionOf,
  type PatchConnectionRequest,
} from '../../shared/api/generation.js';
import type { UpstreamTarget } from '../generation/upstream-endpoint.js';
import { ApiError, notFound } from '../errors/api-error.js';
import { parseInput } from '../errors/parse-input.js';
import type { BackendAllowlist, BackendCaller } from '../security/backend-allowlist.js';
import type { ConnectionRecord } from '../store/connections-repository.js';
import type { Store } from '../store/store.js';

/** The settings key (GET/PATCH /api/settings) naming the connection a generation uses when it names none. */
export const ACTIVE_CONNECTION_SETTING = 'activeConnectionId';

const iso = (ms: number) => new Date(ms).toISOString();

/** What the browser sees: the key only as a hint. */
export function connectionView(c: ConnectionRecord): ConnectionProfile {
  return {
    id: c.id,
    name: c.name,
    api: c.api,
    baseUrl: c.baseUrl,
    apiKeyHint: c.apiKey ? maskApiKey(c.apiKey) : null,
    model: c.model,
    instructTemplate: c.instructTemplate,
    settings: c.settings,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
  };
}

export const upstreamTarget = (c: ConnectionRecord): UpstreamTarget => ({
  api: c.api,
  baseUrl: c.baseUrl,
  apiKey: c.apiKey,
  model: c.model,
  apiVersion: optionOf(c.settings, 'api_version') || undefined,
});

type Addressed = Pick<ConnectionRecord, 'api' | 'baseUrl'>;

/** Why the operator's backendAllowlist keeps a profile from its address; null when it may use it (or has none). */
export const backendRefusal = (backends: BackendAllowlist, c: Addressed, caller: BackendCaller): string | null =>
  needsBaseUrl(c.api) ? backends.refusal(c.baseUrl, caller) : null;

/** A 400 for a profile the backendAllowlist refuses: on create and patch, and at use for one stored before the list. */
export function assertBackendAllowed(backends: BackendAllowlist, c: Addressed, caller: BackendCaller): void {
  const refusal = backendRefusal(backends, c, caller);
  if (refusal) throw new ApiError('invalid_request', refusal, { field: 'baseUrl' });
}

/** Creates a profile under its client-made id; the same id again returns the first one untouched. */
export async function createConnection(
  store: Store,
  backends: BackendAllowlist,
  caller: BackendCaller & { userId: string },
  input: CreateConnectionRequest,
  now: number,
): Promise<{ connection: ConnectionRecord; created: boolean }> {
  const { userId } = caller;
  assertBackendAllowed(backends, input, caller);
  return store.transaction(async (repos) => {
    const existing = await repos.connections.get(userId, input.id);
    if (existing) return { connection: existing, created: false };
    const connection: ConnectionRecord = {
      id: input.id,
      name: input.name,
      api: input.api,
      baseUrl: input.baseUrl,
      apiKey: input.apiKey ?? null,
      model: input.model,
      instructTemplate: input.instructTemplate ?? null,
      settings: input.settings,
      lastUsedAt: null,
      createdAt: now,
      updatedAt: now,
    };
    await repos.connections.insert(userId, connection);
    return { connection, created: true };
  });
}

/** Applies a patch: settings merge field by field, apiKey null removes the key, an absent field stays. */
export async function patchConnection(
  store: Store,
  backends: BackendAllowlist,
  caller: BackendCaller & { userId: string },
  id: string,
  patch: PatchConnectionRequest,
  now: number,
): Promise<ConnectionRecord> {
  const { userId } = caller;
  return store.transaction(async (repos) => {
    const current = await repos.connections.lockForWrite(userId, id);
    if (!current) throw notFound('Connection');
    // Each field was valid alone; the merged settings must be valid together (max_tokens < context_size).
    const settings = parseInput(SamplerSettings, { ...current.settings, ...patch.settings }, 'settings');
    const next: ConnectionRecord = {
      ...current,
      ...(patch.name !== undefined && { name: patch.name }),
      ...(patch.api !== undefined && { api: patch.api }),
      ...(patch.baseUrl !== undefined && { baseUrl: patch.baseUrl }),
      ...(patch.apiKey !== undefined && { apiKey: patch.apiKey }),
      ...(patch.model !== undefined && { model: patch.model }),
      ...(patch.instructTemplate !== undefined && { instructTemplate: patch.instructTemplate }),
      settings,
      updatedAt: now,
    };
    if (next.baseUrl === '' && needsBaseUrl(next.api)) {
      throw new ApiError('invalid_request', 'baseUrl is required for this API, e.g. http://127.0.0.1:8080/v1', { field: 'baseUrl' });
    }
    assertBackendAllowed(backends, next, caller);
    await repos.connections.update(userId, next);
    return next;
  });
}

/**
 * The connection a generation uses: the one named, else the one the settings name as active, else the one used
 * most recently (or created last). A named one that does not exist is refused rather than silently replaced.
 * `settingsValues` are the user's settings, which the caller has read already.
 */
export async function resolveConnection(
  store: Store,
  userId: string,
  connectionId: string | undefined,
  settingsValues: Record<string, unknown>,
): Promise<ConnectionRecord> {
  if (connectionId) {
    const named = await store.connections.get(userId, connectionId);
    if (!named) throw notFound('Connection');
    return named;
  }
  const active = settingsValues[ACTIVE_CONNECTION_SETTING];
  const chosen = typeof active === 'string' ? await store.connections.get(userId, active) : undefined;
  const connection = chosen ?? (await store.connections.mostRecentlyUsed(userId));
  if (!connection) {
    throw new ApiError('invalid_request', 'No connection to an LLM backend yet: add one under Connections, then generate.');
  }
  return connection;
}
