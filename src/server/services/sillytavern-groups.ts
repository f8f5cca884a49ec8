import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { GroupSettings, type GroupMemberRecord, type GroupPromptMode, type GroupStrategy } from '../../shared/api/groups.js';
import { cutText } from '../../shared/cut-text.js';
import { ChatFormatError } from '../formats/chat-format-error.js';
import { isJsonObject } from '../formats/is-json-object.js';
import type { ScannedFile, SillyTavernDataFolder } from '../formats/scan-sillytavern-data-folder.js';
import type { GroupRecord } from '../store/groups-repository.js';
import type { Store } from '../store/store.js';
import { importChatFile } from './chat-files.js';

export interface GroupImportContext {
  userId: string;
  now: () => number;
  maxGroupBytes: number;
  maxChatBytes: number;
  /** The Parley id of the character imported from SillyTavern's `<avatar>.png|json` (avatar without extension). */
  characterIdOf: (avatar: string) => string | undefined;
}

export interface GroupImportOutcome {
  groups: { imported: number; alreadyThere: number };
  chats: { imported: number; alreadyThere: number; messages: number };
  partialChats: { file: ScannedFile; skippedLines: { line: number; reason: string }[]; changedLines: { line: number; reason: string }[] }[];
  skipped: { file: ScannedFile | string; reason: string }[];
  /** Members that matched no character: the group keeps them by name (they cannot speak until added again). */
  unknownMembers: { group: string; members: string[] }[];
}

// SillyTavern's numbers for its activation strategies and generation modes.
const STRATEGIES: readonly GroupStrategy[] = ['natural', 'list', 'manual', 'pooled'];
const PROMPT_MODES: readonly GroupPromptMode[] = ['swap', 'join', 'join_with_muted'];

/**
 * SillyTavern's `groups/*.json` as groups and the `group chats/*.jsonl` they list as their chats. Members are
 * matched to the imported characters by card file name (`members` holds "Alice.png"); one not found stays in the
 * group by that name and is reported. Every key of the group file is kept with the group, and each group and chat
 * carries a source key, so a second run finds them and doubles nothing.
 */
