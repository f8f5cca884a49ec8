import { z } from 'zod';
import { WorldInfoInspection } from './world-info-inspection.js';
import { ErrorCode } from '../errors.js';
import { ClientId, EntityId, SafeText } from './ids.js';
import { FormattingId, PresetSamplers } from './text-formatting.js';

// ---- connection profiles ----

/** Both OpenAI-compatible APIs; together they cover llama.cpp server, Ollama, KoboldCpp, vLLM, LM Studio, TabbyAPI,
 *  OpenRouter, OpenAI and the hosted APIs of the presets. `anthropic`: Anthropic's Messages API; `google`: the Gemini
 *  API of Google AI Studio. `local`: a GGUF file of the server's models folder, run inside Parley by node-llama-cpp
 *  (an optional install); its prompt is a text prompt in the profile's instruct template, and it has no address. */
export const ConnectionApi = z.enum(['chat-completions', 'text-completions', 'anthropic', 'google', 'local']);
export type ConnectionApi = z.infer<typeof ConnectionApi>;

/** A text-completion instruct template by id: a bundled one ('chatml', 'llama3', 'mistral', 'alpaca', ...) or one the
 *  user saved (text-formatting.ts). An id that names none falls back to the default, so a stored id never fails. */
export const InstructTemplateId = FormattingId;
export type InstructTemplateId = z.infer<typeof InstructTemplateId>;

/** `http(s)://host[:port]/path`, up to and including `/v1`; trailing slashes are dropped so paths join cleanly.
 *  Credentials, queries and fragments are refused: the key belongs in `apiKey`, where it is masked. */
