import { Readable } from 'node:stream';
import {
  ChatExportQuery,
  ChatImportFields,
  ChatImportQuery,
  CreateChatRequest,
  ListChatsQuery,
  MessagesQuery,
  OpsRequest,
  type ChatImportResponse,
  type MessagesPage,
} from '../../shared/api/chats.js';
import { choosePersona } from '../../shared/persona-choice.js';
import type { AppContext } from '../app-context.js';
import { announce, announceTo } from '../events/announce.js';
import { ChatFormatError } from '../formats/chat-format-error.js';
import { ApiError, notFound } from '../errors/api-error.js';
import { attachmentHeader, limitedStream, uploadedFile } from '../http/uploads.js';
import type { ParleyApp } from '../http/parley-app.js';
import { parseInput } from '../errors/parse-input.js';
import { CreateBranchRequest, type BranchTree } from '../../shared/api/branches.js';
import type { UndoSteps } from '../../shared/api/history.js';
import { branchTree, createBranch, loneTree } from '../services/branches.js';
import { chatAccess, chatAccessForOps, ownerOnlyOp } from '../services/chat-access.js';
import { ownerName, sharedChatSummaries, sharedView } from '../services/shared-chats.js';
import { undoStepView } from '../services/chat-undo.js';
import { trashChat } from '../services/trash.js';
import { applyChatOps, applyToOwnChat, type AppliedOps } from '../services/chat-ops.js';
import { exportChatFile, importChatFile } from '../services/chat-files.js';
import { createChat } from '../services/chats.js';
import { createGroupChat } from '../services/groups.js';
import { groupFileSpeakers } from '../services/group-chat-files.js';
import { IdParams } from '../../shared/api/ids.js';
import { chatSummaryView, chatView, messageView, runningGenerationView } from '../services/message-view.js';
import { anyRegexMayRun, chatRegex, displayPage, regexGreetings, regexOnWrite } from '../services/regex-scripts.js';
import type { Message } from '../../shared/api/chats.js';
import type { FastifyBaseLogger } from 'fastify';

const reportSlow = (log: FastifyBaseLogger, chatId: string, slow: string[]) => {
  if (slow.length > 0) log.warn({ chatId, scripts: slow }, 'regex scripts skipped: their pattern ran out of time');
};

/** Undo steps a chat view is told of (the newest first); more stay kept for undoing one by one. */
const UNDO_LIST_LIMIT = 20;

