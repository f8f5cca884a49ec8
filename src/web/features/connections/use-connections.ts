import { useMemo } from 'react';
import { DEFAULT_SAMPLER_SETTINGS, type ConnectionProfile } from '../../../shared/api/generation.js';
import { useServices } from '../../ui/services.js';
import { usePendingChanges } from '../../ui/use-pending-changes.js';
import { useResource } from '../../ui/use-resource.js';
import type { Change } from '../../sync/change.js';
import type { SettingsState } from '../settings/use-settings.js';

/** The settings key naming the connection generations use when they name none (the server reads the same key). */
export const ACTIVE_CONNECTION = 'activeConnectionId';

function applyPending(server: ConnectionProfile[], pending: Change[]): ConnectionProfile[] {
  let list = [...server];
  const now = new Date().toISOString();
  for (const change of pending) {
    if (change.kind === 'connection-create' && !list.some((c) => c.id === change.request.id)) {
      const { apiKey, settings, instructTemplate, model, baseUrl, ...rest } = change.request;
      list.push({
        ...rest,
        baseUrl: baseUrl ?? '',
        model: model ?? '',
        instructTemplate: instructTemplate ?? null,
        apiKeyHint: apiKey ? '…' : null,
        settings: { ...DEFAULT_SAMPLER_SETTINGS, ...settings },
        createdAt: now,
        updatedAt: now,
      });
    } else if (change.kind === 'connection-patch') {
      const { settings, apiKey, instructTemplate, ...rest } = change.request;
      list = list.map((c) =>
        c.id === change.connectionId
          ? {
              ...c,
              ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)),
              ...(instructTemplate !== undefined && { instructTemplate }),
              ...(apiKey !== undefined && { apiKeyHint: apiKey ? '…' : null }),
              settings: { ...c.settings, ...settings },
            }
          : c,
      );
    } else if (change.kind === 'connection-delete') {
      list = list.filter((c) => c.id !== change.connectionId);
    }
  }
  return list;
}

/**
 * The user's connection profiles (waiting changes on top) and which one is active. The settings come from the
 * caller, which mostly reads them too: one request for them per screen, not one per hook.
 */
export function useConnections(settings: SettingsState) {
  const { api } = useServices();
  const server = useResource((signal) => api.connections.list(signal), ['connections'], 'connections');
  const pending = usePendingChanges((change) => (change.kind.startsWith('connection-') ? change : null), server.data);
  const list = useMemo(() => applyPending(server.data ?? [], pending), [server.data, pending]);
  const named = settings.values[ACTIVE_CONNECTION];
  const activeId = list.find((c) => c.id === named)?.id ?? list[0]?.id ?? null;
  return {
    list,
    /** Known either way: the list arrived, or the server has no connections route to ask. */
    loaded: server.data !== undefined || server.error !== null,
    activeId,
    setActive: (id: string) => settings.patch({ [ACTIVE_CONNECTION]: id }),
  };
}
