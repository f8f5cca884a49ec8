import { trashWorld } from '../services/trash.js';
import { IdParams } from '../../shared/api/ids.js';
import { CreateWorldRequest, WorldFromCardRequest, WorldImportQuery, WorldName, WorldOpsRequest } from '../../shared/api/worlds.js';
import type { AppContext } from '../app-context.js';
import { announce } from '../events/announce.js';
import { WorldFormatError } from '../formats/world-file.js';
import { loadTokenizer } from '../generation/tokenizer.js';
import { ApiError } from '../errors/api-error.js';
import { attachmentHeader, readUpload, uploadedFile } from '../http/uploads.js';
import type { ParleyApp } from '../http/parley-app.js';
import {
  applyWorldOps,
  createWorld,
  exportWorld,
  importWorld,
  worldFromCard,
  worldSummaryView,
  worldView,
  type CountTokens,
} from '../services/worlds.js';

/** Token counts shown in the editor use the estimate tokenizer (no model is known there). */
const editorCount = async (): Promise<CountTokens> => {
  const tokenizer = await loadTokenizer('');
  return (text) => tokenizer.count(text);
};

/** World-info books: list, create, import (SillyTavern, NovelAI, Agnai, RisuAI files), edit by ops, export, delete. */
export function worldRoutes(app: ParleyApp, ctx: AppContext) {
  const { store, clock } = ctx;
  const user = { auth: 'required' } as const;
  const byId = { config: user, schema: { params: IdParams } };

  app.get('/api/worlds', { config: user }, async (request) => {
    const worlds = await store.worlds.list(request.auth!.user.id);
    return worlds.map(worldSummaryView);
  });

  app.post('/api/worlds', { config: user, schema: { body: CreateWorldRequest } }, async (request, reply) => {
    const { world, created } = await store.transaction((repos) => createWorld(repos, request.auth!.user.id, request.body, clock.now()));
    if (created) announce(ctx.changes, request, { type: 'worlds' });
    return reply.status(created ? 201 : 200).send(worldSummaryView(world));
  });

  app.post('/api/worlds/import', { config: user, schema: { querystring: WorldImportQuery } }, async (request, reply) => {
    const query = request.query;
    const file = await uploadedFile(request, ctx.config.limits.cardUploadMb);
    const bytes = await readUpload(file);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new ApiError('invalid_world', 'The file is not UTF-8 text.');
    }
    const fromFile = (file.filename ?? '').replace(/\.(json|lorebook)$/i, '');
    const parsedName = WorldName.safeParse(query.name ?? fromFile);
    if (!parsedName.success) throw new ApiError('invalid_request', 'The book needs a name: give the file one, or pass ?name=.');
    const count = await editorCount();
    let world;
    try {
      world = await store.transaction((repos) => importWorld(repos, request.auth!.user.id, { name: parsedName.data, text }, count, clock.now()));
    } catch (error) {
      if (error instanceof WorldFormatError) throw new ApiError('invalid_world', error.message);
      throw error;
    }
    announce(ctx.changes, request, { type: 'worlds' });
    return reply.status(201).send(worldSummaryView(world));
  });

  app.post('/api/worlds/from-card', { config: user, schema: { body: WorldFromCardRequest } }, async (request, reply) => {
    const { characterId } = request.body;
    const count = await editorCount();
    const world = await store.transaction((repos) => worldFromCard(repos, request.auth!.user.id, characterId, count, clock.now()));
    announce(ctx.changes, request, { type: 'worlds' });
    announce(ctx.changes, request, { type: 'characters' });
    return reply.status(201).send(worldSummaryView(world));
  });

  app.get('/api/worlds/:id', byId, async (request) => {
    return worldView(store, request.auth!.user.id, request.params.id);
  });

  app.get('/api/worlds/:id/export', byId, async (request, reply) => {
    const { name, text } = await exportWorld(store, request.auth!.user.id, request.params.id);
    return reply.type('application/json; charset=utf-8').header('content-disposition', attachmentHeader(name, 'json')).send(text);
  });

  app.post('/api/worlds/:id/ops', { config: user, schema: { params: IdParams, body: WorldOpsRequest } }, async (request) => {
    const { id } = request.params;
    const { ops } = request.body;
    const count = await editorCount();
    const response = await applyWorldOps(store, request.auth!.user.id, id, ops, count, clock.now());
    if (response.results.some((r) => r.status === 'applied')) {
      announce(ctx.changes, request, { type: 'worlds' });
      // A rename changes the cards, chats and settings that named the book.
      if (ops.some((op) => op.type === 'rename')) {
        announce(ctx.changes, request, { type: 'characters' });
        announce(ctx.changes, request, { type: 'settings', revision: 0 });
      }
    }
    return response;
  });

  app.delete('/api/worlds/:id', byId, async (request, reply) => {
    await store.transaction((repos) => trashWorld(repos, request.auth!.user.id, request.params.id, { now: ctx.clock.now(), days: ctx.config.trashDays }));
    announce(ctx.changes, request, { type: 'worlds' });
    announce(ctx.changes, request, { type: 'trash' });
    return reply.status(204).send();
  });
}
