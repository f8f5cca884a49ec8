import { z } from 'zod';
import {
  ConnectionDraftTestRequest,
  ConnectionProfile,
  ConnectionTestResult,
  ModelList,
  type CreateConnectionRequest,
  type PatchConnectionRequest,
} from '../../shared/api/generation.js';
import type { Transport } from './transport.js';

const path = (id: string) => `/api/connections/${encodeURIComponent(id)}`;

/** Connection profiles; writes are the outbox's, tests and model lists answer now. */
export class ConnectionsApi {
  readonly #http: Transport;

  constructor(http: Transport) {
    this.#http = http;
  }

  list = (signal?: AbortSignal) => this.#http.json('GET', '/api/connections', z.array(ConnectionProfile), signal && { signal });

  create = (request: z.input<typeof CreateConnectionRequest>) =>
    this.#http.empty('POST', '/api/connections', { body: request, waitForSignIn: false });

  patch = (id: string, request: z.input<typeof PatchConnectionRequest>) =>
    this.#http.empty('PATCH', path(id), { body: request, waitForSignIn: false });

  delete = (id: string) => this.#http.empty('DELETE', path(id), { waitForSignIn: false });

  test = (id: string) => this.#http.json('POST', `${path(id)}/test`, ConnectionTestResult);

  /** Tests what the connection form holds, before it is saved. */
  testDraft = (request: z.input<typeof ConnectionDraftTestRequest>) =>
    this.#http.json('POST', '/api/connections/test', ConnectionTestResult, { body: request });

  models = (id: string) => this.#http.json('GET', `${path(id)}/models`, ModelList);
}
