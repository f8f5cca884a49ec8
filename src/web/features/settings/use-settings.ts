import { nanoid } from 'nanoid';
import { useCallback, useMemo } from 'react';
import { applyMergePatch } from '../../../shared/json-merge-patch.js';
import { useServices } from '../../ui/services.js';
import { usePendingChanges } from '../../ui/use-pending-changes.js';
import { useResource } from '../../ui/use-resource.js';

type Values = Record<string, unknown>;

/** Settings key: false makes Enter a new line and only the Send button sends (handy on phones). */
export const SEND_ON_ENTER = 'sendOnEnter';


export type SettingsState = ReturnType<typeof useSettings>;

/** The user's settings with waiting patches on top, and a way to change them (through the outbox). */
export function useSettings() {
  const { api, engine } = useServices();
  const server = useResource((signal) => api.settings.get(signal), ['settings'], 'settings');
  const pending = usePendingChanges((change) => (change.kind === 'settings-patch' ? change.request.patch : null), server.data);
  const values = useMemo(
    () => pending.reduce<Values>((acc, patch) => applyMergePatch(acc, patch), server.data?.values ?? {}),
    [server.data, pending],
  );
  const patch = useCallback(
    (change: Values) => engine.enqueue({ kind: 'settings-patch', request: { opId: nanoid(), patch: change } }),
    [engine],
  );
  // reload: after a write outside the outbox (a preset import), whose change event this tab does not get back.
  return { values, loaded: server.data !== undefined, patch, reload: server.reload };
}
