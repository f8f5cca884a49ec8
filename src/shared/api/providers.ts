import type { ConnectionApi, ExtraSamplerName } from './generation.js';

/**
 * What each hosted API accepts, so a request carries only fields the provider takes (strict ones such as OpenAI and
 * Mistral refuse unknown parameters with a 400/422). Written from each provider's public API reference. A connection
 * is matched to its provider by the host of its address, so one made by hand gets the same treatment as a preset.
 */

/** The samplers Parley has today; issue-10 samplers join this list when they land. */
export type SamplerName = 'temperature' | 'top_p' | 'top_k' | 'min_p' | 'repetition_penalty';

export type ProviderId =
  | 'generic'
  | 'openai'
  | 'azure-openai'
  | 'deepseek'
  | 'mistral'
  | 'groq'
  | 'xai'
  | 'openrouter'
  | 'together'
  | 'fireworks'
  | 'featherless'
  | 'nanogpt'
  | 'perplexity'
  | 'cohere'
  | 'anthropic'
  | 'google';

export interface ProviderTraits {
  id: ProviderId;
  /** Samplers its API takes; the others are never sent. */
  samplers: readonly SamplerName[];
  /** The OpenAI-style extras its API takes (frequency and presence penalty, seed, logit_bias). The text-generation
   *  samplers (DRY, XTC, mirostat, ...) go only to a text completion at a server people run (request-body.ts). */
  extras: readonly ExtraSamplerName[];
  /** The request field that bounds the reply. */
  maxTokensField: 'max_tokens' | 'max_completion_tokens';
  /** Most stop strings it takes (0: none are sent). */
  maxStop: number;
  /** How "reasoning effort" is asked for: OpenAI's `reasoning_effort`, OpenRouter's `reasoning: {effort}`, or not. */
  reasoning: 'reasoning_effort' | 'openrouter' | 'none';
  /** False when GET /models lists nothing usable: the connection test then asks for a one-token reply. */
  listsModels: boolean;
  /** Takes `stream_options: {include_usage: true}` (token usage in the last chunk); the others send it unasked or never. */
  streamUsage: boolean;
  /** How the key is sent: `Authorization: Bearer`, Azure's `api-key`, Anthropic's `x-api-key`, Gemini's `x-goog-api-key`. */
  auth: 'bearer' | 'api-key' | 'x-api-key' | 'x-goog-api-key';
}

const ALL: readonly SamplerName[] = ['temperature', 'top_p', 'top_k', 'min_p', 'repetition_penalty'];
const OPENAI_LIKE: readonly SamplerName[] = ['temperature', 'top_p'];
const OPENAI_EXTRAS: readonly ExtraSamplerName[] = ['frequency_penalty', 'presence_penalty', 'seed', 'logit_bias'];
const PENALTIES: readonly ExtraSamplerName[] = ['frequency_penalty', 'presence_penalty'];

const traits = (id: ProviderId, over: Partial<Omit<ProviderTraits, 'id'>> = {}): ProviderTraits => ({
  id,
  samplers: OPENAI_LIKE,
  extras: OPENAI_EXTRAS,
  maxTokensField: 'max_tokens',
  maxStop: 4,
  reasoning: 'reasoning_effort',
  listsModels: true,
  streamUsage: true,
  auth: 'bearer',
  ...over,
});

