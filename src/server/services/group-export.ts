import type { ZipEntryNames } from '../formats/zip-entry-names.js';
import type { ZipEntry } from '../formats/zip-stream.js';
import type { Store } from '../store/store.js';
import { exportChatFile } from './chat-files.js';
import { groupFileSpeakers } from './group-chat-files.js';

// SillyTavern's numbers for the strategies and prompt modes, the inverse of what the import reads.
const STRATEGY_NUMBER = { natural: 0, list: 1, manual: 2, pooled: 3 } as const;
const PROMPT_MODE_NUMBER = { swap: 0, join: 1, join_with_muted: 2 } as const;

/**
 * The user's groups for the library export, as SillyTavern keeps them: `groups/<id>.json` naming members by their
 * card files in this export (`characterFiles`: character id -> file name without extension) and `group chats/*.jsonl`
 * whose replies name their members the same way, so the folder imports back with every group, chat and speaker.
 * Keys of an imported group file that Parley does not model are written back as they came.
 */
export async function* groupExportEntries(
  store: Store,
  user: { id: string },
  names: ZipEntryNames,
  characterFiles: ReadonlyMap<string, string>,
  personaAvatarId: (personaId: string) => string | undefined,
): AsyncGenerator<ZipEntry> {
  const fileOf = (characterId: string) => {
    const file = characterFiles.get(characterId);
    return file === undefined ? undefined : `${file}.png`;
  };
  for (const group of await store.groups.list(user.id)) {
    const chats = await store.chats.list(user.id, { groupId: group.id });
    const chatFiles = chats.map((chat) => ({ chat, file: names.claim('group chats', chat.title, '.jsonl') }));
    const memberKey = (m: (typeof group.members)[number]) => (m.characterId && fileOf(m.characterId)) || m.avatarKey || `${m.name}.png`;
    const id = names.claim('groups', group.id, '.json');
    const original = group.imported?.fields ?? {};
    const chatMetadata = typeof original.chat_metadata === 'object' && original.chat_metadata !== null ? original.chat_metadata : {};
    const { settings } = group;
    const file = {
      ...original,
      id,
      name: group.name,
      members: group.members.map(memberKey),
      disabled_members: group.members.filter((m) => m.muted).map(memberKey),
      allow_self_responses: settings.allowSelfResponses,
      activation_strategy: STRATEGY_NUMBER[settings.strategy],
      generation_mode: PROMPT_MODE_NUMBER[settings.promptMode],
      auto_mode_delay: settings.autoModeDelay,
      generation_mode_join_prefix: settings.joinPrefix,
      generation_mode_join_suffix: settings.joinSuffix,
      fav: group.favourite,
      chat_metadata: { ...chatMetadata, scenario: settings.scenario },
      chat_id: chatFiles[0]?.file ?? '',
      chats: chatFiles.map((c) => c.file),
    };
    yield { name: `groups/${id}.json`, compress: true, content: `${JSON.stringify(file, null, 2)}\n` };
    const speakers = await groupFileSpeakers(store, user.id, group, fileOf);
    for (const { chat, file: chatFile } of chatFiles) {
      yield {
        name: `group chats/${chatFile}.jsonl`,
        compress: true,
        content: exportChatFile(store, chat, { user: 'unused', character: 'unused' }, personaAvatarId, speakers),
      };
    }
  }
}
