import type { z } from 'zod';
import type { AuthGate } from './auth-gate.js';
import { NetworkError, RequestError } from './request-error.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestOptions {
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as multipart/form-data (uploads). */
  form?: FormData;
  signal?: AbortSignal;
  /** Extra headers (the session keeper sends its own token: its transport has no gate). */
  headers?: Record<string, string>;
  /** false: a 401 in multi-user mode throws SignInRequiredError rather than waiting for the user. */
  waitForSignIn?: boolean;
}

/** A refusal is recovered (fresh token, new session) at most this often per request; then it is the caller's. */
const MAX_RECOVERIES = 3;
const UNSAFE = new Set<Method>(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * fetch with the house rules: same-origin cookies, X-CSRF-Token on unsafe methods, JSON refusals turned into
 * RequestError, and — when given a gate — stale tokens and ended sessions recovered before the caller sees them.
 */
export class Transport {
  readonly #gate: AuthGate | null;
  readonly #baseUrl: string;
  readonly #headers: Record<string, string>;

  /** `headers` go with every request (the tab's client id, so the events stream can name a change's origin). */
  constructor(gate: AuthGate | null, baseUrl = '', headers: Record<string, string> = {}) {
    this.#gate = gate;
    this.#baseUrl = baseUrl;
    this.#headers = headers;
  }

  /** The answer's body, checked against its shared schema. */
  async json<S extends z.ZodType>(method: Method, path: string, schema: S, options: RequestOptions = {}) {
    const response = await this.send(method, path, options);
    return schema.parse(await response.json()) as z.infer<S>;
  }

  /** For answers with no body worth reading (204). */
  async empty(method: Method, path: string, options: RequestOptions = {}): Promise<void> {
    const response = await this.send(method, path, options);
    await response.body?.cancel();
  }

  /** The successful Response itself (streams, downloads). */
  async send(method: Method, path: string, options: RequestOptions = {}): Promise<Response> {
    for (let recoveries = 0; ; recoveries++) {
      const response = await this.#fetch(method, path, options);
      if (response.ok) return response;
      const error = await RequestError.from(response);
      const gate = this.#gate;
      if (!gate || recoveries >= MAX_RECOVERIES) throw error;
      if (error.status === 403 && error.code === 'csrf_invalid') await gate.renewToken();
      else if (error.status === 401 && error.code !== 'invalid_credentials') {
        await gate.reauthenticate(error.code, options.waitForSignIn ?? true);
      } else throw error;
    }
  }

  async #fetch(method: Method, path: string, options: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', ...this.#headers, ...options.headers };
    const token = this.#gate?.csrfToken();
    if (UNSAFE.has(method) && token) headers['x-csrf-token'] = token;
    let body: BodyInit | undefined;
    if (options.form) body = options.form;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    try {
      return await fetch(this.#baseUrl + path, {
        method,
        headers,
        body,
        credentials: 'same-origin',
        ...(options.signal && { signal: options.signal }),
      });
    } catch (cause) {
      // A caller's own abort is theirs to handle; a timeout is the network's fault like any other.
      const reason: unknown = options.signal?.reason;
      const timedOut = reason instanceof DOMException && reason.name === 'TimeoutError';
      if (options.signal?.aborted && !timedOut) throw cause;
      throw new NetworkError(cause);
    }
  }
}
