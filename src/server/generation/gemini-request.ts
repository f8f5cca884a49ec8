import { optionOf, type SamplerSettings } from '../../shared/api/generation.js';
import { PROVIDER_TRAITS } from '../../shared/api/providers.js';
import { alternatingTurns, systemText, type NeutralPrompt } from './neutral-prompt.js';
import { thinkingBudget } from './thinking-budget.js';

/** The harm categories Gemini lets a caller set, as SillyTavern sets them. */
export const GEMINI_HARM_CATEGORIES = [
  'HARM_CATEGORY_HARASSMENT',
  'HARM_CATEGORY_HATE_SPEECH',
  'HARM_CATEGORY_SEXUALLY_EXPLICIT',
  'HARM_CATEGORY_DANGEROUS_CONTENT',
  'HARM_CATEGORY_CIVIC_INTEGRITY',
] as const;

export interface GeminiRequestBody {
  contents: Array<{ role: 'user' | 'model'; parts: Array<{ text: string }> }>;
  systemInstruction?: { parts: Array<{ text: string }> };
  safetySettings: Array<{ category: string; threshold: string }>;
  generationConfig: {
    candidateCount: 1;
    maxOutputTokens: number;
    temperature: number;
    topP: number;
    topK?: number;
    stopSequences?: string[];
    thinkingConfig?: { thinkingBudget: number; includeThoughts?: boolean };
  };
}

/**
 * The body of POST {baseUrl}/models/{model}:streamGenerateContent?alt=sse (the Gemini API), a pure function of the
 * prompt and the profile: the system parts as `systemInstruction`, the chat as alternating `user`/`model` contents
 * (a prefill as the closing `model` turn), every harm category at the profile's threshold (BLOCK_NONE unless set,
 * as SillyTavern sends), and thinking per the reasoning effort: auto sends nothing (the model's default), off a
 * budget of 0, the others a budget with the thoughts included so they can be shown.
 */
export function geminiRequestBody(prompt: NeutralPrompt, settings: SamplerSettings, extraStop: readonly string[]): GeminiRequestBody {
  const contents = alternatingTurns(prompt).map((turn) => ({
    role: turn.role === 'assistant' ? ('model' as const) : ('user' as const),
    parts: [{ text: turn.text }],
  }));
  const system = systemText(prompt);
  const effort = optionOf(settings, 'reasoning_effort');
  const budget = thinkingBudget(settings);
  const threshold = optionOf(settings, 'safety_threshold');
  const stop = [...new Set([...extraStop, ...settings.stop])].filter(Boolean).slice(0, PROVIDER_TRAITS.google.maxStop);
  return {
    contents,
    ...(system && { systemInstruction: { parts: [{ text: system }] } }),
    safetySettings: GEMINI_HARM_CATEGORIES.map((category) => ({ category, threshold })),
    generationConfig: {
      candidateCount: 1,
      // Gemini counts thinking inside maxOutputTokens: the budget comes on top of the reply's length.
      maxOutputTokens: settings.max_tokens + (budget ?? 0),
      temperature: settings.temperature,
      topP: settings.top_p,
      ...(settings.top_k > 0 && { topK: settings.top_k }),
      ...(stop.length > 0 && { stopSequences: stop }),
      ...(effort === 'off' && { thinkingConfig: { thinkingBudget: 0 } }),
      ...(budget !== null && { thinkingConfig: { thinkingBudget: budget, includeThoughts: true } }),
    },
  };
}
