import { DEFAULT_SAMPLER_SETTINGS, type ConnectionTestResult } from '../../shared/api/generation.js';
import { providerOf } from '../../shared/api/providers.js';
import { DEFAULT_LIST_TIMEOUT_MS, listModels } from './list-models.js';
import { streamCompletion } from './stream-completion.js';
import type { UpstreamTarget } from './upstream-endpoint.js';
import { UpstreamError } from './upstream-error.js';

/** How many listed models a warning names before it says "and N more". */
const MODELS_NAMED = 5;

/**
 * "Test connection": lists the backend's models, which proves the address, the /v1 path, the key and the API's
 * shape without spending a generation. A provider that lists no models (Perplexity, an Azure deployment) is asked
 * for a one-token reply instead. Never throws for an upstream failure: the result says what went wrong in words
 * the user can act on.
 */
export async function testConnection(target: UpstreamTarget, options: { timeoutMs?: number } = {}): Promise<ConnectionTestResult> {
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  try {
    if (!providerOf(target.api ?? 'chat-completions', target.baseUrl).listsModels) {
      await oneTokenReply(target, options.timeoutMs ?? DEFAULT_LIST_TIMEOUT_MS);
      return { ok: true, message: `Connected to ${new URL(target.baseUrl).host}: it answered a one-token request.`, models: [], latencyMs: latency() };
    }
    const models = await listModels(target, options);
    const warning = modelWarning(target.model, models);
    return {
      ok: true,
      message: `Connected to ${new URL(target.baseUrl).host}: ${models.length} model${models.length === 1 ? '' : 's'} listed.`,
      models,
      ...(warning && { warning }),
      latencyMs: latency(),
    };
  } catch (error) {
    if (!(error instanceof UpstreamError)) throw error;
    return { ok: false, failure: error.failure, message: error.message, models: [], latencyMs: latency() };
  }
}

function modelWarning(model: string, models: readonly string[]): string | undefined {
  if (!model || models.length === 0 || models.includes(model)) return undefined;
  const named = models.slice(0, MODELS_NAMED).join(', ');
  const more = models.length > MODELS_NAMED ? ` and ${models.length - MODELS_NAMED} more` : '';
  // llama.cpp and KoboldCpp serve their one loaded model whatever the request names, so this is not a failure.
  return `The backend does not list the model "${model}"; it lists ${named}${more}.`;
}

/** The smallest real request: one user word, one token of reply, stopped as soon as it arrives. */
async function oneTokenReply(target: UpstreamTarget, timeoutMs: number): Promise<void> {
  const controller = new AbortController();
  await streamCompletion(
    { target, prompt: { kind: 'chat', messages: [{ role: 'user', content: 'Hi' }] }, settings: { ...DEFAULT_SAMPLER_SETTINGS, max_tokens: 1 }, stop: [] },
    { onText: () => controller.abort(), signal: controller.signal, headersTimeoutMs: timeoutMs, idleTimeoutMs: timeoutMs },
  );
}
