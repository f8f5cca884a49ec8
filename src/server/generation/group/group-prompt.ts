import type { CardData } from '../../../shared/api/characters.js';
import type { Message } from '../../../shared/api/chats.js';
import type { ConnectionApi, GenerationMode } from '../../../shared/api/generation.js';
import type { GroupSettings } from '../../../shared/api/groups.js';

/** A member whose card the prompt may carry. */
export interface PromptMember {
  id: string;
  muted: boolean;
  card: CardData;
}

/** Asks a chat model to answer as the one member only (the text is Parley's; SillyTavern has its own "group nudge"). */
export const GROUP_NUDGE = '[Reply only as {{char}}, in their voice; do not write for anyone else.]';

const CHAR_MACRO = /\{\{char\}\}|<(?:BOT|CHAR)>/gi;
const FIELD_NAME = /<FIELDNAME>/gi;

/**
 * The card the prompt is assembled from in a group: the speaker's own (swap), or every member's description,
 * personality, scenario and examples joined (join; muted members left out unless speaking, or kept with
 * join_with_muted), each wrapped in the group's prefix and suffix. In joined text {{char}} is the member who wrote
 * it, as in SillyTavern. The group's scenario and system prompt, when set, replace the cards'. For chat models the
 * group nudge follows the post-history instructions.
 */
export function groupCard(input: {
  speaker: PromptMember;
  members: readonly PromptMember[];
  settings: GroupSettings;
  api: ConnectionApi;
  mode: GenerationMode;
}): CardData {
  const { speaker, settings } = input;
  const joined = settings.promptMode !== 'swap';
  const carried = carriedMembers(speaker, input.members, settings);
  const join = (field: 'description' | 'personality' | 'scenario' | 'mes_example', label: string) =>
    carried
      .map((m) => wrapped(m.card[field] ?? '', m.card.name, label, settings))
      .filter(Boolean)
      .join('\n');
  const own = speaker.card;
  const card: CardData = joined
    ? { ...own, description: join('description', 'Description'), personality: join('personality', 'Personality'), scenario: join('scenario', 'Scenario'), mes_example: join('mes_example', 'Example Messages') }
    : { ...own };
  if (settings.scenario.trim()) card.scenario = settings.scenario;
  if (settings.systemPrompt.trim()) card.system_prompt = settings.systemPrompt;
  const chatModel = input.api === 'chat-completions' || input.api === 'anthropic' || input.api === 'google';
  if (chatModel && input.mode !== 'impersonate') {
    card.post_history_instructions = [own.post_history_instructions ?? '', GROUP_NUDGE].filter(Boolean).join('\n');
  }
  return card;
}

/** Whose cards the prompt carries: the speaker alone (swap), or the members (join; muted ones only when speaking). */
export function carriedMembers(speaker: PromptMember, members: readonly PromptMember[], settings: GroupSettings): PromptMember[] {
  if (settings.promptMode === 'swap') return [speaker];
  return members
    .filter((m) => m.id === speaker.id || !m.muted || settings.promptMode === 'join_with_muted')
    .map((m) => (m.id === speaker.id ? speaker : m));
}

function wrapped(value: string, name: string, label: string, settings: GroupSettings): string {
  const text = value.trim();
  if (!text) return '';
  const own = (s: string) => s.replace(FIELD_NAME, label).replace(CHAR_MACRO, name);
  return [own(settings.joinPrefix), own(text), own(settings.joinSuffix)].filter(Boolean).join('\n');
}

/**
 * Chat models see roles, not names; in a group the names say who said what, so each message's text starts with
 * "Name: " (as SillyTavern does in groups). Text completion writes names already.
 */
export function namesInHistory(history: readonly Message[], api: ConnectionApi): Message[] {
  if (api === 'text-completions' || api === 'local') return [...history];
  return history.map((m) => (m.name ? { ...m, content: `${m.name}: ${m.content}` } : m));
}
