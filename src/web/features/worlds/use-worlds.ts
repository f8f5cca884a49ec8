import { useMemo } from 'react';
import { applyWorldOp, type World, type WorldSummary } from '../../../shared/api/worlds.js';
import { useServices } from '../../ui/services.js';
import { usePendingChanges } from '../../ui/use-pending-changes.js';
import { useResource } from '../../ui/use-resource.js';
import type { Change } from '../../sync/change.js';

/** The user's books, with creates, renames and deletes still in the outbox laid over. */
export function useWorlds() {
  const { api } = useServices();
  const server = useResource((signal) => api.worlds.list(signal), ['worlds'], 'worlds');
  const pending = usePendingChanges((change: Change) => (change.kind.startsWith('world-') ? change : null), server.data);
  const worlds = useMemo(() => {
    let list: WorldSummary[] = server.data ?? [];
    for (const change of pending) {
      if (change.kind === 'world-create' && !list.some((w) => w.id === change.request.id)) {
        list = [...list, { id: change.request.id, name: change.request.name, entryCount: 0, revision: 0, updatedAt: new Date().toISOString() }];
      } else if (change.kind === 'world-delete') {
        list = list.filter((w) => w.id !== change.worldId);
      } else if (change.kind === 'world-op' && change.op.type === 'rename') {
        const { name } = change.op;
        list = list.map((w) => (w.id === change.worldId ? { ...w, name } : w));
      }
    }
    return [...list].sort((a, b) => a.name.localeCompare(b.name));
  }, [server.data, pending]);
  return { worlds, loaded: server.data !== undefined, error: server.error, reload: server.reload };
}

/** One book with its entries, its waiting edits laid over in order. */
export function useWorld(id: string) {
  const { api } = useServices();
  const server = useResource((signal) => api.worlds.get(id, signal), ['worlds'], `world:${id}`);
  const pending = usePendingChanges((change: Change) => (change.kind === 'world-op' && change.worldId === id ? change.op : null), server.data);
  const world = useMemo<World | undefined>(() => server.data && pending.reduce(applyWorldOp, server.data), [server.data, pending]);
  return { world, error: server.error };
}
