import { z } from 'zod';

/** The user-settings key (GET/PATCH /api/settings) that holds the global regex scripts and the allowed cards. */
export const REGEX_SETTINGS_KEY = 'regex';

/** SillyTavern's `regex_placement`: what kind of text a script runs on. 0 (markdown display) and 4 (sendAs) are gone. */
export const REGEX_PLACEMENT = { userInput: 1, aiOutput: 2, slashCommand: 3, worldInfo: 5, reasoning: 6 } as const;
export type RegexPlacement = (typeof REGEX_PLACEMENT)[keyof typeof REGEX_PLACEMENT];
export const REGEX_PLACEMENTS: readonly RegexPlacement[] = Object.values(REGEX_PLACEMENT);

/** SillyTavern's `substitute_find_regex`: macros in the find pattern are left alone, expanded, or expanded escaped. */
export const SUBSTITUTE_REGEX = { none: 0, raw: 1, escaped: 2 } as const;

const depth = z.number().int().min(-1).max(100_000).nullable().catch(null).default(null);

/**
 * One regex script in SillyTavern's JSON form (its regex extension's export, `extension_settings.regex[]`, a card's
 * `data.extensions.regex_scripts[]`). A field of the wrong type reads as its default, so a card from another tool
 * cannot stop generation; fields Parley does not know are kept (`loose`) and exported back.
 */
export const RegexScript = z.looseObject({
  id: z.string().max(200).catch('').default(''),
  scriptName: z.string().max(1_000).catch('').default(''),
  /** `/pattern/flags`, or a plain pattern (then no flag: only the first match is replaced, as in SillyTavern). */
  findRegex: z.string().max(100_000).catch('').default(''),
  /** `{{match}}` or `$0` is the whole match, `$1`... the groups (trimmed); macros are expanded. */
  replaceString: z.string().max(1_000_000).catch('').default(''),
  /** Removed from every match and group inserted by `$n` / `{{match}}`. */
  trimStrings: z.array(z.string().max(10_000)).max(1_000).catch([]).default([]),
  placement: z.array(z.number().int()).max(20).catch([]).default([]),
  disabled: z.boolean().catch(false).default(false),
  /** "Alter chat display": runs only on what the message view shows. */
  markdownOnly: z.boolean().catch(false).default(false),
  /** "Alter outgoing prompt": runs only on what goes into the prompt. */
  promptOnly: z.boolean().catch(false).default(false),
  /** Runs when a message is edited too (scripts that alter the stored text). */
  runOnEdit: z.boolean().catch(false).default(false),
  /** 0 none, 1 raw, 2 escaped (older files: false / true). */
  substituteRegex: z
    .union([z.number().int().min(0).max(2), z.boolean().transform((b) => (b ? 1 : 0))])
    .catch(0)
    .default(0),
  /** Messages counted from the newest (0); null or below the range: no bound. */
  minDepth: depth,
  maxDepth: depth,
});
export type RegexScript = z.infer<typeof RegexScript>;
export type RegexScriptInput = z.input<typeof RegexScript>;

/** What the settings key holds. */
export const RegexSettings = z.object({
  /** Global scripts, in the order they run. */
  scripts: z.array(RegexScript).max(1_000).catch([]).default([]),
  /** Characters whose card's own scripts (`regex_scripts`) run in their chats (SillyTavern's character_allowed_regex). */
  allowedCharacters: z.array(z.string()).max(100_000).catch([]).default([]),
});
export type RegexSettings = z.infer<typeof RegexSettings>;

export function regexSettingsOf(values: Record<string, unknown>): RegexSettings {
  const stored = values[REGEX_SETTINGS_KEY];
  return RegexSettings.parse(typeof stored === 'object' && stored !== null && !Array.isArray(stored) ? stored : {});
}

/** A card's own scripts (`data.extensions.regex_scripts`), read leniently: anything not an object is left out. */
export function cardRegexScripts(extensions: Record<string, unknown> | undefined): RegexScript[] {
  const raw = extensions?.regex_scripts;
  if (!Array.isArray(raw)) return [];
  return raw.filter((s) => typeof s === 'object' && s !== null && !Array.isArray(s)).map((s) => RegexScript.parse(s));
}

/** A file of SillyTavern's regex export: one script, or an array of them. Null when it holds neither. */
export function scriptsFromFile(json: unknown): RegexScript[] | null {
  const items = Array.isArray(json) ? json : [json];
  if (items.length === 0 || !items.every((s) => typeof s === 'object' && s !== null && !Array.isArray(s) && 'findRegex' in s)) return null;
  return items.map((s) => RegexScript.parse(s));
}

/** The expression a `findRegex` names, SillyTavern's way: `/source/flags`, or the whole text as a pattern with no flags. */
export function parseFindRegex(find: string): { source: string; flags: string } | null {
  const m = /(\/?)(.+)\1([a-z]*)/i.exec(find);
  if (!m) return null;
  const [, , body = '', flags = ''] = m;
  // Flags that are not each one of these, at most once, make the whole text the pattern.
  const candidate = flags && !/^(?!.*?(.).*?\1)[gmixXsuUAJ]+$/.test(flags) ? { source: find, flags: '' } : { source: body, flags };
  try {
    new RegExp(candidate.source, candidate.flags);
    return candidate;
  } catch {
    return null;
  }
}
