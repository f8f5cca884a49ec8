import { Readable } from 'node:stream';
import { CharacterFavouriteRequest, CharacterPersonaRequest } from '../../shared/api/characters.js';
import { IdParams } from '../../shared/api/ids.js';
import { BulkTagRequest, CardsExportRequest, LibraryQuery, type LibraryPage, type LibraryTags } from '../../shared/api/library.js';
import type { AppContext } from '../app-context.js';
import type { LibraryKey } from '../store/characters-repository.js';
import { ApiError, notFound } from '../errors/api-error.js';
import { announce } from '../events/announce.js';
import type { ParleyApp } from '../http/parley-app.js';
import { zipStream } from '../formats/zip-stream.js';
import { attachmentHeader } from '../http/uploads.js';
import { cardsExportEntries } from '../services/library-export.js';
import { characterSummaryView, characterView, duplicateCharacter, setFavourite, tagCharacters } from '../services/characters.js';

/** What a library does with a character beyond its card: copy it, mark it a favourite, lock a persona to it. */
export function characterLibraryRoutes(app: ParleyApp, ctx: AppContext) {
  const { store, clock } = ctx;
  const user = { auth: 'required' } as const;

  // A page of a library of any size, filtered and ordered by the database.
  app.get('/api/library', { config: user, schema: { querystring: LibraryQuery } }, async (request): Promise<LibraryPage> => {
    const { q, tag, favourites, sort, cursor, limit } = request.query;
    const text = q?.trim();
    const page = await store.characters.page(request.auth!.user.id, {
      text: text || undefined,
      tag,
      favourites: favourites === '1',
      sort,
      start: cursor === undefined ? null : cursor.startsWith('k') ? { after: keyOfCursor(cursor) } : { offset: Number(cursor) },
      limit,
    });
    if (!page) throw notACursor();
    return { items: page.rows.map(characterSummaryView), nextCursor: page.next && cursorOfKey(page.next), total: page.total };
  });

  app.get('/api/library/tags', { config: user }, async (request): Promise<LibraryTags> => store.characters.tags(request.auth!.user.id));

  // Idempotent (a tag is added or removed, never toggled), so the client may simply send it again.
  app.post('/api/library/tags', { config: user, schema: { body: BulkTagRequest } }, async (request) => {
    const { characterIds, add, remove } = request.body;
    const changed = await store.transaction((repos) => tagCharacters(repos, request.auth!.user.id, characterIds, { add, remove }, clock.now()));
    if (changed > 0) announce(ctx.changes, request, { type: 'characters' });
    return { changed };
  });

  // A POST for its list of ids (a thousand do not fit in an address); the zip streams as it is made.
  app.post('/api/library/export', { config: user, schema: { body: CardsExportRequest } }, async (request, reply) => {
    const entries = await cardsExportEntries(store, request.auth!.user.id, request.body.characterIds);
    const day = new Date(clock.now()).toISOString().slice(0, 10);
    return reply
      .type('application/zip')
      .header('content-disposition', attachmentHeader(`parley-cards-${day}`, 'zip'))
      .header('cache-control', 'no-store')
      .send(Readable.from(zipStream(entries)));
  });

  app.post('/api/characters/:id/duplicate', { config: user, schema: { params: IdParams } }, async (request, reply) => {
    const copy = await store.transaction((repos) => duplicateCharacter(repos, request.auth!.user.id, request.params.id, clock.now()));
    announce(ctx.changes, request, { type: 'characters' });
    return reply.status(201).send(characterView(copy));
  });

  app.put(
    '/api/characters/:id/favourite',
    { config: user, schema: { params: IdParams, body: CharacterFavouriteRequest } },
    async (request) => {
      const { favourite } = request.body;
      const record = await store.transaction((repos) => setFavourite(repos, request.auth!.user.id, request.params.id, favourite, clock.now()));
      announce(ctx.changes, request, { type: 'characters' });
      return characterView(record);
    },
  );

  // The persona need not exist (yet): a lock naming one that is gone counts as none, as in SillyTavern.
  app.put(
    '/api/characters/:id/persona',
    { config: user, schema: { params: IdParams, body: CharacterPersonaRequest } },
    async (request) => {
      const userId = request.auth!.user.id;
      const { id } = request.params;
      const record = await store.transaction(async (repos) => {
        if (!(await repos.characters.setPersona(userId, id, request.body.personaId, clock.now()))) throw notFound('Character');
        return (await repos.characters.get(userId, id))!;
      });
      announce(ctx.changes, request, { type: 'characters' });
      return characterView(record);
    },
  );
}

/** A page's cursor: its last card's sort values, opaque to clients (LibraryQuery's `cursor`). */
function cursorOfKey(key: LibraryKey): string {
  return `k${Buffer.from(JSON.stringify(key)).toString('base64url')}`;
}

function keyOfCursor(cursor: string): LibraryKey {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor.slice(1), 'base64url').toString());
    if (Array.isArray(key)) return key as LibraryKey;
  } catch {
    // Not JSON: not a cursor this server made.
  }
  throw notACursor();
}

const notACursor = () => new ApiError('invalid_request', 'Invalid query: not a cursor from this server');
