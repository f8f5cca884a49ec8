import type { SamplerSettings } from '../../shared/api/generation.js';
import type { FormattedPrompt } from './prompt-format.js';

/** OpenAI refuses more stop strings than this; other backends take more. */
const OPENAI_MAX_STOP = 4;

const isOpenAi = (baseUrl: string) => new URL(baseUrl).hostname === 'api.openai.com';

/**
 * The JSON body of a streaming completion request. Samplers outside OpenAI's API (top_k, min_p,
 * repetition_penalty) are sent only when set away from their neutral value and never to OpenAI itself, which
 * refuses parameters it does not know; local backends and OpenRouter read them.
 */
export function buildRequestBody(
  baseUrl: string,
  model: string,
  prompt: FormattedPrompt,
  settings: SamplerSettings,
  extraStop: readonly string[],
): Record<string, unknown> {
  const openAi = isOpenAi(baseUrl);
  const stop = [...new Set([...extraStop, ...settings.stop])].filter(Boolean);
  return {
    ...(model && { model }),
    ...(prompt.kind === 'chat' ? { messages: prompt.messages } : { prompt: prompt.prompt }),
    stream: true,
    // OpenAI's reasoning models take only max_completion_tokens; its other models take both.
    [openAi ? 'max_completion_tokens' : 'max_tokens']: settings.max_tokens,
    temperature: settings.temperature,
    top_p: settings.top_p,
    ...(!openAi && settings.top_k > 0 && { top_k: settings.top_k }),
    ...(!openAi && settings.min_p > 0 && { min_p: settings.min_p }),
    ...(!openAi && settings.repetition_penalty !== 1 && { repetition_penalty: settings.repetition_penalty }),
    ...(stop.length > 0 && { stop: openAi ? stop.slice(0, OPENAI_MAX_STOP) : stop }),
  };
}
