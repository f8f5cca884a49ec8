import type { Settings } from '../../shared/api/settings.js';
import { settingsScope } from '../store/applied-ops-repository.js';
import type { Store } from '../store/store.js';
import { applyMergePatch } from '../../shared/json-merge-patch.js';

/** Applies a settings patch once: a resent opId returns the current settings unchanged. */
export async function patchSettings(
  store: Store,
  userId: string,
  opId: string,
  patch: Record<string, unknown>,
  now: number,
): Promise<Settings & { status: 'applied' | 'duplicate' }> {
  return store.transaction(async (repos) => {
    const current = await repos.settings.lockForWrite(userId);
    const scope = settingsScope(userId);
    if (await repos.appliedOps.has(scope, opId)) return { values: current.values, revision: current.revision, status: 'duplicate' };
    const next = { values: applyMergePatch(current.values, patch), revision: current.revision + 1, updatedAt: now };
    await repos.settings.save(userId, next);
    await repos.appliedOps.record(scope, opId, now);
    return { values: next.values, revision: next.revision, status: 'applied' };
  });
}
