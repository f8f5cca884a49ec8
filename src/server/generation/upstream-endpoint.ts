import type { ConnectionApi } from '../../shared/api/generation.js';
import { providerOf } from '../../shared/api/providers.js';
import type { UpstreamPlace } from './upstream-error.js';

/** Which backend a request goes to: a connection profile's API, address, key and model. */
export interface UpstreamTarget {
  /** The OpenAI-compatible kinds when absent. */
  api?: ConnectionApi | undefined;
  /** Up to and including the version (/v1, /v1beta), no trailing slash. */
  baseUrl: string;
  apiKey?: string | null | undefined;
  model: string;
  /** Azure OpenAI's `api-version`, sent as a query parameter. */
  apiVersion?: string | undefined;
}

/** The URL of an API path under the base URL ("/models", "/chat/completions", "/messages", ...). */
export function endpoint(target: UpstreamTarget, path: string, query: Record<string, string> = {}): UpstreamPlace {
  const base = target.baseUrl.replace(/\/+$/, '');
  const url = new URL(base + path);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  if (target.apiVersion && target.api !== 'anthropic' && target.api !== 'google') url.searchParams.set('api-version', target.apiVersion);
  return { url, baseUrl: base, api: target.api ?? 'chat-completions' };
}

/** Anthropic's API version header: the Messages API as documented since 2023-06-01. */
export const ANTHROPIC_VERSION = '2023-06-01';

/** The headers of a request, with the key where the provider wants it (never in a URL, where logs would keep it). */
export function upstreamHeaders(target: UpstreamTarget, accept: string): Record<string, string> {
  const provider = providerOf(target.api ?? 'chat-completions', target.baseUrl);
  const key = target.apiKey;
  return {
    accept,
    'content-type': 'application/json',
    ...(provider.id === 'anthropic' && { 'anthropic-version': ANTHROPIC_VERSION }),
    ...(key && provider.auth === 'bearer' && { authorization: `Bearer ${key}` }),
    ...(key && provider.auth === 'api-key' && { 'api-key': key }),
    ...(key && provider.auth === 'x-api-key' && { 'x-api-key': key }),
    ...(key && provider.auth === 'x-goog-api-key' && { 'x-goog-api-key': key }),
  };
}
