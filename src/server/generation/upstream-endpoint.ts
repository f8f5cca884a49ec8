import type { UpstreamPlace } from './upstream-error.js';

/** Which backend a request goes to: a connection profile's address, key and model. */
export interface UpstreamTarget {
  /** Up to and including /v1, no trailing slash. */
  baseUrl: string;
  apiKey?: string | null | undefined;
  model: string;
}

/** The URL of an API path under the base URL ("/models", "/chat/completions", "/completions"). */
export function endpoint(target: UpstreamTarget, path: string): UpstreamPlace {
  const base = target.baseUrl.replace(/\/+$/, '');
  return { url: new URL(base + path), baseUrl: base };
}

export function upstreamHeaders(target: UpstreamTarget, accept: string): Record<string, string> {
  return {
    accept,
    'content-type': 'application/json',
    ...(target.apiKey && { authorization: `Bearer ${target.apiKey}` }),
  };
}
