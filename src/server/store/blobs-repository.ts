import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './database.js';

export interface StoredBlob {
  hash: string;
  mime: string;
  bytes: Uint8Array;
}

/** Images addressed by the sha256 of their bytes: the same avatar imported twice is stored once. */
export class BlobsRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async put(bytes: Uint8Array, mime: string, now: number): Promise<string> {
    const hash = createHash('sha256').update(bytes).digest('hex');
    await this.#db
      .insertInto('blobs')
      .values({ hash, mime, size: bytes.byteLength, bytes, created_at: now })
      .onConflict((oc) => oc.column('hash').doNothing())
      .execute();
    return hash;
  }

  async get(hash: string): Promise<StoredBlob | undefined> {
    const row = await this.#db
      .selectFrom('blobs')
      .select(['hash', 'mime', 'bytes'])
      .where('hash', '=', hash)
      .executeTakeFirst();
    return row && { hash: row.hash, mime: row.mime, bytes: new Uint8Array(row.bytes) };
  }
}
