import { nanoid } from 'nanoid';
import { useCallback, useMemo, useRef } from 'react';
import { applyMergePatch } from '../../../shared/json-merge-patch.js';
import { useServices } from '../../ui/services.js';
import { usePendingChanges } from '../../ui/use-pending-changes.js';
import { useResource } from '../../ui/use-resource.js';

type Values = Record<string, unknown>;

/** Settings key: false makes Enter a new line and only the Send button sends (handy on phones). */
export const SEND_ON_ENTER = 'sendOnEnter';


/** How long a patch of this tab counts as not yet shown at most (see `unseen` in useSettings). */
const UNSEEN_MS = 10_000;

export type SettingsState = ReturnType<typeof useSettings>;

/** The user's settings with waiting patches on top, and a way to change them (through the outbox). */
export function useSettings() {
  const { api, engine } = useServices();
  const server = useResource((signal) => api.settings.get(signal), ['settings'], 'settings');
  const pending = usePendingChanges((change) => (change.kind === 'settings-patch' ? change.request : null), server.data);
  const values = useMemo(
    () => pending.reduce<Values>((acc, request) => applyMergePatch(acc, request.patch), server.data?.values ?? {}),
    [server.data, pending],
  );
  // This tab's patches that `values` does not show yet (the outbox's list is read asynchronously): a change made
  // from a whole array (a preset's prompts) right after another must start from them, or it would send the array
  // without the other change. One leaves this list once the outbox's list shows it; one acknowledged before it was
  // ever shown is in the server's data by then, and leaves after UNSEEN_MS (re-applying it meanwhile changes nothing).
  const unseen = useRef<Array<{ opId: string; patch: Values; at: number }>>([]);
  const shown = new Set(pending.map((request) => request.opId));
  unseen.current = unseen.current.filter((u) => !shown.has(u.opId));
  const rendered = useRef(values);
  rendered.current = values;
  const patch = useCallback(
    (change: Values) => {
      const opId = nanoid();
      unseen.current.push({ opId, patch: change, at: Date.now() });
      return engine.enqueue({ kind: 'settings-patch', request: { opId, patch: change } });
    },
    [engine],
  );
  /** The values with this tab's unseen patches on top: what the next change is made from. */
  const current = useCallback(() => {
    const since = Date.now() - UNSEEN_MS;
    unseen.current = unseen.current.filter((u) => u.at >= since);
    return unseen.current.reduce((acc, u) => applyMergePatch(acc, u.patch), rendered.current);
  }, []);
  // reload: after a write outside the outbox (a preset import), whose change event this tab does not get back.
  return { values, current, loaded: server.data !== undefined, patch, reload: server.reload };
}
