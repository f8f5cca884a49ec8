import { randomUUID } from 'node:crypto';
import { WORLD_INFO_SETTINGS_KEY } from '../../shared/api/world-info-settings.js';
import {
  CHAT_WORLD_KEY,
  WorldEntryData,
  nextFreeUid,
  type CreateWorldRequest,
  type World,
  type WorldOp,
  type WorldOpsResponse,
  type WorldSummary,
} from '../../shared/api/worlds.js';
import { isJsonObject } from '../formats/is-json-object.js';
import { characterBookToWorld, readWorldFile, worldToCharacterBook, writeWorldFile, type WorldContent } from '../formats/world-file.js';
import { ApiError, notFound } from '../errors/api-error.js';
import { worldScope } from '../store/applied-ops-repository.js';
import type { Repositories, Store } from '../store/store.js';
import type { WorldEntryRecord, WorldRecord } from '../store/worlds-repository.js';
import { listFieldsOf } from './characters.js';
import { applyMergePatch } from '../../shared/json-merge-patch.js';

/** Counts an entry's content for the editor (the estimate tokenizer). */
export type CountTokens = (text: string) => number;

export function worldSummaryView(w: WorldRecord): WorldSummary {
  return { id: w.id, name: w.name, entryCount: w.entryCount, revision: w.revision, updatedAt: new Date(w.updatedAt).toISOString() };
}

export async function worldView(store: Store, userId: string, id: string): Promise<World> {
  const world = await store.worlds.get(userId, id);
  if (!world) throw notFound('Book');
  const entries = await store.worlds.entries(userId, id);
  return { ...worldSummaryView(world), entries: entries.map((e) => ({ uid: e.uid, tokens: e.tokens, entry: e.entry })) };
}

const contentOf = (entry: Record<string, unknown>) => (typeof entry.content === 'string' ? entry.content : '');

async function assertNameFree(repos: Repositories, userId: string, name: string, except?: string): Promise<void> {
  const [taken] = await repos.worlds.byNames(userId, [name], true);
  if (taken && taken.id !== except) throw new ApiError('conflict', `There is already a book named "${name}" (look in the trash too).`, { worldId: taken.id });
}

/** Creates an empty book under a client-made id; the same id again returns the first one untouched. */
export async function createWorld(repos: Repositories, userId: string, input: CreateWorldRequest, now: number): Promise<{ world: WorldRecord; created: boolean }> {
  const existing = await repos.worlds.get(userId, input.id);
  if (existing) return { world: existing, created: false };
  await assertNameFree(repos, userId, input.name);
  const world: WorldRecord = {
    id: input.id,
    userId,
    name: input.name,
    revision: 1,
    head: { entries: {} },
    sourceText: null,
    entryCount: 0,
    nextPosition: 0,
    createdAt: now,
    updatedAt: now,
  };
  await repos.worlds.insert(world, []);
  return { world, created: true };
}

export interface WorldImport {
  name: string;
  /** The file as uploaded; kept for a byte-for-byte export when it is SillyTavern's own format. */
  text: string;
  /** Set by `parley import-sillytavern`, so a second run finds the book it imported. */
  id?: string;
}

/** Stores a lorebook file as a book (refused whole, nothing stored, when the file is not one). */
export async function importWorld(repos: Repositories, userId: string, input: WorldImport, count: CountTokens, now: number): Promise<WorldRecord> {
  const content = readWorldFile(input.text);
  await assertNameFree(repos, userId, input.name);
  return insertContent(repos, userId, input.id ?? randomUUID(), input.name, content, content.convertedFrom === null ? input.text : null, count, now);
}

async function insertContent(
  repos: Repositories,
  userId: string,
  id: string,
  name: string,
  content: WorldContent,
  sourceText: string | null,
  count: CountTokens,
  now: number,
): Promise<WorldRecord> {
  const entries: WorldEntryRecord[] = content.entries.map(([uid, entry], position) => ({ uid, position, entry, tokens: count(contentOf(entry)) }));
  const world: WorldRecord = {
    id,
    userId,
    name,
    revision: 1,
    head: content.head,
    sourceText,
    entryCount: entries.length,
    nextPosition: entries.length,
    createdAt: now,
    updatedAt: now,
  };
  await repos.worlds.insert(world, entries);
  return world;
}

