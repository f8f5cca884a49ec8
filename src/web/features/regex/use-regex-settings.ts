import { useCallback, useEffect, useMemo, useState } from 'react';
import { REGEX_SETTINGS_KEY, regexSettingsOf, type RegexSettings } from '../../../shared/api/regex-scripts.js';
import { useSettings } from '../settings/use-settings.js';

/**
 * The global regex scripts and the characters allowed to run their card's scripts, with waiting changes laid
 * over. A change writes the whole list it changes (a JSON merge patch replaces arrays), through the outbox; it
 * shows at once, laid over here until the outbox's copy arrives.
 */
export function useRegexSettings() {
  const { values, loaded, patch } = useSettings();
  const [local, setLocal] = useState<Partial<RegexSettings> | null>(null);
  useEffect(() => setLocal(null), [values]);
  const settings = useMemo(() => ({ ...regexSettingsOf(values), ...local }), [values, local]);
  const change = useCallback(
    (partial: Partial<RegexSettings>) => {
      setLocal((shown) => ({ ...shown, ...partial }));
      void patch({ [REGEX_SETTINGS_KEY]: partial });
    },
    [patch],
  );
  return { settings, loaded, change };
}