export const BaseUrl = z
  .string()
  .trim()
  .max(500)
  .refine((s) => {
    if (!URL.canParse(s)) return false;
    const url = new URL(s);
    // An empty query or fragment ("...v1?") parses as none, yet every path appended to it would land in it.
    const plain = !s.includes('?') && !s.includes('#');
    return (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password && plain;
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

/** The samplers beyond the five every profile has: optional, absent is neutral (EXTRA_SAMPLER_NEUTRAL), each sent
 *  only to the APIs that take it (request-body.ts). The ranges are a sampler preset's. */
const { temperature: _t, top_p: _p, top_k: _k, min_p: _m, repetition_penalty: _r, max_tokens: _x, ...presetExtras } = PresetSamplers.required().shape;
const extraSamplerFields = {
  ...presetExtras,
  /** OpenAI's: token id -> bias from -100 (never) to 100. */
  logit_bias: z
    .record(z.string().regex(/^\d{1,9}$/, 'token ids are whole numbers'), z.number().min(-100).max(100))
    .refine((o) => Object.keys(o).length <= 300, 'at most 300 tokens'),
};
export type ExtraSamplers = { [K in keyof typeof extraSamplerFields]: z.infer<(typeof extraSamplerFields)[K]> };
export type ExtraSamplerName = keyof ExtraSamplers;

/** The value at which each extra sampler changes nothing (and is not sent). */
export const EXTRA_SAMPLER_NEUTRAL: ExtraSamplers = {
  repetition_penalty_range: 0,
  frequency_penalty: 0,
  presence_penalty: 0,
  typical_p: 1,
  top_a: 0,
  tfs: 1,
  seed: -1,
  dry_multiplier: 0,
  dry_base: 1.75,
  dry_allowed_length: 2,
  dry_sequence_breakers: ['\n', ':', '"', '*'],
  xtc_threshold: 0.1,
  xtc_probability: 0,
  mirostat_mode: 0,
  mirostat_tau: 5,
  mirostat_eta: 0.1,
  banned_tokens: [],
  logit_bias: {},
};

/** A profile's extra sampler, or its neutral value. */
export const samplerOf = <K extends ExtraSamplerName>(settings: Partial<ExtraSamplers>, key: K): ExtraSamplers[K] =>
  settings[key] ?? EXTRA_SAMPLER_NEUTRAL[key];

/** How hard a reasoning model thinks: `auto` sends nothing (the model's default), `off` asks for no thinking. */
export const ReasoningEffort = z.enum(['auto', 'off', 'minimal', 'low', 'medium', 'high']);
export type ReasoningEffort = z.infer<typeof ReasoningEffort>;

/** Gemini's safety thresholds; SillyTavern sends BLOCK_NONE for every category. */
export const SafetyThreshold = z.enum(['BLOCK_NONE', 'OFF', 'BLOCK_ONLY_HIGH', 'BLOCK_MEDIUM_AND_ABOVE', 'BLOCK_LOW_AND_ABOVE']);
export type SafetyThreshold = z.infer<typeof SafetyThreshold>;

const PricePerMillion = z.number().min(0).max(100_000);

/**
 * Request options beyond the samplers, each optional: absent means the value in REQUEST_OPTION_DEFAULTS. Some apply
 * to one API only (named in each comment); the others ignore them.
 */
const optionFields = {
  reasoning_effort: ReasoningEffort,
  /** Anthropic and Gemini: thinking tokens; 0 derives them from the effort and the response length. */
  thinking_budget: z.number().int().min(0).max(131_072),
  /** Split a reply that starts with reasoning_prefix into reasoning and reply, at reasoning_suffix. */
  parse_reasoning: z.boolean(),
  reasoning_prefix: SafeText(64).min(1),
  reasoning_suffix: SafeText(64).min(1),
  /** Anthropic: the text the reply is made to start with (a trailing assistant message). */
  assistant_prefill: SafeText(10_000),
  /** Whether the stored reply begins with the prefill. */
  show_prefill: z.boolean(),
  /** Anthropic prompt caching: a cache breakpoint after the system prompt, and on the history at this depth (-1: none). */
  cache_system_prompt: z.boolean(),
  cache_depth: z.number().int().min(-1).max(1000),
  /** Gemini: the threshold of every harm category. */
  safety_threshold: SafetyThreshold,
  /** Azure OpenAI: the `api-version` query parameter. */
  api_version: SafeText(40).regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only'),
  /** OpenRouter: providers to try, in order, and whether others may serve when they cannot. */
  provider_order: z.array(SafeText(100).min(1)).max(20),
  allow_fallbacks: z.boolean(),
  /** Text completion: the context template (story string, separators) by id; absent or empty: the user's default. */
  context_template: FormattingId.or(z.literal('')),
  /** Prices per million tokens, for the usage view's estimated cost (in the user's currency). */
  price_input: PricePerMillion,
  price_output: PricePerMillion,
  price_cache_read: PricePerMillion,
  price_cache_write: PricePerMillion,
};
const optionalOptions = Object.fromEntries(
  Object.entries({ ...optionFields, ...extraSamplerFields }).map(([key, schema]) => [key, schema.optional()]),
) as {
  [K in keyof typeof optionFields | keyof typeof extraSamplerFields]: z.ZodOptional<({ [F in keyof typeof optionFields]: (typeof optionFields)[F] } & typeof extraSamplerFields)[K]>;
};

export type RequestOptions = { [K in keyof typeof optionFields]: z.infer<(typeof optionFields)[K]> };

export const REQUEST_OPTION_DEFAULTS: RequestOptions = {
  reasoning_effort: 'auto',
  thinking_budget: 0,
  parse_reasoning: true,
  reasoning_prefix: '<think>',
  reasoning_suffix: '</think>',
  assistant_prefill: '',
  show_prefill: false,
  cache_system_prompt: false,
  cache_depth: -1,
  safety_threshold: 'BLOCK_NONE',
  api_version: '',
  context_template: '',
  provider_order: [],
  allow_fallbacks: true,
  price_input: 0,
  price_output: 0,
  price_cache_read: 0,
  price_cache_write: 0,
};

/** A profile's option, or its default when the profile does not set it. */
export const optionOf = <K extends keyof RequestOptions>(settings: Partial<RequestOptions>, key: K): RequestOptions[K] =>
  settings[key] ?? REQUEST_OPTION_DEFAULTS[key];

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

export const SamplerSettings = z.object({ ...samplerFields, ...optionalOptions }).refine(responseFitsContext, responseFitsMessage);
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
    ...optionalOptions,
  })
  .refine(responseFitsContext, responseFitsMessage);

/** A patch names only what changes (no defaults here: a default would overwrite a stored value). */
export const SamplerSettingsPatch = z.object({ ...samplerFields, ...optionFields, ...extraSamplerFields }).partial();
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
    instructTemplate: InstructTemplateId.optional(),
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
  instructTemplate: InstructTemplateId.nullable().optional(),
  /** Merged into the stored settings field by field. */
  settings: SamplerSettingsPatch.optional(),
});
export type PatchConnectionRequest = z.infer<typeof PatchConnectionRequest>;

