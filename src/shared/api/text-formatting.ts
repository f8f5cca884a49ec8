import { z } from 'zod';

/*
 * Text completion's formatting, in SillyTavern's own JSON keys so its files import and export as they are:
 * instruct templates (`instruct/*.json`), context templates (`context/*.json`) and sampler presets
 * (`TextGen Settings/*.json`, converted to Parley's sampler names). The user's own are kept in their settings under
 * FORMATTING_SETTINGS_KEY, each by a stable id that connections, characters and chats can name.
 */

/** The user-settings key holding saved templates, sampler presets and the ones in force by default. */
export const FORMATTING_SETTINGS_KEY = 'formatting';

/** A template's or preset's id: bundled ones have short names ('chatml'); saved ones a client-made id. */
export const FormattingId = z.string().min(1).max(100);

const sequence = z.string().max(10_000);

/** SillyTavern's `names_behavior`: never write names, only in groups (and for other speakers), or always. */
export const NamesBehavior = z.enum(['none', 'force', 'always']);
export type NamesBehavior = z.infer<typeof NamesBehavior>;

/** An instruct template: how each turn is wrapped, with SillyTavern's keys (missing keys take these defaults). */
export const InstructTemplate = z.object({
  name: z.string().trim().min(1).max(200),
  input_sequence: sequence.default(''),
  input_suffix: sequence.default(''),
  output_sequence: sequence.default(''),
  output_suffix: sequence.default(''),
  system_sequence: sequence.default(''),
  system_suffix: sequence.default(''),
  first_input_sequence: sequence.default(''),
  last_input_sequence: sequence.default(''),
  first_output_sequence: sequence.default(''),
  last_output_sequence: sequence.default(''),
  last_system_sequence: sequence.default(''),
  /** Wrap the story string (the system block before the chat). */
  story_string_prefix: sequence.default(''),
  story_string_suffix: sequence.default(''),
  stop_sequence: sequence.default(''),
  /** A user turn put before the first reply when the chat starts with the character (some formats need it). */
  user_alignment_message: sequence.default(''),
  /** Newlines between a sequence and its text. */
  wrap: z.boolean().default(true),
  /** Expand {{char}}, {{user}} and {{name}} in the sequences. */
  macro: z.boolean().default(true),
  names_behavior: NamesBehavior.default('force'),
  /** A regex on the model's name that picks this template (kept for export; Parley does not switch by itself). */
  activation_regex: sequence.default(''),
  sequences_as_stop_strings: z.boolean().default(true),
  /** Example dialogue goes in as written instead of as turns. */
  skip_examples: z.boolean().default(false),
  /** Narrator (system) messages use the user's sequences. */
  system_same_as_user: z.boolean().default(false),
});
export type InstructTemplate = z.infer<typeof InstructTemplate>;

/** A context template: the story string (a small Handlebars-like template) and the separators around the chat. */
export const ContextTemplate = z.object({
  name: z.string().trim().min(1).max(200),
  story_string: z.string().max(100_000).default(''),
  example_separator: sequence.default(''),
  chat_start: sequence.default(''),
  use_stop_strings: z.boolean().default(false),
  names_as_stop_strings: z.boolean().default(true),
  /** 0: before the chat (the only one Parley writes); other values are kept for export. */
  story_string_position: z.number().int().min(0).max(2).default(0),
  story_string_depth: z.number().int().min(0).max(10_000).default(1),
  story_string_role: z.number().int().min(0).max(2).default(0),
  always_force_name2: z.boolean().default(true),
  trim_sentences: z.boolean().default(false),
  single_line: z.boolean().default(false),
});
export type ContextTemplate = z.infer<typeof ContextTemplate>;

