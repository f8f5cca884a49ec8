import { randomUUID } from 'node:crypto';
import {
  GroupSettings,
  type ConvertToGroupRequest,
  type CreateGroupRequest,
  type Group,
  type GroupMember,
  type GroupMemberRecord,
  type UpdateGroupRequest,
} from '../../shared/api/groups.js';
import { ApiError, notFound } from '../errors/api-error.js';
import type { CharacterRecord } from '../store/characters-repository.js';
import type { ChatRecord, MessageRecord } from '../store/chats-repository.js';
import type { GroupListRow, GroupRecord } from '../store/groups-repository.js';
import type { Repositories } from '../store/store.js';
import { imageUrl } from './characters.js';
import { MAIN_CHAT_KEY } from './branches.js';
import { defaultChatTitle, greetingOf } from './chats.js';

const iso = (ms: number) => new Date(ms).toISOString();

type MemberCharacter = Pick<CharacterRecord, 'id' | 'name' | 'avatarHash' | 'thumbnailHash'>;

/** The members as the client sees them: a member whose character is not in the library is `missing`, named still. */
function groupView(group: GroupRecord | GroupListRow, characters: ReadonlyMap<string, MemberCharacter>): Group {
  const members: GroupMember[] = group.members.map((m) => {
    const c = m.characterId ? characters.get(m.characterId) : undefined;
    return {
      ...m,
      name: c?.name ?? m.name,
      missing: !c,
      avatarUrl: c ? imageUrl(c.id, 'avatar', c.avatarHash) : null,
      thumbnailUrl: c ? imageUrl(c.id, 'thumbnail', c.thumbnailHash ?? c.avatarHash) : null,
    };
  });
  return {
    id: group.id,
    name: group.name,
    members,
    settings: group.settings,
    tags: group.tags,
    favourite: group.favourite,
    avatarUrl: null,
    chatCount: 'chatCount' in group ? group.chatCount : 0,
    latestChatId: 'latestChatId' in group ? group.latestChatId : null,
    revision: group.revision,
    createdAt: iso(group.createdAt),
    updatedAt: iso(group.updatedAt),
  };
}

/** The user's characters by id, for views and for checking member ids. */
/** The groups as the client sees them, reading only their members' characters (not the whole library). */
export async function groupViews(repos: Repositories, userId: string, groups: ReadonlyArray<GroupRecord | GroupListRow>): Promise<Group[]> {
  const ids = groups.flatMap((g) => g.members.flatMap((m) => (m.characterId ? [m.characterId] : [])));
  const characters = new Map((await repos.characters.namesAndPictures(userId, ids)).map((c) => [c.id, c]));
  return groups.map((g) => groupView(g, characters));
}

async function membersOf(repos: Repositories, userId: string, ids: readonly string[], muted: ReadonlySet<string>): Promise<GroupMemberRecord[]> {
  const members: GroupMemberRecord[] = [];
  for (const id of ids) {
    const character = await repos.characters.get(userId, id);
    if (!character) throw new ApiError('invalid_request', `No character ${id} in the library`, { characterId: id });
    members.push({ characterId: id, name: character.name, avatarKey: null, muted: muted.has(id) });
  }
  return members;
}

export async function createGroup(
  repos: Repositories,
  userId: string,
  input: CreateGroupRequest,
  now: number,
): Promise<{ group: GroupRecord; created: boolean }> {
  if (input.id) {
    const existing = await repos.groups.get(userId, input.id);
    if (existing) return { group: existing, created: false };
    if (await repos.groups.exists(input.id)) throw new ApiError('conflict', 'That group id is already taken');
  }
  const group: GroupRecord = {
    id: input.id ?? randomUUID(),
    userId,
    name: input.name,
    members: await membersOf(repos, userId, input.memberIds, new Set()),
    settings: GroupSettings.parse(input.settings ?? {}),
    tags: input.tags ?? [],
    favourite: input.favourite ?? false,
    avatarHash: null,
    imported: null,
    sourceKey: null,
    revision: 1,
    createdAt: now,
    updatedAt: now,
  };
  await repos.groups.insert(group);
  return { group, created: true };
}

/** Applies what the request names; the same request twice gives the same group (a retry is harmless). */
export async function updateGroup(repos: Repositories, userId: string, id: string, patch: UpdateGroupRequest, now: number): Promise<GroupRecord> {
  const group = await repos.groups.get(userId, id);
  if (!group) throw notFound('Group');
  if (patch.memberIds) {
    const muted = new Set(group.members.filter((m) => m.muted && m.characterId).map((m) => m.characterId!));
    group.members = await membersOf(repos, userId, patch.memberIds, muted);
  }
  if (patch.mutedIds) {
    const muted = new Set(patch.mutedIds);
    const unknown = patch.mutedIds.filter((mid) => !group.members.some((m) => m.characterId === mid));
    if (unknown.length > 0) throw new ApiError('invalid_request', 'Only members can be muted', { characterIds: unknown });
    group.members = group.members.map((m) => ({ ...m, muted: m.characterId !== null && muted.has(m.characterId) }));
  }
  if (patch.name !== undefined) group.name = patch.name;
  if (patch.settings) group.settings = GroupSettings.parse({ ...group.settings, ...patch.settings });
  if (patch.tags) group.tags = patch.tags;
  if (patch.favourite !== undefined) group.favourite = patch.favourite;
  group.revision += 1;
  group.updatedAt = now;
  if (!(await repos.groups.save(group))) throw notFound('Group');
  return group;
}