/** POST /api/connections/test: a connection as the form holds it, tested before it is saved. */
export const ConnectionDraftTestRequest = z
  .object({
    api: ConnectionApi,
    baseUrl: BaseUrl.or(z.literal('')).default(''),
    apiKey: ApiKey.optional(),
    model: SafeText(300).trim().default(''),
    /** Azure OpenAI's `api-version`. */
    apiVersion: SafeText(40).regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only').optional(),
    /** Editing a stored profile: its key is used when none is typed here and the address is the stored one. */
    connectionId: EntityId.optional(),
  })
  .refine((c) => c.baseUrl !== '' || !needsBaseUrl(c.api), { message: BASE_URL_REQUIRED, path: ['baseUrl'] });
export type ConnectionDraftTestRequest = z.infer<typeof ConnectionDraftTestRequest>;

/** What the browser sees: the key never leaves the server whole. */
export const ConnectionProfile = z.object({
  id: z.string(),
  name: z.string(),
  api: ConnectionApi,
  baseUrl: z.string(),
  /** Masked, e.g. "sk-…abcd"; null when the profile has no key. */
  apiKeyHint: z.string().nullable(),
  model: z.string(),
  instructTemplate: InstructTemplateId.nullable(),
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
  /** The API is overloaded (Anthropic's 529, an `overloaded_error` event): try again shortly. */
  'overloaded',
  /** The provider's safety or recitation filter blocked the prompt or the reply. */
  'content_blocked',
  /** The provider does not serve the server's country or region. */
  'region_blocked',
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
  /** Group chats: this member speaks now, whoever the strategy would choose (muted members too). */
  speakerId: EntityId.optional(),
  /** Group chats: auto-mode asks (no new user input), so the strategy reads the chat as SillyTavern's auto-mode does. */
  auto: z.boolean().optional(),
});
export type GenerateRequest = z.infer<typeof GenerateRequest>;

/** The payloads of the `text/event-stream` a generation answers with; the SSE event name is the key. */
export const GenerationStartEvent = z.object({
  generationId: z.string(),
  messageId: z.string(),
  /** Group chats: the member speaking, and the members chosen to speak after it (the client asks for each in turn). */
  speakerId: z.string().optional(),
  queue: z.array(z.string()).optional(),
});
export const GenerationTokenEvent = z.object({ text: z.string() });
/** A piece of the model's reasoning (thinking), sent before or between token events; kept in `extra.reasoning`. */
export const GenerationReasoningEvent = z.object({ text: z.string() });
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
export type GenerationReasoningEvent = z.infer<typeof GenerationReasoningEvent>;
export type GenerationDoneEvent = z.infer<typeof GenerationDoneEvent>;
export type GenerationErrorEvent = z.infer<typeof GenerationErrorEvent>;

export type GenerationEvent =
  | { event: 'start'; data: GenerationStartEvent }
  | { event: 'token'; data: GenerationTokenEvent }
  | { event: 'reasoning'; data: GenerationReasoningEvent }
  | { event: 'done'; data: GenerationDoneEvent }
  | { event: 'error'; data: GenerationErrorEvent };

