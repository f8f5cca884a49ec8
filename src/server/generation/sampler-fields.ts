import { samplerOf, type ExtraSamplers } from '../../shared/api/generation.js';
import type { ProviderTraits } from '../../shared/api/providers.js';

/*
 * The samplers beyond temperature, top_p, top_k, min_p and repetition penalty, as the request carries them. An
 * OpenAI-style API gets only the OpenAI-style ones its provider takes; a text completion at a server people run
 * (llama.cpp, KoboldCpp, vLLM, TabbyAPI, ...) gets the text-generation samplers too, under llama.cpp server's names
 * (SillyTavern sends those as aliases for every text-generation backend). A sampler at its neutral value is left
 * out, and a group (DRY, XTC, mirostat) goes only when it is switched on.
 */

const numeric = /^\d{1,9}$/;

/** The request fields of the extra samplers for this provider and prompt kind. */
export function extraSamplerFields(settings: Partial<ExtraSamplers>, provider: ProviderTraits, kind: 'chat' | 'text'): Record<string, unknown> {
  const of = <K extends keyof ExtraSamplers>(key: K) => samplerOf(settings, key);
  const takes = (key: keyof ExtraSamplers) => provider.extras.includes(key);
  const textgen = kind === 'text' && provider.id === 'generic';
  const out: Record<string, unknown> = {};
  if (takes('frequency_penalty') && of('frequency_penalty') !== 0) out.frequency_penalty = of('frequency_penalty');
  if (takes('presence_penalty') && of('presence_penalty') !== 0) out.presence_penalty = of('presence_penalty');
  if (takes('seed') && of('seed') >= 0) out.seed = of('seed');
  // Banned tokens: ids become a bias of -100 (OpenAI's "never"), words go as banned strings where servers take them.
  const banned = of('banned_tokens').map((t) => t.trim()).filter(Boolean);
  const bias: Record<string, number> = { ...of('logit_bias') };
  if (textgen) for (const token of banned) if (numeric.test(token)) bias[token] = -100;
  if (takes('logit_bias') && Object.keys(bias).length > 0) out.logit_bias = bias;
  if (!textgen) return out;
  const words = banned.filter((t) => !numeric.test(t));
  if (words.length > 0) out.banned_strings = words;
  if (of('typical_p') !== 1) out.typical_p = of('typical_p');
  if (of('top_a') !== 0) out.top_a = of('top_a');
  if (of('tfs') !== 1) out.tfs_z = of('tfs');
  if (of('repetition_penalty_range') !== 0) out.repeat_last_n = of('repetition_penalty_range');
  if (of('dry_multiplier') > 0) {
    Object.assign(out, {
      dry_multiplier: of('dry_multiplier'),
      dry_base: of('dry_base'),
      dry_allowed_length: of('dry_allowed_length'),
      dry_sequence_breakers: of('dry_sequence_breakers'),
    });
  }
  if (of('xtc_probability') > 0) Object.assign(out, { xtc_threshold: of('xtc_threshold'), xtc_probability: of('xtc_probability') });
  if (of('mirostat_mode') > 0) Object.assign(out, { mirostat: of('mirostat_mode'), mirostat_tau: of('mirostat_tau'), mirostat_eta: of('mirostat_eta') });
  return out;
}