export const PROVIDER_TRAITS: Record<ProviderId, ProviderTraits> = {
  // Servers people run (llama.cpp, Ollama, KoboldCpp, vLLM, ...) read every sampler and any number of stop strings.
  generic: traits('generic', { samplers: ALL, maxStop: 64 }),
  openai: traits('openai', { maxTokensField: 'max_completion_tokens' }),
  'azure-openai': traits('azure-openai', { maxTokensField: 'max_completion_tokens', listsModels: false, auth: 'api-key' }),
  // DeepSeek streams `reasoning_content`; its reasoner takes no effort setting.
  deepseek: traits('deepseek', { extras: PENALTIES, maxStop: 16, reasoning: 'none' }),
  mistral: traits('mistral', { extras: PENALTIES, reasoning: 'none', streamUsage: false }),
  groq: traits('groq', { extras: [...PENALTIES, 'seed'], maxTokensField: 'max_completion_tokens' }),
  xai: traits('xai'),
  openrouter: traits('openrouter', { samplers: ALL, maxStop: 16, reasoning: 'openrouter' }),
  together: traits('together', { samplers: ALL, maxStop: 16, reasoning: 'none' }),
  fireworks: traits('fireworks', { samplers: ALL, reasoning: 'reasoning_effort' }),
  featherless: traits('featherless', { samplers: ALL, extras: [...PENALTIES, 'seed'], maxStop: 16, reasoning: 'none' }),
  nanogpt: traits('nanogpt', { samplers: ALL, maxStop: 16, reasoning: 'none' }),
  // Perplexity has no model list and no stop strings; its reasoning models write <think> into the text.
  perplexity: traits('perplexity', { samplers: ['temperature', 'top_p', 'top_k'], extras: PENALTIES, maxStop: 0, reasoning: 'none', listsModels: false, streamUsage: false }),
  cohere: traits('cohere', { extras: [...PENALTIES, 'seed'], maxStop: 5, streamUsage: false }),
  anthropic: traits('anthropic', { samplers: ['temperature', 'top_p', 'top_k'], extras: [], maxStop: 64, reasoning: 'none', streamUsage: false, auth: 'x-api-key' }),
  google: traits('google', { samplers: ['temperature', 'top_p', 'top_k'], extras: [], maxStop: 5, reasoning: 'none', streamUsage: false, auth: 'x-goog-api-key' }),
};

/** Hosts of the hosted APIs, by how their address ends. */
const HOSTS: Array<[suffix: string, id: ProviderId]> = [
  ['api.openai.com', 'openai'],
  ['.openai.azure.com', 'azure-openai'],
  ['.cognitiveservices.azure.com', 'azure-openai'],
  ['api.deepseek.com', 'deepseek'],
  ['api.mistral.ai', 'mistral'],
  ['api.groq.com', 'groq'],
  ['api.x.ai', 'xai'],
  ['openrouter.ai', 'openrouter'],
  ['api.together.xyz', 'together'],
  ['api.together.ai', 'together'],
  ['api.fireworks.ai', 'fireworks'],
  ['api.featherless.ai', 'featherless'],
  ['nano-gpt.com', 'nanogpt'],
  ['api.perplexity.ai', 'perplexity'],
  ['api.cohere.ai', 'cohere'],
  ['api.cohere.com', 'cohere'],
];

const hostMatches = (host: string, suffix: string) => (suffix.startsWith('.') ? host.endsWith(suffix) : host === suffix || host.endsWith(`.${suffix}`));

/** The provider a connection talks to: by its API kind for the native APIs, by the address's host otherwise. */
export function providerOf(api: ConnectionApi, baseUrl: string): ProviderTraits {
  if (api === 'anthropic' || api === 'google') return PROVIDER_TRAITS[api];
  const host = URL.canParse(baseUrl) ? new URL(baseUrl).hostname.toLowerCase() : '';
  const found = HOSTS.find(([suffix]) => hostMatches(host, suffix));
  return PROVIDER_TRAITS[found?.[1] ?? 'generic'];
}

// ---- presets ----

export interface ConnectionPreset {
  id: string;
  label: string;
  api: ConnectionApi;
  baseUrl: string;
  needsApiKey: boolean;
  /** A model to start with (the test lists the others). */
  model?: string;
  note?: string;
}

