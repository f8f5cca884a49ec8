import { z } from 'zod';
import { FormattingCatalog, type FormattingKind } from '../../shared/api/text-formatting.js';
import type { Transport } from './transport.js';

const Imported = z.object({ kind: z.string(), id: z.string(), name: z.string() });

/** Text completion's templates and sampler presets: the list and SillyTavern files in and out. Edits are settings
 *  patches through the outbox. */
export class FormattingApi {
  readonly #http: Transport;

  constructor(http: Transport) {
    this.#http = http;
  }

  catalog = (signal?: AbortSignal) => this.#http.json('GET', '/api/formatting', FormattingCatalog, signal && { signal });

  /** One SillyTavern file, sent now so the user sees whether it was read. */
  import = (kind: FormattingKind, id: string, name: string, data: Record<string, unknown>) =>
    this.#http.json('POST', '/api/formatting/import', Imported, { body: { kind, id, name, data } });

  exportUrl = (kind: FormattingKind, id: string) => `/api/formatting/${kind}/${encodeURIComponent(id)}/export`;
}
