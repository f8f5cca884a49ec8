import { z } from 'zod';
import { Character, CharacterSummary, type Card } from '../../shared/api/characters.js';
import type { Transport } from './transport.js';

const Imported = CharacterSummary.pick({ id: true, name: true });
export type ImportedCharacter = z.infer<typeof Imported>;

/** Character reads and the uploads that need an answer at once (the outbox carries PUT and DELETE). */
export class CharactersApi {
  readonly #http: Transport;

  constructor(http: Transport) {
    this.#http = http;
  }

  list = (signal?: AbortSignal) =>
    this.#http.json('GET', '/api/characters', z.array(CharacterSummary), signal && { signal });

  get = (id: string, signal?: AbortSignal) =>
    this.#http.json('GET', `/api/characters/${encodeURIComponent(id)}`, Character, signal && { signal });

  /** A .png or .json card; not idempotent, so it is sent once, now, and the user sees the outcome. */
  import = (file: File) => {
    const form = new FormData();
    form.append('file', file, file.name);
    return this.#http.json('POST', '/api/characters/import', Imported, { form });
  };

  put = (id: string, card: Card) =>
    this.#http.empty('PUT', `/api/characters/${encodeURIComponent(id)}`, { body: { card }, waitForSignIn: false });

  delete = (id: string) =>
    this.#http.empty('DELETE', `/api/characters/${encodeURIComponent(id)}`, { waitForSignIn: false });

  exportUrl = (id: string, format: 'png' | 'json') =>
    `/api/characters/${encodeURIComponent(id)}/export?format=${format}`;
}
