import type { ConnectionApi, UpstreamFailure } from '../../shared/api/generation.js';

/** A failure talking to an LLM backend, with a sentence that tells the user what happened and what to check. */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  readonly failure: UpstreamFailure;
  /** The backend's HTTP status, when it answered with one. */
  readonly status: number | undefined;
  /** What the reply had produced before the failure (kept, marked as cut, by the caller). */
  readonly partialText: string;

  constructor(failure: UpstreamFailure, message: string, options: { status?: number; partialText?: string } = {}) {
    super(message);
    this.failure = failure;
    this.status = options.status;
    this.partialText = options.partialText ?? '';
  }
}

/** Where a request went, for messages: the host, and the base URL for path hints. */
export interface UpstreamPlace {
  url: URL;
  baseUrl: string;
  /** Which wire format was spoken (OpenAI-compatible when absent). */
  api?: ConnectionApi;
}

/** What a response of each API is called in messages. */
const FORMAT_NAMES: Partial<Record<ConnectionApi, string>> = { anthropic: 'an Anthropic Messages API', google: 'a Gemini API' };
const formatName = (place: UpstreamPlace) => (place.api && FORMAT_NAMES[place.api]) ?? 'an OpenAI-compatible';
const isNative = (place: UpstreamPlace) => place.api === 'anthropic' || place.api === 'google';

/** Words providers use when they do not serve the caller's country (Gemini's FAILED_PRECONDITION, Anthropic's 403). */
const REGION_WORDS = /location is not supported|not (?:available|supported) in your (?:country|region)|unsupported[_ ](?:country|region)|country, region, or territory/i;
/** How providers say the key is wrong when they answer 400 instead of 401 (Gemini). */
const BAD_KEY_WORDS = /API[_ ]KEY[_ ]INVALID|api key not valid|invalid (?:x-)?api[- ]key|incorrect api key/i;

const hostOf = (url: URL) => url.host;