/** The sampler values a preset may hold, in Parley's (OpenAI-style) names; every one optional. */
export const PresetSamplers = z
  .object({
    temperature: z.number().min(0).max(5),
    top_p: z.number().min(0).max(1),
    top_k: z.number().int().min(0).max(1000),
    min_p: z.number().min(0).max(1),
    repetition_penalty: z.number().min(0.1).max(3),
    repetition_penalty_range: z.number().int().min(0).max(1_000_000),
    frequency_penalty: z.number().min(-2).max(2),
    presence_penalty: z.number().min(-2).max(2),
    typical_p: z.number().min(0).max(1),
    top_a: z.number().min(0).max(1),
    tfs: z.number().min(0).max(1),
    seed: z.number().int().min(-1).max(2 ** 53 - 1),
    dry_multiplier: z.number().min(0).max(100),
    dry_base: z.number().min(1).max(100),
    dry_allowed_length: z.number().int().min(0).max(1000),
    dry_sequence_breakers: z.array(z.string().max(100)).max(100),
    xtc_threshold: z.number().min(0).max(1),
    xtc_probability: z.number().min(0).max(1),
    mirostat_mode: z.number().int().min(0).max(2),
    mirostat_tau: z.number().min(0).max(100),
    mirostat_eta: z.number().min(0).max(10),
    banned_tokens: z.array(z.string().min(1).max(200)).max(1000),
    max_tokens: z.number().int().min(1).max(131_072),
  })
  .partial();
export type PresetSamplers = z.infer<typeof PresetSamplers>;

export const SamplerPreset = z.object({ name: z.string().trim().min(1).max(200), samplers: PresetSamplers });
export type SamplerPreset = z.infer<typeof SamplerPreset>;

/** What the user keeps under FORMATTING_SETTINGS_KEY; the `active*` ids are what a connection naming none uses. */
export interface FormattingSettings {
  instruct: Record<string, InstructTemplate>;
  context: Record<string, ContextTemplate>;
  samplerPresets: Record<string, SamplerPreset>;
  activeInstruct: string | null;
  activeContext: string | null;
  activeSamplerPreset: string | null;
}

/** Reads each saved entry on its own: a hand-edited or broken one is left out, never the others, so a stored value
 *  cannot stop generation. */
function entries<T>(value: unknown, schema: z.ZodType<T>): Record<string, T> {
  const out: Record<string, T> = {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return out;
  for (const [id, raw] of Object.entries(value)) {
    const parsed = schema.safeParse(raw);
    if (parsed.success && FormattingId.safeParse(id).success) out[id] = parsed.data;
  }
  return out;
}

const idOrNull = (value: unknown) => (typeof value === 'string' && FormattingId.safeParse(value).success ? value : null);

/** The user's formatting settings from their stored settings values. */
export function formattingSettingsOf(values: Record<string, unknown>): FormattingSettings {
  const stored = values[FORMATTING_SETTINGS_KEY];
  const s = (typeof stored === 'object' && stored !== null ? stored : {}) as Record<string, unknown>;
  return {
    instruct: entries(s.instruct, InstructTemplate),
    context: entries(s.context, ContextTemplate),
    samplerPresets: entries(s.samplerPresets, SamplerPreset),
    activeInstruct: idOrNull(s.activeInstruct),
    activeContext: idOrNull(s.activeContext),
    activeSamplerPreset: idOrNull(s.activeSamplerPreset),
  };
}

export const FormattingKind = z.enum(['instruct', 'context', 'sampler']);
export type FormattingKind = z.infer<typeof FormattingKind>;

/** GET /api/formatting: the bundled templates and the user's own, each with its id. */
export const FormattingCatalog = z.object({
  instruct: z.array(z.object({ id: z.string(), bundled: z.boolean(), template: InstructTemplate })),
  context: z.array(z.object({ id: z.string(), bundled: z.boolean(), template: ContextTemplate })),
  samplerPresets: z.array(z.object({ id: z.string(), preset: SamplerPreset })),
  /** What a connection that names none uses. */
  defaults: z.object({ instruct: z.string(), context: z.string() }),
});
export type FormattingCatalog = z.infer<typeof FormattingCatalog>;

/** POST /api/formatting/import: one SillyTavern file's JSON; `name` when the file has none (its file name). */
export const FormattingImportRequest = z.object({
  kind: FormattingKind,
  id: FormattingId.regex(/^[A-Za-z0-9_-]+$/),
  name: z.string().trim().min(1).max(200).optional(),
  data: z.record(z.string(), z.unknown()),
});
export type FormattingImportRequest = z.infer<typeof FormattingImportRequest>;

export const FormattingExportParams = z.object({ kind: FormattingKind, id: FormattingId });
