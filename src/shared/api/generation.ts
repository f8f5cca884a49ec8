import { z } from 'zod';
import { ErrorCode } from '../errors.js';
import { ClientId, EntityId, SafeText } from './ids.js';

// ---- connection profiles ----

/** Both OpenAI-compatible APIs; together they cover llama.cpp server, Ollama, KoboldCpp, vLLM, LM Studio, TabbyAPI,
 *  OpenRouter and OpenAI. `local`: a GGUF file of the server's models folder, run inside Parley by node-llama-cpp
 *  (an optional install); its prompt is a text prompt in the profile's instruct template, and it has no address. */
export const ConnectionApi = z.enum(['chat-completions', 'text-completions', 'local']);
export type ConnectionApi = z.infer<typeof ConnectionApi>;

/** Instruct templates for text completion (the server holds their sequences and stop strings). */
export const InstructTemplateName = z.enum(['chatml', 'llama3', 'mistral', 'alpaca']);
export type InstructTemplateName = z.infer<typeof InstructTemplateName>;

/** `http(s)://host[:port]/path`, up to and including `/v1`; trailing slashes are dropped so paths join cleanly.
 *  Credentials, queries and fragments are refused: the key belongs in `apiKey`, where it is masked. */
export const BaseUrl = z
  .string()
  .trim()
  .max(500)
  .refine((s) => {
    if (!URL.canParse(s)) return false;
    const url = new URL(s);
    return (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password && !url.search && !url.hash;
  }, 'must be an http:// or https:// address without credentials, query or fragment, e.g. http://127.0.0.1:8080/v1')
  .transform((s) => s.replace(/\/+$/, ''));

export const ApiKey = SafeText(1000).trim().min(1);

/** Every API but `local` talks to an address. */
export const needsBaseUrl = (api: ConnectionApi) => api !== 'local';
const BASE_URL_REQUIRED = 'is required for this API, e.g. http://127.0.0.1:8080/v1';

/** Sampler fields with their neutral or usual values; a value at its neutral is not sent upstream (strict
 *  backends such as OpenAI refuse parameters they do not know). */
const samplerFields = {
  temperature: z.number().min(0).max(5),
  top_p: z.number().min(0).max(1),
  /** 0 = off. */
  top_k: z.number().int().min(0).max(1000),
  /** 0 = off. */
  min_p: z.number().min(0).max(1),
  /** 1 = off. */
  repetition_penalty: z.number().min(0.1).max(3),
  /** The response length, reserved out of the context. */
  max_tokens: z.number().int().min(1).max(131_072),
  /** The model's context window in tokens; the prompt gets context_size - max_tokens. */
  context_size: z.number().int().min(512).max(2_097_152),
  /** OpenAI accepts at most 4; local backends more. */
  stop: z.array(SafeText(200).min(1)).max(16),
};

export const DEFAULT_SAMPLER_SETTINGS = {
  temperature: 1,
  top_p: 1,
  top_k: 0,
  min_p: 0,
  repetition_penalty: 1,
  max_tokens: 400,
  context_size: 8192,
  stop: [] as string[],
};

const responseFitsContext = (s: { max_tokens?: number | undefined; context_size?: number | undefined }) =>
  s.max_tokens === undefined || s.context_size === undefined || s.max_tokens < s.context_size;
const responseFitsMessage = { message: 'max_tokens must be smaller than context_size', path: ['max_tokens'] };

export const SamplerSettings = z.object(samplerFields).refine(responseFitsContext, responseFitsMessage);
export type SamplerSettings = z.infer<typeof SamplerSettings>;

/** On create, every field may be left out and takes its default. */
const SamplerSettingsWithDefaults = z
  .object({
    temperature: samplerFields.temperature.default(DEFAULT_SAMPLER_SETTINGS.temperature),
    top_p: samplerFields.top_p.default(DEFAULT_SAMPLER_SETTINGS.top_p),
    top_k: samplerFields.top_k.default(DEFAULT_SAMPLER_SETTINGS.top_k),
    min_p: samplerFields.min_p.default(DEFAULT_SAMPLER_SETTINGS.min_p),
    repetition_penalty: samplerFields.repetition_penalty.default(DEFAULT_SAMPLER_SETTINGS.repetition_penalty),
    max_tokens: samplerFields.max_tokens.default(DEFAULT_SAMPLER_SETTINGS.max_tokens),
    context_size: samplerFields.context_size.default(DEFAULT_SAMPLER_SETTINGS.context_size),
    stop: samplerFields.stop.default([]),
  })
  .refine(responseFitsContext, responseFitsMessage);

/** A patch names only what changes (no defaults here: a default would overwrite a stored value). */
export const SamplerSettingsPatch = z.object(samplerFields).partial();
export type SamplerSettingsPatch = z.infer<typeof SamplerSettingsPatch>;

/** Created with a client-made id: a retried create is a no-op. */
export const CreateConnectionRequest = z
  .object({
    id: ClientId,
    name: SafeText(200).trim().min(1),
    api: ConnectionApi,
    /** Empty for `local`. */
    baseUrl: BaseUrl.or(z.literal('')).default(''),
    apiKey: ApiKey.optional(),
    /** For `local`, the GGUF file's name in the models folder. */
    model: SafeText(300).trim().default(''),
    instructTemplate: InstructTemplateName.optional(),
    settings: SamplerSettingsWithDefaults.default(() => SamplerSettingsWithDefaults.parse({})),
  })
  .refine((c) => c.baseUrl !== '' || !needsBaseUrl(c.api), { message: BASE_URL_REQUIRED, path: ['baseUrl'] });
export type CreateConnectionRequest = z.infer<typeof CreateConnectionRequest>;

export const PatchConnectionRequest = z.object({
  name: SafeText(200).trim().min(1).optional(),
  api: ConnectionApi.optional(),
  /** Empty only with `local` (checked against the stored profile's API when the patch is applied). */
  baseUrl: BaseUrl.or(z.literal('')).optional(),
  /** A string replaces the key, null removes it, absent keeps it. */
  apiKey: ApiKey.nullable().optional(),
  model: SafeText(300).trim().optional(),
  instructTemplate: InstructTemplateName.nullable().optional(),
  /** Merged into the stored settings field by field. */
  settings: SamplerSettingsPatch.optional(),
});
export type PatchConnectionRequest = z.infer<typeof PatchConnectionRequest>;

/** What the browser sees: the key never leaves the server whole. */
export const ConnectionProfile = z.object({
  id: z.string(),
  name: z.string(),
  api: ConnectionApi,
  baseUrl: z.string(),
  /** Masked, e.g. "sk-…abcd"; null when the profile has no key. */
  apiKeyHint: z.string().nullable(),
  model: z.string(),
  instructTemplate: InstructTemplateName.nullable(),
  settings: SamplerSettings,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ConnectionProfile = z.infer<typeof ConnectionProfile>;

/**
 * Shows enough of a key to recognise it and never enough to use it: at most a 3-character vendor prefix
 * ("sk-") and the last 4 characters, and only the last 2 of keys too short to spare 4.
 */
export function maskApiKey(key: string): string {
  const prefixMatch = /^[A-Za-z]{2}-/.exec(key);
  const prefix = prefixMatch && key.length >= 20 ? prefixMatch[0] : '';
  const tailLength = key.length >= 16 ? 4 : key.length >= 8 ? 2 : 0;
  return `${prefix}…${tailLength ? key.slice(-tailLength) : ''}`;
}

// ---- presets ----

export interface ConnectionPreset {
  id: string;
  label: string;
  api: ConnectionApi;
  baseUrl: string;
  needsApiKey: boolean;
  note?: string;
}

/** The usual addresses of the backends people run; the user picks one and edits what differs. */
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
  { id: 'openrouter', label: 'OpenRouter', api: 'chat-completions', baseUrl: 'https://openrouter.ai/api/v1', needsApiKey: true },
  { id: 'openai', label: 'OpenAI', api: 'chat-completions', baseUrl: 'https://api.openai.com/v1', needsApiKey: true },
  {
    id: 'local',
    label: 'Model file (in Parley)',
    api: 'local',
    baseUrl: '',
    needsApiKey: false,
    note: 'Runs a .gguf file from the server\'s models folder inside Parley, on its CPU. Needs node-llama-cpp, installed once with `npm run local-models`.',
  },
];

// ---- upstream failures and connection tests ----

/** Why talking to an LLM backend failed; each maps to a sentence that tells the user what to fix. */
export const UpstreamFailure = z.enum([
  'connection_refused',
  'host_not_found',
  'timeout',
  'network',
  'unauthorized',
  'not_found',
  'bad_request',
  'rate_limited',
  'server_error',
  'http_error',
  'invalid_response',
  'stream_cut',
  'invalid_json',
  /** The operator's backendAllowlist does not include the profile's address: nothing was sent. */
  'not_allowed',
]);
export type UpstreamFailure = z.infer<typeof UpstreamFailure>;

export const ConnectionTestResult = z.object({
  ok: z.boolean(),
  /** Set when ok is false. */
  failure: UpstreamFailure.optional(),
  message: z.string(),
  /** The models the backend lists (empty when it lists none or the test failed). */
  models: z.array(z.string()),
  /** E.g. the profile's model is not among the listed ones; the connection still works. */
  warning: z.string().optional(),
  latencyMs: z.number(),
});
export type ConnectionTestResult = z.infer<typeof ConnectionTestResult>;

export const ModelList = z.object({ models: z.array(z.string()) });
export type ModelList = z.infer<typeof ModelList>;

// ---- generation ----

/** new: the next reply; regenerate and swipe: another version (swipe) of the last reply; continue: extend the last
 *  reply; impersonate: write the user's next message. */
export const GenerationMode = z.enum(['new', 'regenerate', 'swipe', 'continue', 'impersonate']);
export type GenerationMode = z.infer<typeof GenerationMode>;

export const GenerateRequest = z.object({
  mode: GenerationMode.default('new'),
  /** Defaults to the user's selected connection. */
  connectionId: EntityId.optional(),
});
export type GenerateRequest = z.infer<typeof GenerateRequest>;

/** The payloads of the `text/event-stream` a generation answers with; the SSE event name is the key. */
export const GenerationStartEvent = z.object({ generationId: z.string(), messageId: z.string() });
export const GenerationTokenEvent = z.object({ text: z.string() });
export const GenerationDoneEvent = z.object({
  messageId: z.string(),
  revision: z.number().int(),
  /** True when the user stopped it; the text produced so far is kept. */
  stopped: z.boolean().optional(),
});
export const GenerationErrorEvent = z.object({
  error: ErrorCode,
  message: z.string(),
  /** For upstream_error: what went wrong with the backend. */
  failure: UpstreamFailure.optional(),
  /** The message that keeps the partial text (marked as cut), if any was produced. */
  messageId: z.string().optional(),
});
export type GenerationStartEvent = z.infer<typeof GenerationStartEvent>;
export type GenerationTokenEvent = z.infer<typeof GenerationTokenEvent>;
export type GenerationDoneEvent = z.infer<typeof GenerationDoneEvent>;
export type GenerationErrorEvent = z.infer<typeof GenerationErrorEvent>;

export type GenerationEvent =
  | { event: 'start'; data: GenerationStartEvent }
  | { event: 'token'; data: GenerationTokenEvent }
  | { event: 'done'; data: GenerationDoneEvent }
  | { event: 'error'; data: GenerationErrorEvent };

// ---- prompt inspection ----

export const PromptMessage = z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() });
export type PromptMessage = z.infer<typeof PromptMessage>;