/**
 * A new group chat opens with the greeting of every unmuted member still in the library, in member order, each
 * carrying its speaker (SillyTavern does the same).
 */
export async function createGroupChat(
  repos: Repositories,
  userId: string,
  input: { groupId: string; id?: string | undefined; title?: string | undefined },
  now: number,
): Promise<{ chat: ChatRecord; created: boolean }> {
  if (input.id) {
    const existing = await repos.chats.get(userId, input.id);
    if (existing) return { chat: existing, created: false };
    if (await repos.chats.exists(input.id)) throw new ApiError('conflict', 'That chat id is already taken');
  }
  // The group's row held: a trash of it from another device waits for this chat and takes it along.
  const mark = await repos.groups.trash.lock(userId, input.groupId);
  const group = mark && !mark.trashId ? await repos.groups.get(userId, input.groupId) : undefined;
  if (!group) throw notFound('Group');
  const greetings: MessageRecord[] = [];
  for (const member of group.members) {
    if (member.muted || !member.characterId) continue;
    const character = await repos.characters.get(userId, member.characterId);
    const greeting = character && greetingOf(character.card, now);
    if (greeting) greetings.push({ ...greeting, seq: greetings.length, speakerId: character.id });
  }
  const chat: ChatRecord = {
    id: input.id ?? randomUUID(),
    userId,
    characterId: null,
    groupId: group.id,
    branch: null,
    title: input.title ?? defaultChatTitle(group.name, now),
    revision: greetings.length > 0 ? 1 : 0,
    messageCount: greetings.length,
    nextSeq: greetings.length,
    metadata: {},
    imported: null,
    sourceKey: null,
    personaId: null,
    createdAt: now,
    updatedAt: now,
  };
  await repos.chats.insert(chat);
  await repos.chats.insertMessages(chat.id, greetings);
  return { chat, created: true };
}

/** "Group: Name", or with " (1)", " (2)"... when a group of the user has that name already (as SillyTavern names it). */
export function uniqueGroupName(base: string, taken: ReadonlySet<string>): string {
  let name = base;
  for (let i = 1; taken.has(name); i++) name = `${base} (${i})`;
  return name;
}

/**
 * SillyTavern's "Convert to group": a new group whose one member is the chat's character (its favourite mark and
 * tags, natural order), and a new group chat holding a copy of the chat — messages copied inside the database, ids,
 * swipes and revisions kept, each reply now spoken by that member; the metadata without `main_chat`. The 1:1 chat
 * stays as it was. One transaction.
 */
export async function convertChatToGroup(
  repos: Repositories,
  userId: string,
  chatId: string,
  input: ConvertToGroupRequest,
  now: number,
): Promise<{ group: GroupRecord; chat: ChatRecord; created: boolean }> {
  if (input.chatId) {
    const existing = await repos.chats.get(userId, input.chatId);
    const existingGroup = existing?.groupId ? await repos.groups.get(userId, existing.groupId) : undefined;
    if (existing && existingGroup) return { group: existingGroup, chat: existing, created: false };
    if (await repos.chats.exists(input.chatId)) throw new ApiError('conflict', 'That chat id is already taken');
  }
  const source = await repos.chats.lockForWrite(userId, chatId);
  if (!source) throw notFound('Chat');
  if (!source.characterId) throw new ApiError('invalid_request', 'This chat is a group chat already.');
  const character = await repos.characters.get(userId, source.characterId);
  if (!character) throw notFound('Character');
  const taken = new Set((await repos.groups.list(userId)).map((g) => g.name));
  const { group, created } = await createGroup(
    repos,
    userId,
    {
      ...(input.groupId && { id: input.groupId }),
      name: uniqueGroupName(`Group: ${character.name}`, taken),
      memberIds: [character.id],
      tags: character.tags,
      favourite: character.favourite,
    },
    now,
  );
  if (!created) throw new ApiError('conflict', 'That group id is already taken');
  const { [MAIN_CHAT_KEY]: _mainChat, ...metadata } = source.metadata;
  const chat: ChatRecord = {
    id: input.chatId ?? randomUUID(),
    userId,
    characterId: null,
    groupId: group.id,
    branch: null,
    title: defaultChatTitle(group.name, now),
    // Every copied message keeps its revision, none above the source's.
    revision: source.revision,
    messageCount: 0,
    nextSeq: source.nextSeq,
    metadata,
    imported: null,
    sourceKey: null,
    personaId: source.personaId,
    createdAt: now,
    updatedAt: now,
  };
  await repos.chats.insert(chat);
  chat.messageCount = await repos.chats.copyMessages(source.id, chat.id, source.nextSeq);
  await repos.chats.assignSpeaker(chat.id, character.id, character.name);
  await repos.chats.saveHeader(chat);
  return { group, chat, created: true };
}
