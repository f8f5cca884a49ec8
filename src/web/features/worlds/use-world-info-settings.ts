import { useCallback, useEffect, useMemo, useState } from 'react';
import { WORLD_INFO_SETTINGS_KEY, worldInfoSettingsOf, type WorldInfoSettings } from '../../../shared/api/world-info-settings.js';
import { applyMergePatch } from '../../../shared/json-merge-patch.js';
import { useSettings } from '../settings/use-settings.js';

type Partial = { [K in keyof WorldInfoSettings]?: unknown };

/**
 * World info's global settings and book choices, with waiting changes laid over; a change goes through the
 * outbox. A change shows at once: it is laid over here until the outbox's copy of it arrives (the outbox is read
 * asynchronously, and a checkbox must not spring back meanwhile).
 */
export function useWorldInfoSettings() {
  const { values, loaded, patch } = useSettings();
  const [local, setLocal] = useState<Partial[]>([]);
  useEffect(() => setLocal([]), [values]);
  const settings = useMemo(() => {
    const stored = values[WORLD_INFO_SETTINGS_KEY];
    const base = typeof stored === 'object' && stored !== null && !Array.isArray(stored) ? (stored as Record<string, unknown>) : {};
    return worldInfoSettingsOf({ [WORLD_INFO_SETTINGS_KEY]: local.reduce<Record<string, unknown>>((acc, p) => applyMergePatch(acc, p), base) });
  }, [values, local]);
  const change = useCallback(
    (partial: Partial) => {
      setLocal((shown) => [...shown, partial]);
      void patch({ [WORLD_INFO_SETTINGS_KEY]: partial });
    },
    [patch],
  );
  return { settings, loaded, change };
}