/** The parts of a prompt, in the order they are laid out; `formatting` is what the template or the chat format
 *  adds around them (role headers, separators), so the parts add up to the total. */
export const PromptPartName = z.enum([
  'system_prompt',
  'lorebook',
  'description',
  'personality',
  'scenario',
  'persona',
  'example_dialogue',
  'history',
  'post_history_instructions',
  'impersonation_prompt',
  'formatting',
]);
export type PromptPartName = z.infer<typeof PromptPartName>;

export const TokenizerInfo = z.object({
  /** E.g. "o200k_base". */
  name: z.string(),
  /** False when the count is an estimate (the model's own tokenizer is not available here). */
  exact: z.boolean(),
  /** What the UI shows, e.g. "cl100k_base (estimate for llama-3-8b)". */
  label: z.string(),
});
export type TokenizerInfo = z.infer<typeof TokenizerInfo>;

export const PromptInspection = z.object({
  api: ConnectionApi,
  model: z.string(),
  mode: GenerationMode,
  tokenizer: TokenizerInfo,
  contextSize: z.number().int(),
  maxTokens: z.number().int(),
  /** context_size - max_tokens: what the prompt may use. */
  budget: z.number().int(),
  totalTokens: z.number().int(),
  /** False when even the fixed parts and the newest message exceed the budget. */
  fits: z.boolean(),
  parts: z.array(z.object({ part: PromptPartName, tokens: z.number().int() })),
  /** Dropped messages are always the oldest: every message from firstIncludedMessageId on was sent. */
  history: z.object({
    included: z.number().int(),
    dropped: z.number().int(),
    firstIncludedMessageId: z.string().nullable(),
  }),
  /** Triggered entries; included is false for those the lorebook's token budget left out. */
  lorebookEntries: z.array(z.object({ name: z.string(), tokens: z.number().int(), included: z.boolean() })),
  exampleBlocks: z.object({ included: z.number().int(), total: z.number().int() }),
  /** What was sent: messages for chat completion, a prompt for text completion. */
  messages: z.array(PromptMessage).optional(),
  prompt: z.string().optional(),
  stop: z.array(z.string()),
  createdAt: z.string(),
});
export type PromptInspection = z.infer<typeof PromptInspection>;

/** running; complete (the backend finished); stopped (by the user, text kept); cut (the backend failed, the
 *  server stopped, or its node died: the text so far is kept, marked as cut); failed (nothing was produced, or the
 *  reply was edited or deleted while it was written). */
export const GenerationState = z.enum(['running', 'complete', 'stopped', 'cut', 'failed']);
export type GenerationState = z.infer<typeof GenerationState>;

/** POST /api/generations/:id/stop: how the generation ended (`event` is its last SSE event; null while another
 *  node has not yet acted on the stop). */
export const GenerationStopResponse = z.object({
  generationId: z.string(),
  state: GenerationState,
  event: z
    .discriminatedUnion('event', [
      z.object({ event: z.literal('done'), data: GenerationDoneEvent }),
      z.object({ event: z.literal('error'), data: GenerationErrorEvent }),
    ])
    .nullable(),
});
export type GenerationStopResponse = z.infer<typeof GenerationStopResponse>;