/** The usual addresses of the backends people run and the APIs they pay for; the user picks one and edits what differs. */
export const CONNECTION_PRESETS: readonly ConnectionPreset[] = [
  { id: 'llama-cpp', label: 'llama.cpp server', api: 'chat-completions', baseUrl: 'http://127.0.0.1:8080/v1', needsApiKey: false },
  { id: 'ollama', label: 'Ollama', api: 'chat-completions', baseUrl: 'http://127.0.0.1:11434/v1', needsApiKey: false },
  { id: 'koboldcpp', label: 'KoboldCpp', api: 'text-completions', baseUrl: 'http://127.0.0.1:5001/v1', needsApiKey: false },
  {
    id: 'vllm',
    label: 'vLLM',
    api: 'chat-completions',
    baseUrl: 'http://127.0.0.1:8000/v1',
    needsApiKey: false,
    note: "vLLM's default port 8000 is also Parley's default port: start one of them on another port (e.g. vllm serve --port 8001).",
  },
  { id: 'lm-studio', label: 'LM Studio', api: 'chat-completions', baseUrl: 'http://127.0.0.1:1234/v1', needsApiKey: false },
  { id: 'tabbyapi', label: 'TabbyAPI', api: 'text-completions', baseUrl: 'http://127.0.0.1:5000/v1', needsApiKey: true },
  {
    id: 'custom',
    label: 'Custom (any OpenAI-compatible)',
    api: 'chat-completions',
    baseUrl: 'http://127.0.0.1:8080/v1',
    needsApiKey: false,
    note: 'Any server that speaks the OpenAI API: put its address up to /v1, a key if it asks for one, and Test.',
  },
  {
    id: 'local',
    label: 'Model file (in Parley)',
    api: 'local',
    baseUrl: '',
    needsApiKey: false,
    note: 'Runs a .gguf file from the server\'s models folder inside Parley, on its CPU. Needs node-llama-cpp, installed once with `npm run local-models`.',
  },
  { id: 'anthropic', label: 'Claude (Anthropic)', api: 'anthropic', baseUrl: 'https://api.anthropic.com/v1', needsApiKey: true, model: 'claude-sonnet-4-5' },
  {
    id: 'google',
    label: 'Gemini (Google AI Studio)',
    api: 'google',
    baseUrl: 'https://generativelanguage.googleapis.com/v1beta',
    needsApiKey: true,
    model: 'gemini-2.5-flash',
  },
  { id: 'openrouter', label: 'OpenRouter', api: 'chat-completions', baseUrl: 'https://openrouter.ai/api/v1', needsApiKey: true },
  { id: 'openai', label: 'OpenAI', api: 'chat-completions', baseUrl: 'https://api.openai.com/v1', needsApiKey: true },
  {
    id: 'deepseek',
    label: 'DeepSeek',
    api: 'chat-completions',
    baseUrl: 'https://api.deepseek.com/v1',
    needsApiKey: true,
    model: 'deepseek-chat',
    note: 'deepseek-reasoner shows its reasoning above each reply.',
  },
  { id: 'mistral', label: 'Mistral', api: 'chat-completions', baseUrl: 'https://api.mistral.ai/v1', needsApiKey: true },
  { id: 'groq', label: 'Groq', api: 'chat-completions', baseUrl: 'https://api.groq.com/openai/v1', needsApiKey: true },
  { id: 'xai', label: 'xAI (Grok)', api: 'chat-completions', baseUrl: 'https://api.x.ai/v1', needsApiKey: true },
  { id: 'together', label: 'Together', api: 'chat-completions', baseUrl: 'https://api.together.xyz/v1', needsApiKey: true },
  { id: 'fireworks', label: 'Fireworks', api: 'chat-completions', baseUrl: 'https://api.fireworks.ai/inference/v1', needsApiKey: true },
  { id: 'featherless', label: 'Featherless', api: 'chat-completions', baseUrl: 'https://api.featherless.ai/v1', needsApiKey: true },
  { id: 'nanogpt', label: 'NanoGPT', api: 'chat-completions', baseUrl: 'https://nano-gpt.com/api/v1', needsApiKey: true },
  {
    id: 'perplexity',
    label: 'Perplexity',
    api: 'chat-completions',
    baseUrl: 'https://api.perplexity.ai',
    needsApiKey: true,
    model: 'sonar',
    note: 'Perplexity lists no models: the test asks for a one-token reply. Models: sonar, sonar-pro, sonar-reasoning-pro.',
  },
  { id: 'cohere', label: 'Cohere', api: 'chat-completions', baseUrl: 'https://api.cohere.ai/compatibility/v1', needsApiKey: true },
  {
    id: 'azure-openai',
    label: 'Azure OpenAI',
    api: 'chat-completions',
    baseUrl: 'https://YOUR-RESOURCE.openai.azure.com/openai/deployments/YOUR-DEPLOYMENT',
    needsApiKey: true,
    note: "Use your deployment's address (resource and deployment names) and set the API version (e.g. 2024-10-21) under Provider options.",
  },
];
