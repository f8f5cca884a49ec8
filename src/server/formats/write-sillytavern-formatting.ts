import { DEFAULT_SYSTEM_PROMPT_ID, promptSettingsOf } from '../../shared/api/prompt-settings.js';
import { formattingSettingsOf } from '../../shared/api/text-formatting.js';
import { samplerPresetToSillyTavern } from './sillytavern-formatting.js';
import type { ZipEntryNames } from './zip-entry-names.js';
import type { ZipEntry } from './zip-stream.js';

const json = (value: unknown) => `${JSON.stringify(value, null, 4)}\n`;

export interface FormattingFiles {
  entries: ZipEntry[];
  /** The file names (without .json) of the user's defaults, as settings.json selects them. */
  selected: { instruct?: string; context?: string; textgen?: string; sysprompt?: string };
}

/**
 * The user's own instruct and context templates, sampler presets and system prompts as SillyTavern's
 * `instruct/`, `context/`, `TextGen Settings/` and `sysprompt/` files, and which were the defaults: the inverse of
 * what `parley import-sillytavern` reads (bundled templates and the built-in system prompt stay out).
 */
export function sillyTavernFormattingFiles(values: Record<string, unknown>, names: ZipEntryNames): FormattingFiles {
  const formatting = formattingSettingsOf(values);
  const prompt = promptSettingsOf(values);
  const out: FormattingFiles = { entries: [], selected: {} };
  const add = (folder: string, id: string, activeId: string | null, key: keyof FormattingFiles['selected'], name: string, content: unknown) => {
    const file = names.claim(folder, name, '.json');
    out.entries.push({ name: `${folder}/${file}.json`, compress: true, content: json(content) });
    if (id === activeId) out.selected[key] = file;
  };
  for (const [id, t] of Object.entries(formatting.instruct)) add('instruct', id, formatting.activeInstruct, 'instruct', t.name, t);
  for (const [id, t] of Object.entries(formatting.context)) add('context', id, formatting.activeContext, 'context', t.name, t);
  for (const [id, p] of Object.entries(formatting.samplerPresets)) {
    add('TextGen Settings', id, formatting.activeSamplerPreset, 'textgen', p.name, samplerPresetToSillyTavern(p));
  }
  for (const p of prompt.systemPrompts) {
    if (p.id !== DEFAULT_SYSTEM_PROMPT_ID) add('sysprompt', p.id, prompt.activeSystemPrompt, 'sysprompt', p.name, { name: p.name, content: p.content });
  }
  return out;
}
