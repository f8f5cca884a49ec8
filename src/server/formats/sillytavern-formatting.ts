import type { z } from 'zod';
import {
  ContextTemplate,
  InstructTemplate,
  PresetSamplers,
  SamplerPreset,
  type FormattingKind,
} from '../../shared/api/text-formatting.js';

/*
 * SillyTavern's formatting files: `instruct/*.json` and `context/*.json` use the keys Parley keeps (older instruct
 * files are brought up to date as SillyTavern's own migration does), `TextGen Settings/*.json` are converted to
 * Parley's sampler names. Keys Parley does not use are left out; a value of the wrong type is a FormattingFileError
 * naming the key, so a broken file is refused whole rather than half-read.
 */

export class FormattingFileError extends Error {
  override readonly name = 'FormattingFileError';
}

const problemOf = (error: z.ZodError) =>
  error.issues.map((issue) => `${issue.path.join('.') || 'file'}: ${issue.message}`).join('; ');

function parseWith<T>(schema: z.ZodType<T>, value: Record<string, unknown>): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new FormattingFileError(problemOf(parsed.error));
  return parsed.data;
}

const pick = (data: Record<string, unknown>, keys: readonly string[]) =>
  Object.fromEntries(keys.filter((key) => data[key] !== undefined && data[key] !== null).map((key) => [key, data[key]]));

const nameOf = (data: Record<string, unknown>, fallback: string) => (typeof data.name === 'string' && data.name.trim() ? data.name : fallback);

export function instructFromSillyTavern(data: Record<string, unknown>, fallbackName: string): InstructTemplate {
  const up = { ...data };
  // SillyTavern's migrations: the separator became the output suffix, the two name switches one behaviour, and
  // the system prompt's prefix and suffix the story string's.
  if (up.output_suffix === undefined && typeof up.separator_sequence === 'string') up.output_suffix = up.separator_sequence;
  if (up.names_behavior === undefined && typeof up.names === 'boolean') {
    up.names_behavior = up.names ? 'always' : up.names_force_groups === false ? 'none' : 'force';
  }
  if (up.story_string_prefix === undefined && typeof up.system_sequence_prefix === 'string') up.story_string_prefix = up.system_sequence_prefix;
  if (up.story_string_suffix === undefined && typeof up.system_sequence_suffix === 'string') up.story_string_suffix = up.system_sequence_suffix;
  return parseWith(InstructTemplate, { ...pick(up, Object.keys(InstructTemplate.shape)), name: nameOf(data, fallbackName) });
}

export function contextFromSillyTavern(data: Record<string, unknown>, fallbackName: string): ContextTemplate {
  return parseWith(ContextTemplate, { ...pick(data, Object.keys(ContextTemplate.shape)), name: nameOf(data, fallbackName) });
}

/** SillyTavern's text-completion preset keys and Parley's names for them. */
const TEXTGEN_KEYS: ReadonlyArray<[st: string, parley: keyof PresetSamplers]> = [
  ['temp', 'temperature'],
  ['top_p', 'top_p'],
  ['top_k', 'top_k'],
  ['min_p', 'min_p'],
  ['rep_pen', 'repetition_penalty'],
  ['rep_pen_range', 'repetition_penalty_range'],
  ['freq_pen', 'frequency_penalty'],
  ['presence_pen', 'presence_penalty'],
  ['typical_p', 'typical_p'],
  ['top_a', 'top_a'],
  ['tfs', 'tfs'],
  ['seed', 'seed'],
  ['dry_multiplier', 'dry_multiplier'],
  ['dry_base', 'dry_base'],
  ['dry_allowed_length', 'dry_allowed_length'],
  ['dry_sequence_breakers', 'dry_sequence_breakers'],
  ['xtc_threshold', 'xtc_threshold'],
  ['xtc_probability', 'xtc_probability'],
  ['mirostat_mode', 'mirostat_mode'],
  ['mirostat_tau', 'mirostat_tau'],
  ['mirostat_eta', 'mirostat_eta'],
  ['banned_tokens', 'banned_tokens'],
  ['genamt', 'max_tokens'],
];

/** SillyTavern keeps the DRY breakers as a JSON text and banned tokens as one per line. */
function textgenValue(key: keyof PresetSamplers, value: unknown): unknown {
  if (key === 'dry_sequence_breakers' && typeof value === 'string') {
    try {
      return JSON.parse(value);
    } catch {
      throw new FormattingFileError('dry_sequence_breakers: not a JSON list of strings');
    }
  }
  if (key === 'banned_tokens' && typeof value === 'string') {
    return value
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
  }
  return value;
}

export function samplerPresetFromSillyTavern(data: Record<string, unknown>, fallbackName: string): SamplerPreset {
  const samplers: Record<string, unknown> = {};
  for (const [st, parley] of TEXTGEN_KEYS) {
    if (data[st] !== undefined && data[st] !== null) samplers[parley] = textgenValue(parley, data[st]);
  }
  return parseWith(SamplerPreset, { name: nameOf(data, fallbackName), samplers });
}

export function samplerPresetToSillyTavern(preset: SamplerPreset): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [st, parley] of TEXTGEN_KEYS) {
    const value = preset.samplers[parley];
    if (value === undefined) continue;
    out[st] = parley === 'dry_sequence_breakers' ? JSON.stringify(value) : parley === 'banned_tokens' ? (value as string[]).join('\n') : value;
  }
  return out;
}

/** One SillyTavern file's JSON as Parley keeps it. */
export function formattingFromSillyTavern(kind: FormattingKind, data: Record<string, unknown>, fallbackName: string) {
  switch (kind) {
    case 'instruct':
      return { kind, value: instructFromSillyTavern(data, fallbackName) } as const;
    case 'context':
      return { kind, value: contextFromSillyTavern(data, fallbackName) } as const;
    case 'sampler':
      return { kind, value: samplerPresetFromSillyTavern(data, fallbackName) } as const;
  }
}
