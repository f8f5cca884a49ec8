import { nanoid } from 'nanoid';
import { useCallback, useMemo } from 'react';
import { useServices } from '../../app/services.js';
import { usePendingChanges } from '../../app/use-pending-changes.js';
import { useResource } from '../../app/use-resource.js';

type Values = Record<string, unknown>;

/** Settings key: false makes Enter a new line and only the Send button sends (handy on phones). */
export const SEND_ON_ENTER = 'sendOnEnter';

/** Top-level keys of a merge patch: null removes a key. Enough for the flat preferences the UI edits. */
function overlay(values: Values, patch: Values): Values {
  const next = { ...values };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next;
}

export type SettingsState = ReturnType<typeof useSettings>;

/** The user's settings with waiting patches on top, and a way to change them (through the outbox). */
export function useSettings() {
  const { api, engine } = useServices();
  const server = useResource((signal) => api.settings.get(signal), ['settings'], 'settings');
  const pending = usePendingChanges((change) => (change.kind === 'settings-patch' ? change.request.patch : null), server.data);
  const values = useMemo(
    () => pending.reduce<Values>((acc, patch) => overlay(acc, patch), server.data?.values ?? {}),
    [server.data, pending],
  );
  const patch = useCallback(
    (change: Values) => engine.enqueue({ kind: 'settings-patch', request: { opId: nanoid(), patch: change } }),
    [engine],
  );
  return { values, loaded: server.data !== undefined, patch };
}