/** The book as a SillyTavern world file: the imported file itself until the first edit, then written anew. */
export async function exportWorld(store: Store, userId: string, id: string): Promise<{ name: string; text: string }> {
  const world = await store.worlds.get(userId, id, true);
  if (!world) throw notFound('Book');
  if (world.sourceText !== null) return { name: world.name, text: world.sourceText };
  const entries = await store.worlds.entries(userId, id);
  return { name: world.name, text: writeWorldFile(world.head, entries.map((e) => [e.uid, e.entry] as const)) };
}

/**
 * Applies a batch of edits in one transaction, each once (a resent opId is a `duplicate`). A name taken by
 * another book refuses the batch (409); an edit that would leave an entry with fields of the wrong type is a 400.
 */
export async function applyWorldOps(store: Store, userId: string, worldId: string, ops: readonly WorldOp[], count: CountTokens, now: number): Promise<WorldOpsResponse> {
  return store.transaction(async (repos) => {
    const world = await repos.worlds.lockForWrite(userId, worldId);
    if (!world) throw notFound('Book');
    const scope = worldScope(worldId);
    const results: WorldOpsResponse['results'] = [];
    for (const op of ops) {
      if (await repos.appliedOps.has(scope, op.opId)) {
        results.push({ opId: op.opId, status: 'duplicate' });
        continue;
      }
      await applyOp(repos, world, op, count, now);
      await repos.appliedOps.record(scope, op.opId, now);
      results.push({ opId: op.opId, status: 'applied' });
      world.revision += 1;
      world.sourceText = null;
    }
    world.updatedAt = now;
    await repos.worlds.saveHeader(world);
    return { revision: world.revision, results };
  });
}

async function applyOp(repos: Repositories, world: WorldRecord, op: WorldOp, count: CountTokens, now: number): Promise<void> {
  const { userId } = world;
  switch (op.type) {
    case 'rename': {
      if (op.name === world.name) return;
      await assertNameFree(repos, userId, op.name, world.id);
      await renameReferences(repos, userId, world.name, op.name, now);
      world.name = op.name;
      return;
    }
    case 'putEntry': {
      const [existing] = await repos.worlds.entriesByUid(userId, world.id, [op.uid]);
      const position = existing?.position ?? world.nextPosition++;
      if (!existing) world.entryCount += 1;
      await repos.worlds.putEntries(userId, world.id, [{ uid: op.uid, position, entry: op.entry, tokens: count(contentOf(op.entry)) }]);
      return;
    }
    case 'patchEntries': {
      const entries = await repos.worlds.entriesByUid(userId, world.id, op.uids);
      const patched = entries.map((e) => {
        const entry = applyMergePatch(e.entry, op.patch);
        const checked = WorldEntryData.safeParse(entry);
        if (!checked.success) throw new ApiError('invalid_request', `The patch leaves entry ${e.uid} invalid: ${checked.error.issues[0]?.message ?? 'bad field'}`);
        return { ...e, entry, tokens: count(contentOf(entry)) };
      });
      await repos.worlds.putEntries(userId, world.id, patched);
      return;
    }
    case 'deleteEntries': {
      world.entryCount -= await repos.worlds.deleteEntries(userId, world.id, [...new Set(op.uids)]);
      return;
    }
    case 'moveEntries': {
      if (op.toWorldId === world.id) return;
      const target = await repos.worlds.lockForWrite(userId, op.toWorldId);
      if (!target) throw notFound('Target book');
      const entries = await repos.worlds.entriesByUid(userId, world.id, op.uids);
      const taken = await repos.worlds.uids(userId, target.id);
      const moved = entries.map((e) => {
        const uid = taken.has(e.uid) ? nextFreeUid(taken) : e.uid;
        taken.add(uid);
        const entry = uid === e.uid ? e.entry : { ...e.entry, uid: Number.isSafeInteger(Number(uid)) ? Number(uid) : uid };
        return { uid, position: target.nextPosition++, entry, tokens: e.tokens };
      });
      await repos.worlds.putEntries(userId, target.id, moved);
      world.entryCount -= await repos.worlds.deleteEntries(userId, world.id, entries.map((e) => e.uid));
      target.entryCount += moved.length;
      target.revision += 1;
      target.sourceText = null;
      target.updatedAt = now;
      await repos.worlds.saveHeader(target);
      return;
    }
  }
}

