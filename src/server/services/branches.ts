import { randomUUID } from 'node:crypto';
import type { BranchTree, CreateBranchRequest } from '../../shared/api/branches.js';
import { ApiError, notFound } from '../errors/api-error.js';
import type { ChatRecord, MessageRecord } from '../store/chats-repository.js';
import type { Repositories, Store } from '../store/store.js';
import { defaultChatTitle } from './chats.js';

/** SillyTavern's `chat_metadata` key naming the chat a branch or checkpoint came from (by its file name). */
export const MAIN_CHAT_KEY = 'main_chat';

/**
 * Branches a chat at one of its messages, SillyTavern's way: the new chat holds the history up to and including
 * it (copied inside the database, ids and seqs kept), its metadata is the parent's with `main_chat` naming the
 * parent. A checkpoint is a named branch; the parent's message then links to it (`extra.bookmark_link`), while a
 * plain branch is listed in the message's `extra.branches`. A client-proposed id makes a retry return the first.
 */
export async function createBranch(
  repos: Repositories,
  userId: string,
  parentId: string,
  input: CreateBranchRequest,
  now: number,
): Promise<{ chat: ChatRecord; parent: ChatRecord | null }> {
  if (input.id) {
    const existing = await repos.chats.get(userId, input.id);
    // A retry finds its branch; any other chat by that id (the parent itself, say) is not one.
    if (existing?.branch?.parentChatId === parentId) return { chat: existing, parent: null };
    if (existing || (await repos.chats.exists(input.id))) throw new ApiError('conflict', 'That chat id is already taken');
  }
  // Its character's or group's row held first (the order a trash of them locks in): a trash of them from another
  // device waits for this branch and takes it along.
  const seen = await repos.chats.get(userId, parentId);
  const owner = seen?.groupId
    ? await repos.groups.trash.lock(userId, seen.groupId)
    : seen?.characterId
      ? await repos.characters.trash.lock(userId, seen.characterId)
      : { trashId: null };
  const parent = owner && !owner.trashId ? await repos.chats.lockForWrite(userId, parentId) : undefined;
  if (!parent) throw notFound('Chat');
  const message = await repos.chats.message(parent.id, input.messageId);
  if (!message) throw notFound('Message');
  const chat: ChatRecord = {
    id: input.id ?? randomUUID(),
    userId,
    characterId: parent.characterId,
    // A group chat's branch is the group's chat too (listed, trashed and purged with it).
    groupId: parent.groupId ?? null,
    // Named below, once the copy has told the message's index.
    title: '',
    // Every copied message keeps its revision, none above the parent's.
    revision: parent.revision,
    messageCount: 0,
    nextSeq: message.seq + 1,
    metadata: { ...parent.metadata, [MAIN_CHAT_KEY]: parent.title },
    imported: parent.imported,
    sourceKey: null,
    personaId: parent.personaId,
    createdAt: now,
    updatedAt: now,
    branch: { parentChatId: parent.id, forkSeq: message.seq, rootChatId: parent.branch?.rootChatId ?? parent.id },
  };
  await repos.chats.insert(chat);
  chat.messageCount = await repos.chats.copyMessages(parent.id, chat.id, message.seq);
  // The copy is the message and every one before it: the message's index (SillyTavern's mesId) is one less, without
  // counting 50,000 rows a second time.
  const title = defaultChatTitle(input.checkpoint ?? `Branch #${chat.messageCount - 1}`, now);
  chat.title = title;
  await repos.chats.saveHeader(chat);

  const extra = input.checkpoint
    ? { ...message.extra, bookmark_link: title }
    : { ...message.extra, branches: [...(Array.isArray(message.extra.branches) ? message.extra.branches : []), title] };
  await repos.chats.updateMessage(parent.id, message.seq, { extra, revision: ++parent.revision });
  parent.updatedAt = now;
  await repos.chats.saveHeader(parent);
  return { chat, parent };
}

/** Every chat of the tree `chatId` belongs to, trashed ones marked. */
export async function branchTree(store: Store, userId: string, chatId: string): Promise<BranchTree> {
  const chat = await store.chats.get(userId, chatId);
  if (!chat) throw notFound('Chat');
  const rootChatId = chat.branch?.rootChatId ?? chat.id;
  const members = await store.chats.family(userId, rootChatId);
  const present = new Set(members.map((m) => m.id));
  return {
    rootChatId,
    chats: members.map((m) => ({
      id: m.id,
      title: m.title,
      // A parent purged since leaves its branches as roots of their own.
      parentChatId: m.parentChatId !== null && present.has(m.parentChatId) ? m.parentChatId : null,
      forkSeq: m.forkSeq,
      messageCount: m.messageCount,
      inTrash: m.inTrash,
      createdAt: new Date(m.createdAt).toISOString(),
      updatedAt: new Date(m.updatedAt).toISOString(),
    })),
  };
}

