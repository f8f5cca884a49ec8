import { createHash } from 'node:crypto';
import { REGEX_SETTINGS_KEY, RegexScript, regexSettingsOf } from '../../shared/api/regex-scripts.js';
import type { SillyTavernDataFolder } from '../formats/scan-sillytavern-data-folder.js';
import type { Store } from '../store/store.js';
import { patchSettings } from './settings.js';

export interface RegexImportOutcome {
  /** Global scripts added now (those already there, by id, are left as they are). */
  imported: number;
  alreadyThere: number;
  /** Characters whose card scripts SillyTavern was allowed to run, allowed here too. */
  allowedCharacters: number;
}

/**
 * settings.json's global regex scripts (`extension_settings.regex`) become the user's, after any they have, in
 * SillyTavern's order and with their disabled state; the characters SillyTavern was allowed to run card scripts for
 * (`character_allowed_regex`, by avatar file) are allowed here. One settings patch whose op id is its content's hash,
 * so a second run of the same folder changes nothing.
 */
export async function importSillyTavernRegex(
  store: Store,
  scan: Pick<SillyTavernDataFolder, 'regex'>,
  context: { userId: string; now: () => number; characterIdOf: (avatar: string) => string | undefined },
): Promise<RegexImportOutcome> {
  const found = Array.isArray(scan.regex.scripts)
    ? scan.regex.scripts.filter((s) => typeof s === 'object' && s !== null && !Array.isArray(s)).map((s) => RegexScript.parse(s))
    : [];
  const avatars = Array.isArray(scan.regex.allowedAvatars) ? scan.regex.allowedAvatars.filter((a): a is string => typeof a === 'string') : [];
  // SillyTavern names a character by its card's file name ("Aqua.png"); the scan, without the extension.
  const allowedNow = avatars.flatMap((a) => context.characterIdOf(a.replace(/\.(png|json)$/i, '')) ?? []);
  if (found.length === 0 && allowedNow.length === 0) return { imported: 0, alreadyThere: 0, allowedCharacters: 0 };
  const current = regexSettingsOf((await store.settings.get(context.userId)).values);
  // A script is known by its id; one without an id, by all it holds.
  const keyOf = (s: RegexScript) => s.id || JSON.stringify(s);
  const known = new Set(current.scripts.map(keyOf));
  const added = found.filter((s) => !known.has(keyOf(s)));
  const allowed = [...new Set([...current.allowedCharacters, ...allowedNow])];
  const patch = { [REGEX_SETTINGS_KEY]: { scripts: [...current.scripts, ...added], allowedCharacters: allowed } };
  if (added.length > 0 || allowed.length > current.allowedCharacters.length) {
    const opId = `st-regex-${createHash('sha256').update(JSON.stringify(patch)).digest('hex').slice(0, 40)}`;
    await patchSettings(store, context.userId, opId, patch, context.now());
  }
  return { imported: added.length, alreadyThere: found.length - added.length, allowedCharacters: allowedNow.length };
}
