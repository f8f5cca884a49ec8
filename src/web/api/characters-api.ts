import { z } from 'zod';
import { Character, CharacterSummary, type Card } from '../../shared/api/characters.js';
import type { Transport } from './transport.js';

const Imported = CharacterSummary.pick({ id: true, name: true }).extend({
  /** The card's extensions, read for what an import tells the user (its regex scripts, which wait to be allowed). */
  card: z.object({ data: z.object({ extensions: z.record(z.string(), z.unknown()).optional() }) }).optional(),
});
export type ImportedCharacter = z.infer<typeof Imported>;

const characterPath = (id: string) => `/api/characters/${encodeURIComponent(id)}`;

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

  /**
   * A .png or .json card; not idempotent, so it is sent once, now, and the user sees the outcome. `ask` refuses a
   * card whose name is in the library already (409, details DuplicateCardDetails); `replace` puts it into that one.
   */
  import = (file: File, choice: { ask?: boolean; replace?: string } = {}) => {
    const form = new FormData();
    form.append('file', file, file.name);
    const query = choice.replace ? `?replace=${encodeURIComponent(choice.replace)}` : choice.ask ? '?ifExists=ask' : '';
    return this.#http.json('POST', `/api/characters/import${query}`, Imported, { form });
  };

  /** A character made in the app ("new character"); sent now, since the picture upload that follows needs its id. */
  create = (card: Card) => this.#http.json('POST', '/api/characters', Character, { body: { card } });

  /** A new picture (the cropped image); sent now: a picture is not kept in the outbox. */
  setAvatar = (id: string, image: Blob) => {
    const form = new FormData();
    form.append('file', image, 'avatar.png');
    return this.#http.json('PUT', `${characterPath(id)}/avatar`, Character, { form });
  };

  duplicate = (id: string) => this.#http.json('POST', `${characterPath(id)}/duplicate`, Character);

  setFavourite = (id: string, favourite: boolean) =>
    this.#http.empty('PUT', `${characterPath(id)}/favourite`, { body: { favourite }, waitForSignIn: false });

  setPersona = (id: string, personaId: string | null) =>
    this.#http.empty('PUT', `${characterPath(id)}/persona`, { body: { personaId }, waitForSignIn: false });

  put = (id: string, card: Card) =>
    this.#http.empty('PUT', `/api/characters/${encodeURIComponent(id)}`, { body: { card }, waitForSignIn: false });

  delete = (id: string) =>
    this.#http.empty('DELETE', `/api/characters/${encodeURIComponent(id)}`, { waitForSignIn: false });

  exportUrl = (id: string, format: 'png' | 'json') =>
    `/api/characters/${encodeURIComponent(id)}/export?format=${format}`;
}
