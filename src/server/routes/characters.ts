import { trashCharacter } from '../services/trash.js';
import { z } from 'zod';
import { Card, CardImportQuery, ExportQuery, UpdateCharacterRequest } from '../../shared/api/characters.js';
import { IdParams } from '../../shared/api/ids.js';
import type { AppContext } from '../app-context.js';
import { announce } from '../events/announce.js';
import { CardFormatError } from '../formats/card-format-error.js';
import { cardLimitProblem } from '../formats/normalize-card.js';
import { ApiError, notFound } from '../errors/api-error.js';
import { attachmentHeader, readUpload, uploadedFile } from '../http/uploads.js';
import { sendBlob } from '../http/send-blob.js';
import type { ParleyApp } from '../http/parley-app.js';
import { importCard } from '../services/card-import.js';
import {
  cardUpload,
  characterSummaryView,
  characterView,
  createCharacter,
  exportCard,
  listFieldsOf,
  type NewCharacter,
} from '../services/characters.js';

/** A card sent as JSON is held to the limits of a card file. */
const withCardLimits = <S extends z.ZodType<{ card: unknown }>>(schema: S) =>
  schema.superRefine((body, ctx) => {
    const problem = cardLimitProblem(body.card);
    if (problem) ctx.addIssue({ code: 'custom', path: ['card'], message: problem });
  });
const CreateCharacterRequest = withCardLimits(z.object({ card: Card }));
const PutCharacterRequest = withCardLimits(UpdateCharacterRequest);

export function characterRoutes(app: ParleyApp, ctx: AppContext) {
  const { store, clock } = ctx;

  const user = { auth: 'required' } as const;

  app.get('/api/characters', { config: user }, async (request) => {
    const rows = await store.characters.list(request.auth!.user.id);
    return rows.map(characterSummaryView);
  });

  app.post('/api/characters', { config: user, schema: { body: CreateCharacterRequest } }, async (request, reply) => {
    const { card } = request.body;
    const record = await store.transaction((repos) => createCharacter(repos, request.auth!.user.id, { card }, clock.now()));
    announce(ctx.changes, request, { type: 'characters' });
    return reply.status(201).send(characterView(record));
  });

  app.post('/api/characters/import', { config: user, schema: { querystring: CardImportQuery } }, async (request, reply) => {
    const query = request.query;
    const file = await uploadedFile(request, ctx.config.limits.cardUploadMb);
    const bytes = await readUpload(file);
    let upload: NewCharacter & { changed: string[] };
    try {
      upload = await cardUpload(bytes, { fileName: file.filename, mimeType: file.mimetype });
    } catch (error) {
      if (error instanceof CardFormatError) throw new ApiError('invalid_card', error.message, { reason: error.reason });
      throw error;
    }
    const { record, replaced } = await importCard(store, request.auth!.user.id, upload, query, clock.now());
    announce(ctx.changes, request, { type: 'characters' });
    return reply.status(replaced ? 200 : 201).send({ ...characterView(record), name: record.name, changed: upload.changed });
  });

  app.get(
    '/api/characters/:id/export',
    { config: user, schema: { params: IdParams, querystring: ExportQuery } },
    async (request, reply) => {
    const { id } = request.params;
    const { format } = request.query;
    const record = await store.characters.get(request.auth!.user.id, id);
    if (!record) throw notFound('Character');
    const { bytes, type } = await exportCard(store, record, format);
    return reply.type(type).header('content-disposition', attachmentHeader(record.name, format)).send(bytes);
    },
  );

  app.get('/api/characters/:id', { config: user, schema: { params: IdParams } }, async (request) => {
    const { id } = request.params;
    const record = await store.characters.get(request.auth!.user.id, id);
    if (!record) throw notFound('Character');
    return characterView(record);
  });

  app.put('/api/characters/:id', { config: user, schema: { params: IdParams, body: PutCharacterRequest } }, async (request) => {
    const { id } = request.params;
    const { card } = request.body;
    const userId = request.auth!.user.id;
    const record = await store.transaction(async (repos) => {
      if (!(await repos.characters.update(userId, id, { ...listFieldsOf(card), card, updatedAt: clock.now() }))) throw notFound('Character');
      return (await repos.characters.get(userId, id))!;
    });
    announce(ctx.changes, request, { type: 'characters' });
    return characterView(record);
  });

  app.delete('/api/characters/:id', { config: user, schema: { params: IdParams } }, async (request, reply) => {
    const { id } = request.params;
    await store.transaction((repos) => trashCharacter(repos, request.auth!.user.id, id, { now: ctx.clock.now(), days: ctx.config.trashDays }));
    announce(ctx.changes, request, { type: 'characters' });
    announce(ctx.changes, request, { type: 'trash' });
    return reply.status(204).send();
  });

  for (const kind of ['avatar', 'thumbnail'] as const) {
    app.get(`/api/characters/:id/${kind}`, { config: user, schema: { params: IdParams } }, async (request, reply) => {
      const { id } = request.params;
      const record = await store.characters.get(request.auth!.user.id, id);
      const hash = kind === 'thumbnail' ? (record?.thumbnailHash ?? record?.avatarHash) : record?.avatarHash;
      return sendBlob(reply, hash ? await store.blobs.get(hash) : undefined);
    });
  }
}