export function chatRoutes(app: ParleyApp, ctx: AppContext) {
  const { store, clock } = ctx;
  const user = { auth: 'required' } as const;

  app.post('/api/chats', { config: user, schema: { body: CreateChatRequest } }, async (request, reply) => {
    const body = request.body;
    const userId = request.auth!.user.id;
    const greetings = body.groupId ? undefined : await regexGreetings(store, ctx.regex, request.auth!.user, body.characterId, clock.now());
    const { chat, created } = await store.transaction(async (repos) =>
      body.groupId
        ? createGroupChat(repos, userId, { ...body, groupId: body.groupId }, clock.now())
        : createChat(repos, userId, body, clock.now(), greetings),
    );
    if (created) announce(ctx.changes, request, { type: 'chat', chatId: chat.id, revision: chat.revision });
    return reply.status(created ? 201 : 200).send(chatView(chat));
  });

  app.get('/api/chats', { config: user, schema: { querystring: ListChatsQuery } }, async (request) => {
    const { limit, ...owner } = request.query;
    const userId = request.auth!.user.id;
    const chats = await store.chats.list(userId, owner, limit);
    // Chats others share with the user are listed with theirs (not under a character or group of the user's).
    const shared = owner.characterId || owner.groupId ? [] : await sharedChatSummaries(store, userId);
    if (limit === undefined) return [...chats.map(chatSummaryView), ...shared];
    // The recent chats of the home screen say whom each is with (a few lookups: `limit` is small there).
    const own = await Promise.all(chats.map(async (chat) => ({ ...chatSummaryView(chat), characterName: await ownerName(store, userId, chat) })));
    return [...own, ...shared].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)).slice(0, limit);
  });

  app.get('/api/chats/:id', { config: user, schema: { params: IdParams } }, async (request) => {
    const { id } = request.params;
    const grant = await chatAccess(store, request.auth!.user.id, id, 'read');
    const { chat } = grant;
    const running = await store.generations.running(chat.id);
    const shared = grant.access === 'owner' ? {} : await sharedView(store, grant);
    return { ...chatView(chat), runningGeneration: running ? runningGenerationView(running) : null, ...shared };
  });

  const messagesSchema = { params: IdParams, querystring: MessagesQuery };
  app.get('/api/chats/:id/messages', { config: user, schema: messagesSchema }, async (request): Promise<MessagesPage> => {
    const { id } = request.params;
    const { before, after, around, limit } = request.query;
    const auth = request.auth!;
    const { chat } = await chatAccess(store, auth.user.id, id, 'read');
    // "Alter display only" regex scripts (the reader's own): the page carries what the view shows beside the stored text.
    const shown = async (messages: Message[]) => {
      const { regex: settings } = await ctx.settings.get(store, auth.user.id, auth.settingsStamp);
      const regex = await chatRegex(store, ctx.regex, auth.user, chat, clock.now(), { settings });
      const page = await displayPage(store, regex, chat.id, messages);
      reportSlow(request.log, chat.id, page.slow);
      return page.messages;
    };
    if (around !== undefined) {
      // Half before the seq, the rest from it on; one extra row at each end tells whether more lies beyond.
      const half = Math.floor(limit / 2);
      const [older, newer] = await Promise.all([
        store.chats.page(id, half + 1, around),
        store.chats.pageAfter(id, limit - half + 1, around - 1),
      ]);
      const hasMore = older.length > half;
      const hasNewer = newer.length > limit - half;
      const messages = [...(hasMore ? older.slice(1) : older), ...newer.slice(0, limit - half)];
      return { messages: await shown(messages.map(messageView)), revision: chat.revision, hasMore, hasNewer };
    }
    // One extra row tells whether a further page exists (newer with `after`, older otherwise) without a second query.
    if (after !== undefined) {
      const rows = await store.chats.pageAfter(id, limit + 1, after);
      return { messages: await shown(rows.slice(0, limit).map(messageView)), revision: chat.revision, hasMore: rows.length > limit };
    }
    const rows = await store.chats.page(id, limit + 1, before);
    const hasMore = rows.length > limit;
    const page = hasMore ? rows.slice(1) : rows;
    return { messages: await shown(page.map(messageView)), revision: chat.revision, hasMore };
  });

  app.post('/api/chats/:id/ops', { config: user, schema: { params: IdParams, body: OpsRequest } }, async (request) => {
    const { id } = request.params;
    const auth = request.auth!;
    let { ops } = request.body;
    const answered = ({ response, participants, trashChanged }: AppliedOps, ownerId = auth.user.id) => {
      if (response.results.some((r) => r.status === 'applied')) {
        announce(ctx.changes, request, { type: 'chat', chatId: id, revision: response.revision }, participants);
      }
      // The trash is the chat owner's, also when a participant deleted (or undid a delete): their trash page updates.
      if (trashChanged) announceTo(ctx.changes, request, ownerId, { type: 'trash' });
      return response;
    };
    // Regex scripts (the writer's own) change a message as it is written (user input on send; an edit, for scripts
    // that run on edit).
    const settings = ops.some((op) => op.type === 'append' || op.type === 'edit') ? (await ctx.settings.get(store, auth.user.id, auth.settingsStamp)).regex : null;
    // The usual case, where no script can run, needs nothing of the chat before its lock: on the user's own chat
    // the lock is the access check (one read fewer per save); any other chat takes the way below.
    if (!settings || !anyRegexMayRun(settings)) {
      const own = await applyToOwnChat(store, clock, auth.user.id, id, ops, ctx.config.trashDays);
      if (own) return answered(own);
    }
    // A participant's ops apply to the owner's chat (its op ids, undo and trash are the chat's).
    const { chat, ownerId, access } = await chatAccessForOps(store, auth.user.id, id);
    // Who the user is in the chat (its persona), its book and connection are the owner's choice; participants write
    // as themselves.
    if (access !== 'owner' && ops.some(ownerOnlyOp)) {
      throw new ApiError('forbidden', "Only the chat's owner chooses its persona, book and connection.");
    }
    if (settings) {
      const regex = await chatRegex(store, ctx.regex, auth.user, chat, clock.now(), { settings });
      const written = await regexOnWrite(regex, ops, async (messageId) => (await store.chats.message(chat.id, messageId))?.role);
      reportSlow(request.log, chat.id, written.slow);
      ops = written.ops;
    }
    return answered(await applyChatOps(store, clock, ownerId, id, ops, ctx.config.trashDays), ownerId);
  });

  app.post('/api/chats/import', { config: user, schema: { querystring: ChatImportFields } }, async (request, reply) => {
    const file = await uploadedFile(request, ctx.config.limits.chatImportMb);
    const formField = (name: string) => {
      const field = file.fields[name];
      return field && !Array.isArray(field) && field.type === 'field' ? field.value : undefined;
    };
    // The owner may come as a form field before the file (read with the stream, so checked here), or in the query.
    const { characterId, groupId } = parseInput(
      ChatImportQuery,
      { characterId: formField('characterId') ?? request.query.characterId, groupId: formField('groupId') ?? request.query.groupId },
      'characterId',
    );
    const userId = request.auth!.user.id;
    let result: ChatImportResponse;
    try {
      result = await importChatFile(
        store,
        clock,
        { userId, characterId, groupId, title: file.filename.replace(/\.jsonl$/i, ''), now: clock.now() },
        limitedStream(file),
      );
    } catch (error) {
      if (error instanceof ChatFormatError) throw new ApiError('invalid_chat', error.message, { reason: error.reason });
      throw error;
    }
    announce(ctx.changes, request, { type: 'chat', chatId: result.id, revision: 1 });
    return reply.status(201).send(result);
  });

  app.get('/api/chats/:id/export', { config: user, schema: { params: IdParams, querystring: ChatExportQuery } }, async (request, reply) => {
    const { id } = request.params;
    const auth = request.auth!;
    // A shared chat exports as its owner's: their character, group and persona name it.
    const { chat, ownerId } = await chatAccess(store, auth.user.id, id, 'read');
    const character = chat.characterId ? await store.characters.get(ownerId, chat.characterId) : undefined;
    const parent = chat.branch && (await store.chats.get(ownerId, chat.branch.parentChatId));
    // A group chat's replies name their members as SillyTavern's group chats do (original_avatar).
    const group = chat.groupId ? await store.groups.get(ownerId, chat.groupId) : undefined;
    const speakers = group ? await groupFileSpeakers(store, ownerId, group) : null;
    // The header names who the user was in the chat: its persona, as SillyTavern writes it.
    const persona = choosePersona(await store.personas.list(ownerId), { chat: chat.personaId, character: character?.personaId });
    const owner = ownerId === auth.user.id ? auth.user : await store.users.byId(ownerId);
    const names = { user: persona?.persona.name ?? owner?.name ?? '', character: character?.name ?? 'unused', parentTitle: parent?.title };
    const lines = exportChatFile(store, chat, names, undefined, speakers);
    return reply
      .type('application/jsonl; charset=utf-8')
      .header('content-disposition', attachmentHeader(chat.title, 'jsonl'))
      .send(Readable.from(lines));
  });

  // Deleting moves the chat to the trash (its op ids stay: a resent op stays a duplicate after a restore).
  app.delete('/api/chats/:id', { config: user, schema: { params: IdParams } }, async (request, reply) => {
    const { id } = request.params;
    await store.transaction((repos) => trashChat(repos, request.auth!.user.id, id, { now: clock.now(), days: ctx.config.trashDays }));
    announce(ctx.changes, request, { type: 'chatDeleted', chatId: id });
    announce(ctx.changes, request, { type: 'trash' });
    return reply.status(204).send();
  });

  app.post('/api/chats/:id/branches', { config: user, schema: { params: IdParams, body: CreateBranchRequest } }, async (request, reply) => {
    const { chat, parent } = await store.transaction((repos) =>
      createBranch(repos, request.auth!.user.id, request.params.id, request.body, clock.now()),
    );
    if (parent) {
      announce(ctx.changes, request, { type: 'chat', chatId: parent.id, revision: parent.revision });
      announce(ctx.changes, request, { type: 'chat', chatId: chat.id, revision: chat.revision });
    }
    return reply.status(parent ? 201 : 200).send(chatView(chat));
  });

  app.get('/api/chats/:id/tree', { config: user, schema: { params: IdParams } }, async (request): Promise<BranchTree> => {
    const grant = await chatAccess(store, request.auth!.user.id, request.params.id, 'read');
    // A participant sees the shared chat alone: the owner's other branches are not shared.
    return grant.access === 'owner' ? branchTree(store, grant.ownerId, grant.chat.id) : loneTree(grant.chat);
  });

  app.get('/api/chats/:id/undo', { config: user, schema: { params: IdParams } }, async (request): Promise<UndoSteps> => {
    const { chat } = await chatAccess(store, request.auth!.user.id, request.params.id, 'read');
    return { steps: (await store.chatUndo.open(chat.id, UNDO_LIST_LIMIT)).map(undoStepView) };
  });
}
