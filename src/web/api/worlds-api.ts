import { z } from 'zod';
import { World, WorldSummary, type CreateWorldRequest, type WorldOp } from '../../shared/api/worlds.js';
import type { Transport } from './transport.js';

const worldPath = (id: string) => `/api/worlds/${encodeURIComponent(id)}`;

/** World-info books: reads and imports answer at once; creates, edits and deletes travel through the outbox. */
export class WorldsApi {
  readonly #http: Transport;

  constructor(http: Transport) {
    this.#http = http;
  }

  list = (signal?: AbortSignal) => this.#http.json('GET', '/api/worlds', z.array(WorldSummary), signal && { signal });

  get = (id: string, signal?: AbortSignal) => this.#http.json('GET', worldPath(id), World, signal && { signal });

  /** A SillyTavern, NovelAI, Agnai or RisuAI lorebook file; sent once, now, so the user sees the outcome. */
  import = (file: File) => {
    const form = new FormData();
    form.append('file', file, file.name);
    return this.#http.json('POST', '/api/worlds/import', WorldSummary, { form });
  };

  /** The character's embedded book as a linked book of its own. */
  fromCard = (characterId: string) => this.#http.json('POST', '/api/worlds/from-card', WorldSummary, { body: { characterId } });

  create = (request: CreateWorldRequest) => this.#http.empty('POST', '/api/worlds', { body: request, waitForSignIn: false });

  applyOp = (id: string, op: WorldOp) => this.#http.empty('POST', `${worldPath(id)}/ops`, { body: { ops: [op] }, waitForSignIn: false });

  delete = (id: string) => this.#http.empty('DELETE', worldPath(id), { waitForSignIn: false });

  exportUrl = (id: string) => `${worldPath(id)}/export`;
}
