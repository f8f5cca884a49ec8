import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import {
  ChatExportQuery,
  ChatImportQuery,
  CreateChatRequest,
  ListChatsQuery,
  MessagesQuery,
  OpsRequest,
  type ChatImportResponse,
  type MessagesPage,
} from '../../shared/api/chats.js';
import { IdParams } from '../../shared/api/ids.js';
import type { AppContext } from '../app-context.js';
import { announce } from '../events/announce.js';
import { ChatFormatError } from '../formats/chat-format-error.js';
import { ApiError, notFound } from '../http/api-error.js';
import { attachmentHeader, limitedStream, uploadedFile } from '../http/uploads.js';
import { parseInput } from '../http/validate.js';
import { chatScope } from '../store/applied-ops-repository.js';
import { applyChatOps } from '../services/chat-ops.js';
import { exportChatFile, importChatFile } from '../services/chat-files.js';
import { createChat } from '../services/chats.js';
import { chatSummaryView, chatView, messageView } from '../services/message-view.js';

export function chatRoutes(app: FastifyInstance, ctx: AppContext) {
  const { store, clock } = ctx;

  app.post('/api/chats', async (request, reply) => {
    const body = parseInput(CreateChatRequest, request.body);
    const { chat, created } = await store.transaction((repos) =>
      createChat(repos, request.auth!.user.id, body, clock.now()),
    );
    if (created) announce(ctx.changes, request, { type: 'chat', chatId: chat.id, revision: chat.revision });
    return reply.status(created ? 201 : 200).send(chatView(chat));
  });

  app.get('/api/chats', async (request) => {
    const { characterId } = parseInput(ListChatsQuery, request.query, 'query');
    const chats = await store.chats.list(request.auth!.user.id, characterId);
    return chats.map(chatSummaryView);
  });

  app.get('/api/chats/:id', async (request) => {
    const { id } = parseInput(IdParams, request.params, 'chat id');
    const chat = await store.chats.get(request.auth!.user.id, id);
    if (!chat) throw notFound('Chat');
    return chatView(chat);
  });

  app.get('/api/chats/:id/messages', async (request): Promise<MessagesPage> => {
    const { id } = parseInput(IdParams, request.params, 'chat id');
    const { before, after, limit } = parseInput(MessagesQuery, request.query, 'query');
    const chat = await store.chats.get(request.auth!.user.id, id);
    if (!chat) throw notFound('Chat');
    // One extra row tells whether a further page exists (newer with `after`, older otherwise) without a second query.
    if (after !== undefined) {
      const rows = await store.chats.pageAfter(id, limit + 1, after);
      return { messages: rows.slice(0, limit).map(messageView), revision: chat.revision, hasMore: rows.length > limit };
    }
    const rows = await store.chats.page(id, limit + 1, before);
    const hasMore = rows.length > limit;
    const page = hasMore ? rows.slice(1) : rows;
    return { messages: page.map(messageView), revision: chat.revision, hasMore };
  });

  app.post('/api/chats/:id/ops', async (request) => {
    const { id } = parseInput(IdParams, request.params, 'chat id');
    const { ops } = parseInput(OpsRequest, request.body);
    const response = await applyChatOps(store, clock, request.auth!.user.id, id, ops);
    if (response.results.some((r) => r.status === 'applied')) {
      announce(ctx.changes, request, { type: 'chat', chatId: id, revision: response.revision });
    }
    return response;
  });

  app.post('/api/chats/import', async (request, reply) => {
    const file = await uploadedFile(request, ctx.config.limits.chatImportMb);
    const field = file.fields.characterId;
    const fromForm = field && !Array.isArray(field) && field.type === 'field' ? field.value : undefined;
    // The character may come as a form field before the file, or in the query string.
    const { characterId } = parseInput(ChatImportQuery, { characterId: fromForm ?? (request.query as { characterId?: unknown }).characterId }, 'characterId');
    const userId = request.auth!.user.id;
    let result: ChatImportResponse;
    try {
      result = await importChatFile(
        store,
        { userId, characterId, title: file.filename.replace(/\.jsonl$/i, ''), now: clock.now() },
        limitedStream(file),
      );
    } catch (error) {
      if (error instanceof ChatFormatError) throw new ApiError('invalid_chat', error.message, { reason: error.reason });
      throw error;
    }
    announce(ctx.changes, request, { type: 'chat', chatId: result.id, revision: 1 });
    return reply.status(201).send(result);
  });

  app.get('/api/chats/:id/export', async (request, reply) => {
    const { id } = parseInput(IdParams, request.params, 'chat id');
    parseInput(ChatExportQuery, request.query, 'query');
    const auth = request.auth!;
    const chat = await store.chats.get(auth.user.id, id);
    if (!chat) throw notFound('Chat');
    const character = await store.characters.get(auth.user.id, chat.characterId);
    const lines = exportChatFile(store, chat, { user: auth.user.name, character: character?.name ?? 'unused' });
    return reply
      .type('application/jsonl; charset=utf-8')
      .header('content-disposition', attachmentHeader(chat.title, 'jsonl'))
      .send(Readable.from(lines));
  });

  app.delete('/api/chats/:id', async (request, reply) => {
    const { id } = parseInput(IdParams, request.params, 'chat id');
    const deleted = await store.transaction(async (repos) => {
      const ok = await repos.chats.delete(request.auth!.user.id, id);
      if (ok) await repos.appliedOps.forgetScope(chatScope(id));
      return ok;
    });
    if (!deleted) throw notFound('Chat');
    announce(ctx.changes, request, { type: 'chatDeleted', chatId: id });
    return reply.status(204).send();
  });
}