/** Names the cause of a fetch that got no response: refused, unknown host, timeout, or another network error. */
export function networkError(error: unknown, place: UpstreamPlace, timeoutMs: number): UpstreamError {
  const host = hostOf(place.url);
  if (error instanceof Error && error.name === 'TimeoutError') {
    return new UpstreamError('timeout', `${host} did not answer within ${formatSeconds(timeoutMs)}. Is the backend busy or the address right?`);
  }
  const code = errorCode(error);
  switch (code) {
    case 'ECONNREFUSED':
      return new UpstreamError(
        'connection_refused',
        `Could not connect to ${host}: connection refused. Is the backend running and listening on port ${place.url.port || defaultPort(place.url)}?`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return new UpstreamError('host_not_found', `The host "${place.url.hostname}" was not found (DNS). Check the address.`);
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
      return new UpstreamError('timeout', `${host} did not answer in time (${code}). Is the backend busy or the address right?`);
    default: {
      const detail = code ?? (error instanceof Error ? error.message : String(error));
      return new UpstreamError('network', `The connection to ${host} failed (${detail}).`);
    }
  }
}

/** Reads an error response (bounded) and names it in one sentence that says what to do: bad key, wrong model or path,
 *  region, rate limit, overload, server failure, ... */
export async function httpError(response: Response, place: UpstreamPlace, apiKey?: string | null): Promise<UpstreamError> {
  const status = response.status;
  const host = hostOf(place.url);
  const body = await readBounded(response, 16_384);
  const detail = redact(upstreamMessage(body), apiKey);
  const said = detail ? ` The backend said: "${detail}"` : '';
  const wait = retryWait(response.headers.get('retry-after'), body);
  if (REGION_WORDS.test(detail) && (status === 400 || status === 403)) {
    return new UpstreamError(
      'region_blocked',
      `${host} does not serve the region this server is in (HTTP ${status}): use a provider or a proxy that does.${said}`,
      { status },
    );
  }
  if (status === 401 || status === 403 || (status === 400 && BAD_KEY_WORDS.test(body))) {
    return new UpstreamError(
      'unauthorized',
      `${host} refused the request (HTTP ${status}): the API key is missing or wrong; check it under Connections.${said}`,
      { status },
    );
  }
  if (status === 404) {
    const hint = isNative(place)
      ? `check the model name (Test connection lists the models) and that the base URL ends in the API version (${place.api === 'google' ? '/v1beta' : '/v1'}).`
      : /\/v1$/.test(place.baseUrl)
        ? 'check the base URL, and that the model exists on this backend.'
        : `the base URL probably needs to end in /v1 (e.g. ${place.url.origin}/v1).`;
    return new UpstreamError('not_found', `${place.url.href} was not found (HTTP 404): ${hint}${said}`, { status });
  }
  if (status === 429) {
    return new UpstreamError(
      'rate_limited',
      `${host} is rate-limiting requests (HTTP 429).${wait ? ` Try again in ${wait} s.` : ' Wait a moment and try again.'}${said}`,
      { status },
    );
  }
  if (status === 529 || (status === 503 && /overloaded/i.test(detail))) {
    return new UpstreamError(
      'overloaded',
      `${host} is overloaded (HTTP ${status}): try again ${wait ? `in ${wait} s` : 'in a moment'}.${said}`,
      { status },
    );
  }
  const location = status >= 300 && status < 400 ? response.headers.get('location') : null;
  if (location) {
    // Not followed: the operator's backendAllowlist vets the profile's address, not wherever a backend points.
    const target = URL.canParse(location, place.url.href) ? new URL(location, place.url).href : location;
    return new UpstreamError('http_error', `${host} redirects to ${target} (HTTP ${status}): use that address as the base URL.`, { status });
  }
  if (status === 400 || status === 422) {
    return new UpstreamError('bad_request', `${host} rejected the request (HTTP ${status}).${said || ' Check the model name and settings.'}`, { status });
  }
  if (status >= 500) {
    return new UpstreamError('server_error', `${host} failed (HTTP ${status}).${said}`, { status });
  }
  return new UpstreamError('http_error', `${host} answered HTTP ${status}.${said}`, { status });
}

/** Seconds to wait: the Retry-After header (seconds), else Gemini's RetryInfo `retryDelay` ("27s") in the body. */
function retryWait(header: string | null, body: string): string | undefined {
  if (header && /^\d+$/.test(header.trim())) return header.trim();
  const delay = /"retryDelay"\s*:\s*"(\d+)(?:\.\d+)?s"/.exec(body);
  return delay?.[1];
}

export function invalidResponse(place: UpstreamPlace, what: string): UpstreamError {
  return new UpstreamError(
    'invalid_response',
    `The answer from ${place.url.href} is not ${formatName(place)} response (${what}). Is the base URL the API's, ending in its version (/v1), and not a web page?`,
  );
}

/** Pulls the human part out of the error bodies backends send: OpenAI {error:{message}}, FastAPI {detail}, text. */
export function upstreamMessage(body: string): string {
  const text = body.trim();
  if (!text) return '';
  try {
    const json: unknown = JSON.parse(text);
    const found = messageIn(json);
    if (found) return clip(found);
  } catch {
    // not JSON: fall through to the text itself
  }
  if (/^\s*</.test(text)) return 'an HTML page';
  return clip(text);
}

function messageIn(json: unknown): string | undefined {
  if (typeof json === 'string') return json;
  if (!json || typeof json !== 'object') return undefined;
  const o = json as Record<string, unknown>;
  if (o.error !== undefined) return messageIn(o.error);
  if (typeof o.message === 'string') return o.message;
  if (typeof o.detail === 'string') return o.detail;
  if (Array.isArray(o.detail)) return o.detail.map((d) => messageIn(d) ?? (d as { msg?: string })?.msg).filter(Boolean).join('; ');
  if (typeof o.msg === 'string') return o.msg;
  return undefined;
}

async function readBounded(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  try {
    while (bytes < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // a body cut while reading an error is still an error; what arrived is enough to describe it
  } finally {
    void reader.cancel().catch(() => undefined);
  }
  return text;
}

/** A backend may echo the key it refused; it never reaches a log or a browser from here. */
export function redact(text: string, apiKey?: string | null): string {
  return apiKey && apiKey.length >= 4 ? text.split(apiKey).join('[API key]') : text;
}

const clip = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}…` : s).replace(/\s+/g, ' ');

function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const { code, errors, cause } = e as { code?: unknown; errors?: unknown[]; cause?: unknown };
    if (typeof code === 'string') return code;
    // Happy-eyeballs connects fail as an AggregateError of one error per address.
    if (Array.isArray(errors) && errors.length > 0) e = errors[0];
    else e = cause;
  }
  return undefined;
}

const defaultPort = (url: URL) => (url.protocol === 'https:' ? '443' : '80');
const formatSeconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;
