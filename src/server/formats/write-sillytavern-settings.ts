import { z } from 'zod';
import type { ScannedSettings } from './scan-sillytavern-data-folder.js';

export interface SettingsJsonPersona {
  /** Its avatar's file name in `User Avatars/`: SillyTavern's key for the persona. */
  avatarId: string;
  name: string;
  description: string;
  isDefault: boolean;
  /** File names of the character cards locked to it: SillyTavern's persona connections. */
  characters?: string[];
}

// Settings are the user's own JSON and may have been edited since the import: a value of the wrong type is
// left out rather than written where SillyTavern expects a number.
const number = z.number().finite().optional().catch(undefined);
const string = z.string().optional().catch(undefined);
const StoredSettings = z
  .object({
    userName: string,
    mainApi: string,
    contextSize: number,
    maxTokens: number,
    textCompletion: z
      .object({ temperature: number, top_p: number, top_k: number, min_p: number, repetition_penalty: number, stop: z.array(z.string()).optional().catch(undefined) })
      .optional()
      .catch(undefined),
    chatCompletion: z
      .object({ model: string, temperature: number, top_p: number, contextSize: number, maxTokens: number })
      .optional()
      .catch(undefined),
  })
  .catch({});

/** Only the keys whose value is defined: SillyTavern keeps its own defaults for the rest. */
const defined = (record: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));

/**
 * A SillyTavern settings.json holding what Parley has of it: the personas (power_user.personas,
 * persona_descriptions with their character connections, default_persona) and the settings an import kept (the
 * inverse of what the data-folder scan reads, so an export imports back to the same values). `stored` is the user's `sillytavern` settings.
 */
export function writeSillyTavernSettings(
  stored: unknown,
  personas: readonly SettingsJsonPersona[],
  fallbackUserName: string,
): Record<string, unknown> {
  const s: ScannedSettings = StoredSettings.parse(stored ?? {});
  const defaultPersona = personas.find((p) => p.isDefault);
  const text = s.textCompletion ?? {};
  const chat = s.chatCompletion ?? {};
  const textgen = defined({
    temp: text.temperature,
    top_p: text.top_p,
    top_k: text.top_k,
    min_p: text.min_p,
    rep_pen: text.repetition_penalty,
    stopping_strings: text.stop,
  });
  const oai = defined({
    openai_model: chat.model,
    temp_openai: chat.temperature,
    top_p_openai: chat.top_p,
    openai_max_context: chat.contextSize,
    openai_max_tokens: chat.maxTokens,
  });
  return defined({
    username: s.userName ?? fallbackUserName,
    user_avatar: defaultPersona?.avatarId,
    main_api: s.mainApi,
    max_context: s.contextSize,
    amount_gen: s.maxTokens,
    textgenerationwebui_settings: Object.keys(textgen).length > 0 ? textgen : undefined,
    oai_settings: Object.keys(oai).length > 0 ? oai : undefined,
    power_user: {
      personas: Object.fromEntries(personas.map((p) => [p.avatarId, p.name])),
      persona_descriptions: Object.fromEntries(
        personas.map((p) => [
          p.avatarId,
          {
            description: p.description,
            ...(p.characters?.length && { connections: p.characters.map((id) => ({ type: 'character', id })) }),
          },
        ]),
      ),
      ...(defaultPersona && { default_persona: defaultPersona.avatarId }),
    },
  });
}
