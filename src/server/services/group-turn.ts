import type { GenerationMode, PromptInspection } from '../../shared/api/generation.js';
import { ApiError, notFound } from '../errors/api-error.js';
import { carriedMembers, groupCard, namesInHistory, type PromptMember } from '../generation/group/group-prompt.js';
import { nextSpeakers, type SpeakerCandidate } from '../generation/group/next-speakers.js';
import type { PromptAssemblyInput } from '../generation/prompt-assembly.js';
import type { CharacterRecord } from '../store/characters-repository.js';
import type { ChatRecord } from '../store/chats-repository.js';
import type { GroupRecord } from '../store/groups-repository.js';
import type { Store } from '../store/store.js';

/** What a generation request says about a group turn (GenerateRequest's speakerId and auto). */
export interface GroupTurnRequest {
  speakerId?: string | undefined;
  auto?: boolean | undefined;
}

/** Who speaks in this generation: the chat's character, or in a group the member chosen, with the group around it. */
export interface Cast {
  character: CharacterRecord;
  group: GroupCast | null;
}

export interface GroupCast {
  group: GroupRecord;
  /** The members in the library, in list order. */
  members: { character: CharacterRecord; muted: boolean }[];
  /** Chosen to speak after this one (the client asks for each in turn). */
  queue: string[];
}

/** Messages read back to choose a speaker: more than any turn of members answering in a row. */
const SPEAKER_HISTORY = 200;

/**
 * The character a generation speaks as. In a 1:1 chat, the chat's; in a group chat, the member the strategy
 * chooses (services: reads the group, its members and the newest messages; the choice itself is pure).
 */
export async function castForGeneration(
  store: Store,
  userId: string,
  chat: ChatRecord,
  request: { mode: GenerationMode; group?: GroupTurnRequest | undefined },
): Promise<Cast> {
  if (!chat.groupId) {
    const character = chat.characterId ? await store.characters.get(userId, chat.characterId) : undefined;
    if (!character) throw notFound('Character');
    return { character, group: null };
  }
  const group = await store.groups.get(userId, chat.groupId);
  if (!group) throw notFound('Group');
  const members: GroupCast['members'] = [];
  for (const m of group.members) {
    const character = m.characterId ? await store.characters.get(userId, m.characterId) : undefined;
    if (character) members.push({ character, muted: m.muted });
  }
  const candidates: SpeakerCandidate[] = members.map(({ character, muted }) => ({
    id: character.id,
    name: character.name,
    muted,
    talkativeness: character.card.data.extensions?.talkativeness,
  }));
  const history = (await store.chats.promptPage(chat.id, SPEAKER_HISTORY)).map((m) => ({
    role: m.role,
    name: m.name,
    content: m.content,
    speakerId: m.speakerId ?? null,
    hidden: m.hidden,
  }));
  const forcedId = request.group?.speakerId;
  if (forcedId && !candidates.some((c) => c.id === forcedId)) {
    throw new ApiError('invalid_request', 'That character is not a member of this group (or is missing from the library)', { speakerId: forcedId });
  }
  const chosen = nextSpeakers({
    strategy: group.settings.strategy,
    members: candidates,
    history,
    allowSelfResponses: group.settings.allowSelfResponses,
    mode: request.mode,
    auto: request.group?.auto ?? false,
    forcedId,
    random: Math.random,
  });
  const [speakerId, ...queue] = chosen;
  const speaker = members.find((m) => m.character.id === speakerId);
  if (!speaker) {
    throw new ApiError('invalid_request', 'Nobody in the group is to speak now: pick a member (or unmute one).', { reason: 'no_speaker' });
  }
  return { character: speaker.character, group: { group, members, queue } };
}

/**
 * The prompt's input for a group turn: the card from groupCard (swap or join, the group's overrides and nudge) and
 * the history with names. A 1:1 chat's input is returned unchanged.
 */
export function groupPromptInput(cast: Cast, input: PromptAssemblyInput): PromptAssemblyInput {
  if (!cast.group) return input;
  const asMember = (m: { character: CharacterRecord; muted: boolean }): PromptMember => ({ id: m.character.id, muted: m.muted, card: m.character.card.data });
  const speaker: PromptMember = { id: cast.character.id, muted: false, card: input.card };
  const card = groupCard({ speaker, members: cast.group.members.map(asMember), settings: cast.group.group.settings, api: input.api, mode: input.mode });
  return { ...input, card, history: namesInHistory(input.history, input.api), inGroup: true };
}

/** What the prompt inspector shows of a group turn: who spoke, whose cards went in. */
export function groupInspection(cast: Cast): PromptInspection['group'] {
  if (!cast.group) return undefined;
  const { settings } = cast.group.group;
  const speaker: PromptMember = { id: cast.character.id, muted: false, card: cast.character.card.data };
  const members = cast.group.members.map((m) => ({ id: m.character.id, muted: m.muted, card: m.character.card.data }));
  const cards = carriedMembers(speaker, members, settings).map((m) => m.card.name);
  return { speakerId: cast.character.id, speakerName: cast.character.name, promptMode: settings.promptMode, cards };
}

/**
 * What a group turn's world info reads besides the speaker's books: the other members in the scene (unmuted ones,
 * or every member when the group's prompt carries muted members' cards too) and the group's own books. SillyTavern
 * reads only the speaker's books; Parley lets every member's lore hold in the scene (docs/architecture.md).
 */
export function groupWorldInfo(cast: Cast): { members: CharacterRecord[]; books: string[] } | undefined {
  if (!cast.group) return undefined;
  const withMuted = cast.group.group.settings.promptMode === 'join_with_muted';
  const members = cast.group.members.filter((m) => withMuted || !m.muted).map((m) => m.character);
  return { members, books: cast.group.group.settings.books };
}