/** A tree of the one chat: what a participant of a shared chat sees (the owner's other branches are not shared). */
export function loneTree(chat: ChatRecord): BranchTree {
  const at = (ms: number) => new Date(ms).toISOString();
  return {
    rootChatId: chat.id,
    chats: [
      { id: chat.id, title: chat.title, parentChatId: null, forkSeq: null, messageCount: chat.messageCount, inTrash: false, createdAt: at(chat.createdAt), updatedAt: at(chat.updatedAt) },
    ],
  };
}

/** Where a chat forks from the imported one, or it from its parent, by the other chat's id (see importLinks). */
export type ForkSeqs = Map<string, number>;

/**
 * Links an imported chat into its tree, both ways: to the chat its `main_chat` names (the same character's or
 * group's chat with that title), and, as the parent, to chats imported before it whose `main_chat` names it.
 * SillyTavern writes no fork point for a plain branch, so the fork is the parent's message that links to the branch
 * (`bookmark_link`, `branches`), else the last message of their common history.
 *
 * Runs in the import's last transaction, so a kill -9 never leaves an imported branch outside its tree. The fork
 * points, which scan both chats' history, are found before it (findImportForks, no lock held); one a chat imported
 * meanwhile needs is scanned here, which only concurrent imports of one tree cause.
 */
export async function linkImportedChat(repos: Repositories, chat: ChatRecord, forks: ForkSeqs): Promise<void> {
  const links = await importLinks(repos, chat, forks);
  let rootChatId = chat.id;
  if (links.parent) {
    rootChatId = links.parent.chat.branch?.rootChatId ?? links.parent.chat.id;
    await repos.chats.link(chat.userId, chat.id, { parentChatId: links.parent.chat.id, forkSeq: links.parent.forkSeq, rootChatId });
  }
  for (const { chat: child, forkSeq } of links.children) {
    // A parent inside the child's own tree would make a cycle.
    if (rootChatId !== child.id) await repos.chats.link(chat.userId, child.id, { parentChatId: chat.id, forkSeq, rootChatId });
  }
}

/** The fork points linkImportedChat will need, found while the imported chat is still invisible. */
export async function findImportForks(store: Store, chat: ChatRecord): Promise<ForkSeqs> {
  const forks: ForkSeqs = new Map();
  await importLinks(store, chat, forks);
  return forks;
}

type Link = { chat: ChatRecord; forkSeq: number };

/** The chats an imported chat links to, with their fork points from `forks` (those missing are scanned and added). */
async function importLinks(repos: Pick<Repositories, 'chats'>, chat: ChatRecord, forks: ForkSeqs): Promise<{ parent: Link | null; children: Link[] }> {
  // SillyTavern names a branch's parent by its file name among the same character's (or group's) chats.
  const owner = chat.characterId ? { characterId: chat.characterId } : chat.groupId ? { groupId: chat.groupId } : undefined;
  if (!owner) return { parent: null, children: [] };
  const forkWith = async (other: ChatRecord, parent: ChatRecord, child: ChatRecord): Promise<Link> => {
    let forkSeq = forks.get(other.id);
    if (forkSeq === undefined) forks.set(other.id, (forkSeq = await forkSeqOf(repos, parent, child)));
    return { chat: other, forkSeq };
  };
  let parent: Link | null = null;
  const mainChat = chat.metadata[MAIN_CHAT_KEY];
  if (typeof mainChat === 'string' && mainChat !== '' && mainChat !== chat.title) {
    const found = await repos.chats.byTitle(chat.userId, owner, mainChat);
    if (found && found.id !== chat.id) parent = await forkWith(found, found, chat);
  }
  const children: Link[] = [];
  for (const child of await repos.chats.unlinked(chat.userId, owner)) {
    if (child.id !== chat.id && child.metadata[MAIN_CHAT_KEY] === chat.title) children.push(await forkWith(child, chat, child));
  }
  return { parent, children };
}

/** Messages are the same one when role, name and time agree (content may have been edited since the branch). */
const sameMessage = (a: MessageRecord, b: MessageRecord) => a.role === b.role && a.name === b.name && a.createdAt === b.createdAt;

const linksTo = (m: MessageRecord, title: string) =>
  m.extra.bookmark_link === title || (Array.isArray(m.extra.branches) && m.extra.branches.includes(title));

async function forkSeqOf(repos: Pick<Repositories, 'chats'>, parent: ChatRecord, child: ChatRecord): Promise<number> {
  const parentMessages = repos.chats.all(parent.id);
  const childMessages = repos.chats.all(child.id);
  let lastCommon = -1;
  let marked: number | null = null;
  try {
    for (;;) {
      const [p, c] = await Promise.all([parentMessages.next(), childMessages.next()]);
      if (p.done || c.done || !sameMessage(p.value, c.value)) break;
      lastCommon = p.value.seq;
      if (linksTo(p.value, child.title)) marked = p.value.seq;
    }
  } finally {
    await parentMessages.return(undefined);
    await childMessages.return(undefined);
  }
  return marked ?? lastCommon;
}
