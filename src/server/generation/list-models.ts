import { endpoint, upstreamHeaders, type UpstreamTarget } from './upstream-endpoint.js';
import { httpError, invalidResponse, networkError, UpstreamError } from './upstream-error.js';

export const DEFAULT_LIST_TIMEOUT_MS = 10_000;
/** Aggregators list hundreds of models; more than this is not a list anyone picks from. */
const MAX_MODELS = 5_000;

/**
 * GET {baseUrl}/models: the ids of the models the backend serves. OpenAI's and Anthropic's shape is `{data: [{id}]}`;
 * Gemini answers `{models: [{name: "models/…", supportedGenerationMethods}]}` (only those that generate content are
 * kept, without the "models/" prefix); a few servers answer `{models: [{id | name | model}]}`. Rejects with an
 * UpstreamError that names the problem.
 */
export async function listModels(
  target: UpstreamTarget,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<string[]> {
  // Anthropic and Gemini page their lists; one page of 1000 holds every model they have.
  const query: Record<string, string> = target.api === 'anthropic' ? { limit: '1000' } : target.api === 'google' ? { pageSize: '1000' } : {};
  const place = endpoint(target, '/models', query);
  const timeoutMs = options.timeoutMs ?? DEFAULT_LIST_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  let response: Response;
  let body: unknown;
  try {
    response = await fetch(place.url, {
      headers: upstreamHeaders(target, 'application/json'),
      redirect: 'manual',
      signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
    });
    if (!response.ok) throw await httpError(response, place, target.apiKey);
    const text = await response.text();
    try {
      body = JSON.parse(text);
    } catch {
      const kind = response.headers.get('content-type') ?? 'no content type';
      throw invalidResponse(place, /^\s*</.test(text) ? `an HTML page (${kind})` : `${kind}, not JSON`);
    }
  } catch (error) {
    if (error instanceof UpstreamError) throw error;
    throw networkError(error, place, timeoutMs);
  }
  const list = modelEntries(body);
  if (!list) throw invalidResponse(place, 'JSON without a `data` list of models');
  return list
    .slice(0, MAX_MODELS)
    .filter((m) => target.api !== 'google' || generatesContent(m))
    .map((m) => (typeof m === 'string' ? m : [m?.id, m?.name, m?.model].find((v) => typeof v === 'string')))
    .filter((id): id is string => typeof id === 'string' && id.length > 0)
    .map((id) => (target.api === 'google' ? id.replace(/^models\//, '') : id));
}

type ModelEntry = string | { id?: unknown; name?: unknown; model?: unknown; supportedGenerationMethods?: unknown } | null;

/** Gemini also lists embedding and other models; a chat needs generateContent. */
const generatesContent = (m: ModelEntry) =>
  typeof m !== 'object' || !Array.isArray(m?.supportedGenerationMethods) || m.supportedGenerationMethods.includes('generateContent');

function modelEntries(body: unknown): ModelEntry[] | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const { data, models } = body as { data?: unknown; models?: unknown };
  if (Array.isArray(data)) return data as ModelEntry[];
  if (Array.isArray(models)) return models as ModelEntry[];
  return undefined;
}