// ---- prompt inspection ----

export const PromptMessage = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
  /** OpenAI's speaker name: SillyTavern's example messages go as `example_user` / `example_assistant`. */
  name: z.string().optional(),
});
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
  'authors_note',
  'continue_nudge',
  'start_reply_with',
  'impersonation_prompt',
  /** A prompt of the prompt manager's own (SillyTavern's custom prompts, Auxiliary Prompt, Enhance Definitions, ...). */
  'custom_prompt',
  'formatting',
]);
export type PromptPartName = z.infer<typeof PromptPartName>;

/** Where a part of the prompt came from: a card field, a built-in default, the persona, world info (by position),
 *  a chat message (by id), or the user's prompt settings. */
export const PromptSource = z.object({
  kind: z.enum(['card', 'default', 'persona', 'world_info', 'message', 'settings']),
  /** The card field, default's name, world-info position, message id or setting. */
  detail: z.string(),
});
export type PromptSource = z.infer<typeof PromptSource>;

/** One part as it was laid out: where it came from, its role, tokens, and whether the budget kept it. */
export const PromptSection = z.object({
  part: PromptPartName,
  source: PromptSource,
  role: z.enum(['system', 'user', 'assistant']),
  tokens: z.number().int(),
  included: z.boolean(),
  /** Placed in the chat this many messages from its end. */
  depth: z.number().int().optional(),
});
export type PromptSection = z.infer<typeof PromptSection>;

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
  /** Which world-info entries fired and why (absent when no book was active). */
  worldInfo: WorldInfoInspection.optional(),
  /** Group chats: who spoke, and whose cards the prompt carried (one in swap mode, the members' in join mode). */
  group: z
    .object({ speakerId: z.string(), speakerName: z.string(), promptMode: z.string(), cards: z.array(z.string()) })
    .optional(),
  exampleBlocks: z.object({ included: z.number().int(), total: z.number().int() }),
  /** Regex scripts skipped while this prompt was made because their pattern ran out of time (absent: none). */
  slowRegexScripts: z.array(z.string()).optional(),
  /** Every part in prompt order with where it came from (absent in inspections stored before it existed). */
  sections: z.array(PromptSection).optional(),
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

// ---- what a reply cost ----

/** Token counts the API reported for one reply, kept in the message's `extra.usage` (OpenAI's names). */
export const ReplyUsage = z.object({
  prompt_tokens: z.number().int().min(0),
  completion_tokens: z.number().int().min(0),
  /** Prompt tokens read from the provider's cache (Anthropic, OpenAI, DeepSeek, Gemini), billed lower. */
  cache_read_tokens: z.number().int().min(0).optional(),
  /** Prompt tokens written to the cache (Anthropic), billed higher. */
  cache_write_tokens: z.number().int().min(0).optional(),
  /** Of completion_tokens, those spent thinking, when the API says. */
  reasoning_tokens: z.number().int().min(0).optional(),
});
export type ReplyUsage = z.infer<typeof ReplyUsage>;

/**
 * What a finished reply records about itself in `extra`, under SillyTavern's names: `token_count` (the reply's text
 * counted with the connection's tokenizer), `gen_started` / `gen_finished` (ISO times; SillyTavern writes them beside
 * `extra` in its file, and Parley's export puts them there), the connection's `api` and `model`.
 */
export const ReplyStats = z.object({
  token_count: z.number().int().min(0).optional(),
  gen_started: z.string().optional(),
  gen_finished: z.string().optional(),
  api: z.string().optional(),
  model: z.string().optional(),
});
export type ReplyStats = z.infer<typeof ReplyStats>;

/** The keys a generation writes into a reply's `extra` (SillyTavern's `reasoning`, and Parley's `usage`). */
export const REPLY_EXTRA_KEYS = { reasoning: 'reasoning', usage: 'usage' } as const;
