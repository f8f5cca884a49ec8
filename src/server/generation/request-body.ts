import { optionOf, type SamplerSettings } from '../../shared/api/generation.js';
import { providerOf, type SamplerName } from '../../shared/api/providers.js';
import type { FormattedPrompt } from './prompt-format.js';
import { extraSamplerFields } from './sampler-fields.js';

/** Each sampler's neutral value: a sampler at it is not sent (it would change nothing, and strict APIs refuse some). */
const NEUTRAL: Record<SamplerName, number | null> = { temperature: null, top_p: null, top_k: 0, min_p: 0, repetition_penalty: 1 };

/**
 * The JSON body of a streaming OpenAI-compatible completion request. The provider (from the address's host) decides
 * what goes: only the samplers its API takes, its name for the response length, at most its number of stop strings,
 * its way of asking for reasoning effort (OpenAI's `reasoning_effort`, OpenRouter's `reasoning`), OpenRouter's
 * provider routing, and a request for token usage in the last chunk where the API understands it.
 */
export function buildRequestBody(
  baseUrl: string,
  model: string,
  prompt: Extract<FormattedPrompt, { kind: 'chat' | 'text' }>,
  settings: SamplerSettings,
  extraStop: readonly string[],
): Record<string, unknown> {
  const provider = providerOf('chat-completions', baseUrl);
  const stop = [...new Set([...extraStop, ...settings.stop])].filter(Boolean).slice(0, provider.maxStop);
  const samplers: Record<string, number> = {};
  for (const name of provider.samplers) {
    const value = settings[name];
    if (value !== NEUTRAL[name]) samplers[name] = value;
  }
  const effort = optionOf(settings, 'reasoning_effort');
  const asked = effort === 'off' ? 'none' : effort;
  const budget = optionOf(settings, 'thinking_budget');
  const order = optionOf(settings, 'provider_order');
  const fallbacks = optionOf(settings, 'allow_fallbacks');
  return {
    ...(model && { model }),
    ...(prompt.kind === 'chat' ? { messages: prompt.messages } : { prompt: prompt.prompt }),
    stream: true,
    ...(provider.streamUsage && { stream_options: { include_usage: true } }),
    [provider.maxTokensField]: settings.max_tokens,
    ...samplers,
    ...extraSamplerFields(settings, provider, prompt.kind),
    ...(stop.length > 0 && { stop }),
    ...(provider.reasoning === 'reasoning_effort' && effort !== 'auto' && { reasoning_effort: asked }),
    ...(provider.reasoning === 'openrouter' &&
      (effort !== 'auto' || budget > 0) && { reasoning: budget > 0 && effort !== 'off' ? { max_tokens: budget } : { effort: asked } }),
    ...(provider.id === 'openrouter' &&
      (order.length > 0 || !fallbacks) && { provider: { ...(order.length > 0 && { order }), allow_fallbacks: fallbacks } }),
  };
}