/**
 * A renamed book stays linked: cards whose `extensions.world` named it, chats whose metadata did, groups whose
 * books did, and the global, character and persona choices in the user's settings are changed to the new name.
 */
async function renameReferences(repos: Repositories, userId: string, from: string, to: string, now: number): Promise<void> {
  for (const row of await repos.characters.list(userId)) {
    const character = await repos.characters.get(userId, row.id);
    const extensions = character?.card.data.extensions;
    if (!character || !isJsonObject(extensions) || extensions.world !== from) continue;
    const card = { ...character.card, data: { ...character.card.data, extensions: { ...extensions, world: to } } };
    await repos.characters.update(userId, character.id, { ...listFieldsOf(card), card, updatedAt: now });
  }
  for (const listed of await repos.chats.list(userId)) {
    if (listed.metadata[CHAT_WORLD_KEY] !== from) continue;
    // Read again under the chat's lock: an op applied since the list is kept.
    const chat = await repos.chats.lockForWrite(userId, listed.id);
    if (!chat || chat.metadata[CHAT_WORLD_KEY] !== from) continue;
    await repos.chats.saveHeader({ ...chat, metadata: { ...chat.metadata, [CHAT_WORLD_KEY]: to }, revision: chat.revision + 1, updatedAt: now });
  }
  for (const group of await repos.groups.list(userId)) {
    if (!group.settings.books.includes(from)) continue;
    await repos.groups.save({
      ...group,
      settings: { ...group.settings, books: group.settings.books.map((b) => (b === from ? to : b)) },
      revision: group.revision + 1,
      updatedAt: now,
    });
  }
  const settings = await repos.settings.lockForWrite(userId);
  const current = settings.values[WORLD_INFO_SETTINGS_KEY];
  if (!isJsonObject(current)) return;
  const swap = (name: unknown) => (name === from ? to : name);
  const next: Record<string, unknown> = { ...current };
  if (Array.isArray(current.globalBooks)) next.globalBooks = current.globalBooks.map(swap);
  if (isJsonObject(current.characterBooks)) {
    next.characterBooks = Object.fromEntries(Object.entries(current.characterBooks).map(([k, v]) => [k, Array.isArray(v) ? v.map(swap) : v]));
  }
  if (isJsonObject(current.personaBooks)) {
    next.personaBooks = Object.fromEntries(Object.entries(current.personaBooks).map(([k, v]) => [k, swap(v)]));
  }
  await repos.settings.save(userId, { values: { ...settings.values, [WORLD_INFO_SETTINGS_KEY]: next }, revision: settings.revision + 1, updatedAt: now });
}

/**
 * The card's embedded `character_book` as a book of its own, linked to the card (SillyTavern's "Import Card
 * Lore"): named as the card's book is, else "<character>'s Lorebook"; a name already taken gets a number.
 */
export async function worldFromCard(repos: Repositories, userId: string, characterId: string, count: CountTokens, now: number): Promise<WorldRecord> {
  const character = await repos.characters.get(userId, characterId);
  if (!character) throw notFound('Character');
  const book = character.card.data.character_book;
  if (!isJsonObject(book) || !Array.isArray(book.entries)) throw new ApiError('invalid_request', 'This character has no embedded lorebook.');
  const base = (typeof book.name === 'string' && book.name.trim()) || `${character.name}'s Lorebook`;
  let name = base;
  for (let n = 2; (await repos.worlds.byNames(userId, [name], true)).length > 0; n++) name = `${base} (${n})`;
  const world = await insertContent(repos, userId, randomUUID(), name, { head: { entries: {} }, entries: characterBookToWorld(book), convertedFrom: 'character_book' }, null, count, now);
  const card = { ...character.card, data: { ...character.card.data, extensions: { ...character.card.data.extensions, world: name } } };
  await repos.characters.update(userId, character.id, { ...listFieldsOf(card), card, updatedAt: now });
  return world;
}

/** A linked book as the card's `character_book` (what SillyTavern embeds when it writes a card). */
export async function characterBookOf(store: Store, userId: string, worldName: string): Promise<Record<string, unknown> | null> {
  const [world] = await store.worlds.byNames(userId, [worldName]);
  if (!world) return null;
  const entries = await store.worlds.entries(userId, world.id);
  return worldToCharacterBook(world.name, entries.map((e) => [e.uid, e.entry] as const));
}
