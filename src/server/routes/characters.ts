import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { Card, ExportQuery, UpdateCharacterRequest } from '../../shared/api/characters.js';
import { IdParams } from '../../shared/api/ids.js';
import type { AppContext } from '../app-context.js';
import { announce } from '../events/announce.js';
import { CardFormatError } from '../formats/card-format-error.js';
import { ApiError, notFound } from '../http/api-error.js';
import { attachmentHeader, readUpload, uploadedFile } from '../http/uploads.js';
import { sendBlob } from '../http/send-blob.js';
import { parseInput } from '../http/validate.js';
import {
  cardUpload,
  characterSummaryView,
  characterView,
  createCharacter,
  exportCard,
  listFieldsOf,
  type NewCharacter,
} from '../services/characters.js';

const CreateCharacterRequest = z.object({ card: Card });

export function characterRoutes(app: FastifyInstance, ctx: AppContext) {
  const { store, clock } = ctx;

  app.get('/api/characters', async (request) => {
    const rows = await store.characters.list(request.auth!.user.id);
    return rows.map(characterSummaryView);
  });

  app.post('/api/characters', async (request, reply) => {
    const { card } = parseInput(CreateCharacterRequest, request.body);
    const record = await store.transaction((repos) => createCharacter(repos, request.auth!.user.id, { card }, clock.now()));
    announce(ctx.changes, request, { type: 'characters' });
    return reply.status(201).send(characterView(record));
  });

  app.post('/api/characters/import', async (request, reply) => {
    const file = await uploadedFile(request, ctx.config.limits.cardUploadMb);
    const bytes = await readUpload(file);
    let upload: NewCharacter;
    try {
      upload = await cardUpload(bytes, { fileName: file.filename, mimeType: file.mimetype });
    } catch (error) {
      if (error instanceof CardFormatError) throw new ApiError('invalid_card', error.message, { reason: error.reason });
      throw error;
    }
    const record = await store.transaction((repos) => createCharacter(repos, request.auth!.user.id, upload, clock.now()));
    announce(ctx.changes, request, { type: 'characters' });
    return reply.status(201).send({ ...characterView(record), name: record.name });
  });

  app.get('/api/characters/:id/export', async (request, reply) => {
    const { id } = parseInput(IdParams, request.params, 'character id');
    const { format } = parseInput(ExportQuery, request.query, 'query');
    const record = await store.characters.get(request.auth!.user.id, id);
    if (!record) throw notFound('Character');
    const { bytes, type } = await exportCard(store, record, format);
    return reply.type(type).header('content-disposition', attachmentHeader(record.name, format)).send(bytes);
  });

  app.get('/api/characters/:id', async (request) => {
    const { id } = parseInput(IdParams, request.params, 'character id');
    const record = await store.characters.get(request.auth!.user.id, id);
    if (!record) throw notFound('Character');
    return characterView(record);
  });

  app.put('/api/characters/:id', async (request) => {
    const { id } = parseInput(IdParams, request.params, 'character id');
    const { card } = parseInput(UpdateCharacterRequest, request.body);
    const userId = request.auth!.user.id;
    if (!(await store.characters.get(userId, id))) throw notFound('Character');
    await store.characters.update(userId, id, { ...listFieldsOf(card), card, updatedAt: clock.now() });
    announce(ctx.changes, request, { type: 'characters' });
    return characterView((await store.characters.get(userId, id))!);
  });

  app.delete('/api/characters/:id', async (request, reply) => {
    const { id } = parseInput(IdParams, request.params, 'character id');
    if (!(await store.characters.delete(request.auth!.user.id, id))) throw notFound('Character');
    announce(ctx.changes, request, { type: 'characters' });
    return reply.status(204).send();
  });

  for (const kind of ['avatar', 'thumbnail'] as const) {
    app.get(`/api/characters/:id/${kind}`, async (request, reply) => {
      const { id } = parseInput(IdParams, request.params, 'character id');
      const record = await store.characters.get(request.auth!.user.id, id);
      const hash = kind === 'thumbnail' ? (record?.thumbnailHash ?? record?.avatarHash) : record?.avatarHash;
      return sendBlob(reply, hash ? await store.blobs.get(hash) : undefined);
    });
  }
}