export async function importSillyTavernGroups(
  store: Store,
  scan: Pick<SillyTavernDataFolder, 'groups' | 'groupChats'>,
  ctx: GroupImportContext,
  onProgress: (item: string) => void,
): Promise<GroupImportOutcome> {
  const outcome: GroupImportOutcome = {
    groups: { imported: 0, alreadyThere: 0 },
    chats: { imported: 0, alreadyThere: 0, messages: 0 },
    partialChats: [],
    skipped: [],
    unknownMembers: [],
  };
  const chatFiles = new Map(scan.groupChats.map((f) => [f.fileName, f]));
  const claimed = new Set<string>();
  for (const file of scan.groups) {
    onProgress(`groups/${file.fileName}`);
    const group = await importGroup(file);
    if (!group) continue;
    for (const chatId of group.chatIds) {
      const chatFile = chatFiles.get(`${chatId}.jsonl`);
      if (!chatFile) continue;
      claimed.add(chatFile.fileName);
      onProgress(`group chats/${chatFile.fileName}`);
      await importChat(group.id, chatFile, group.mainChatOf(chatId));
    }
  }
  for (const file of scan.groupChats) {
    if (!claimed.has(file.fileName)) outcome.skipped.push({ file, reason: 'no group lists this chat' });
  }
  return outcome;

  type ImportedGroup = { id: string; chatIds: string[]; mainChatOf: (chatId: string) => string | undefined };

  async function importGroup(file: ScannedFile): Promise<ImportedGroup | null> {
    const sourceKey = `st:group:${file.fileName}`;
    const chatIdsOf = (raw: Record<string, unknown>) =>
      [...new Set([...(Array.isArray(raw.chats) ? raw.chats : []), raw.chat_id])].filter((id): id is string => typeof id === 'string' && id !== '');
    // Older SillyTavern keeps a group chat's metadata, a branch's `main_chat` with it, in the group file:
    // `past_metadata` by chat, `chat_metadata` for the open one. Newer versions write it in the chat file's header.
    const mainChatOf = (raw: Record<string, unknown>) => (chatId: string) => {
      const past = isJsonObject(raw.past_metadata) ? raw.past_metadata[chatId] : undefined;
      const metadata = isJsonObject(past) ? past : raw.chat_id === chatId && isJsonObject(raw.chat_metadata) ? raw.chat_metadata : undefined;
      return typeof metadata?.main_chat === 'string' && metadata.main_chat ? metadata.main_chat : undefined;
    };
    const existing = await store.groups.bySourceKey(ctx.userId, sourceKey);
    if (existing) {
      outcome.groups.alreadyThere += 1;
      const fields = existing.imported?.fields ?? {};
      return { id: existing.id, chatIds: chatIdsOf(fields), mainChatOf: mainChatOf(fields) };
    }
    if (file.size > ctx.maxGroupBytes) {
      outcome.skipped.push({ file, reason: 'larger than the card limit (limits.cardUploadMb)' });
      return null;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(file.path, 'utf8'));
    } catch (error) {
      outcome.skipped.push({ file, reason: `not a readable JSON file: ${(error as Error).message}` });
      return null;
    }
    if (!isJsonObject(raw) || typeof raw.name !== 'string' || !raw.name.trim() || !Array.isArray(raw.members)) {
      outcome.skipped.push({ file, reason: 'not a SillyTavern group (no name or members)' });
      return null;
    }
    const disabled = new Set(Array.isArray(raw.disabled_members) ? raw.disabled_members.filter((m) => typeof m === 'string') : []);
    const members: GroupMemberRecord[] = [];
    const unknown: string[] = [];
    for (const avatar of raw.members) {
      if (typeof avatar !== 'string' || !avatar || members.some((m) => m.avatarKey === avatar)) continue;
      const characterId = ctx.characterIdOf(avatar.replace(/\.(png|json)$/i, '')) ?? null;
      const character = characterId ? await store.characters.get(ctx.userId, characterId) : undefined;
      if (!character) unknown.push(avatar);
      members.push({
        characterId: character?.id ?? null,
        name: character?.name ?? avatar.replace(/\.[a-z0-9]+$/i, ''),
        avatarKey: avatar,
        muted: disabled.has(avatar),
      });
    }
    if (unknown.length > 0) outcome.unknownMembers.push({ group: raw.name, members: unknown });
    const scenario = isJsonObject(raw.chat_metadata) && typeof raw.chat_metadata.scenario === 'string' ? raw.chat_metadata.scenario : '';
    const settings = GroupSettings.safeParse({
      strategy: STRATEGIES[Number(raw.activation_strategy ?? 0)] ?? 'natural',
      promptMode: PROMPT_MODES[Number(raw.generation_mode ?? 0)] ?? 'swap',
      allowSelfResponses: raw.allow_self_responses === true,
      ...(Number.isInteger(raw.auto_mode_delay) && { autoModeDelay: Math.min(Math.max(raw.auto_mode_delay as number, 1), 3600) }),
      ...(typeof raw.generation_mode_join_prefix === 'string' && { joinPrefix: raw.generation_mode_join_prefix }),
      ...(typeof raw.generation_mode_join_suffix === 'string' && { joinSuffix: raw.generation_mode_join_suffix }),
      scenario,
    });
    if (!settings.success) {
      outcome.skipped.push({ file, reason: settings.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
      return null;
    }
    const now = ctx.now();
    const record: GroupRecord = {
      id: `st-group-${randomUUID()}`,
      userId: ctx.userId,
      name: cutText(raw.name, 200),
      members,
      settings: settings.data,
      tags: [],
      favourite: raw.fav === true || raw.fav === 'true',
      avatarHash: null,
      imported: { keys: Object.keys(raw), fields: raw },
      sourceKey,
      revision: 1,
      createdAt: now,
      updatedAt: now,
    };
    await store.groups.insert(record);
    outcome.groups.imported += 1;
    return { id: record.id, chatIds: chatIdsOf(raw), mainChatOf: mainChatOf(raw) };
  }

  async function importChat(groupId: string, file: ScannedFile, mainChat: string | undefined): Promise<void> {
    const sourceKey = `st:group-chat:${file.fileName}`;
    if (await store.chats.bySourceKey(ctx.userId, sourceKey)) {
      outcome.chats.alreadyThere += 1;
      return;
    }
    if (file.size > ctx.maxChatBytes) {
      outcome.skipped.push({ file, reason: 'larger than the chat import limit (limits.chatImportMb)' });
      return;
    }
    try {
      const result = await importChatFile(
        store,
        { now: ctx.now },
        { userId: ctx.userId, groupId, title: file.fileName.replace(/\.jsonl$/i, ''), sourceKey, mainChat, now: ctx.now() },
        createReadStream(file.path),
      );
      outcome.chats.imported += 1;
      outcome.chats.messages += result.imported;
      if (result.skippedLines.length > 0 || result.changedLines.length > 0) {
        outcome.partialChats.push({ file, skippedLines: result.skippedLines, changedLines: result.changedLines });
      }
    } catch (error) {
      if (!(error instanceof ChatFormatError)) throw error;
      outcome.skipped.push({ file, reason: `${error.message} (${error.reason})` });
    }
  }
}
