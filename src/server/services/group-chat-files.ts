import { MESSAGE_KEYS, type ChatFileMessage } from '../formats/chat-file.js';
import type { CharacterRecord } from '../store/characters-repository.js';
import type { MessageRecord } from '../store/chats-repository.js';
import type { GroupRecord } from '../store/groups-repository.js';
import type { Store } from '../store/store.js';

/** How a group chat file names its speakers: SillyTavern's `original_avatar` (the member's card file name). */
export interface GroupFileSpeakers {
  /** The member a message of the file is from: by `original_avatar`, else (older files) by name; null for none. */
  speakerOf(message: ChatFileMessage): string | null;
  /** SillyTavern's keys for a reply made in Parley, so that SillyTavern shows who said it. */
  avatarFieldsOf(speakerId: string): { original_avatar: string; force_avatar: string } | null;
}

const ST_CHARACTER_KEY = 'st:character:';

/**
 * A member's SillyTavern key: the one its group file named, else the card file it was imported from, else the
 * file name SillyTavern would give a card of that name.
 */
export function avatarKeyOf(member: { avatarKey: string | null }, character: Pick<CharacterRecord, 'name' | 'sourceKey'> | undefined): string | null {
  if (member.avatarKey) return member.avatarKey;
  if (character?.sourceKey?.startsWith(ST_CHARACTER_KEY)) return character.sourceKey.slice(ST_CHARACTER_KEY.length);
  return character ? `${character.name}.png` : null;
}

/** `fileOf`: the card file name a character has in this export (the library export names its own files). */
export async function groupFileSpeakers(
  store: Store,
  userId: string,
  group: GroupRecord,
  fileOf: (characterId: string) => string | undefined = () => undefined,
): Promise<GroupFileSpeakers> {
  const members: { id: string; name: string; key: string }[] = [];
  for (const member of group.members) {
    const character = member.characterId ? await store.characters.get(userId, member.characterId) : undefined;
    const key = (character && fileOf(character.id)) ?? avatarKeyOf(member, character);
    if (character && key) members.push({ id: character.id, name: character.name, key });
  }
  return {
    speakerOf(message) {
      if (message.role === 'user') return null;
      const avatar = message.imported?.fields.original_avatar;
      const byKey = typeof avatar === 'string' ? members.find((m) => m.key === avatar) : undefined;
      return (byKey ?? members.find((m) => m.name === message.name))?.id ?? null;
    },
    avatarFieldsOf(speakerId) {
      const member = members.find((m) => m.id === speakerId);
      if (!member) return null;
      return { original_avatar: member.key, force_avatar: `/thumbnail?type=avatar&file=${encodeURIComponent(member.key)}` };
    },
  };
}

/**
 * A reply made in Parley, as a group chat file writes it: SillyTavern's keys with `original_avatar` and
 * `force_avatar` after them. Imported messages keep their own keys (the file's values come back as they were).
 */
export function withSpeakerKeys(file: ChatFileMessage, record: MessageRecord, speakers: GroupFileSpeakers): ChatFileMessage {
  if (file.imported || !record.speakerId) return file;
  const fields = speakers.avatarFieldsOf(record.speakerId);
  if (!fields) return file;
  const keys = MESSAGE_KEYS.filter((key) => file.swipes.length > 0 || (key !== 'swipe_id' && key !== 'swipes' && key !== 'swipe_info'));
  return { ...file, imported: { keys: [...keys, 'original_avatar', 'force_avatar'], fields } };
}
