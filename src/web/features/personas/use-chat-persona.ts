import type { Character } from '../../../shared/api/characters.js';
import type { Chat } from '../../../shared/api/chats.js';
import type { Persona } from '../../../shared/api/settings.js';
import { choosePersona, type PersonaChoice } from '../../../shared/persona-choice.js';
import { useServices } from '../../ui/services.js';
import { usePendingChanges } from '../../ui/use-pending-changes.js';
import { useResource } from '../../ui/use-resource.js';
import { useSession } from '../../ui/use-session.js';
import { applyPendingPersonas } from './apply-pending-personas.js';

export interface ChatPersona {
  /** Every persona of the account, with changes still in the outbox laid over. */
  personas: Persona[];
  /** Who speaks, and why; null when no persona applies. */
  choice: PersonaChoice<Persona> | null;
  /** The name the user's messages carry: the persona's, else the account's. */
  name: string;
  avatarUrl: string | null;
  /** The picture of the persona a user message of this name came from (the speaking one first), if any. */
  avatarFor(name: string): string | null;
  /** The persona chosen for this chat and the one locked to its character, as the user last set them. */
  chatPersonaId: string | null;
  lockedPersonaId: string | null;
}

/**
 * Who the user is in this chat, decided by the rule the server uses for `{{user}}` (src/shared/persona-choice.ts),
 * with a choice or lock the user just made counted before the server has it.
 */
export function useChatPersona(chatId: string, chat: Chat | undefined, character: Character | null): ChatPersona {
  const { api } = useServices();
  const session = useSession();
  const server = useResource((signal) => api.settings.personas(signal), ['personas'], 'personas');
  const pendingPersonas = usePendingChanges((change) => (change.kind.startsWith('persona-') ? change : null), server.data);
  // usePendingChanges keeps its first `pick`: it picks every such change, and they are filtered below.
  const chosen = usePendingChanges(
    (change) => (change.kind === 'chat-op' && change.op.type === 'setPersona' ? { chatId: change.chatId, personaId: change.op.personaId } : null),
    chat,
  ).filter((change) => change.chatId === chatId);
  const locks = usePendingChanges(
    (change) => (change.kind === 'character-persona' ? { characterId: change.characterId, personaId: change.personaId } : null),
    character,
  ).filter((change) => change.characterId === character?.id);
  const personas = applyPendingPersonas(server.data ?? [], pendingPersonas);
  const chatPersonaId = chosen.length > 0 ? chosen.at(-1)!.personaId : (chat?.personaId ?? null);
  const lockedPersonaId = locks.length > 0 ? locks.at(-1)!.personaId : (character?.personaId ?? null);
  const choice = choosePersona(personas, { chat: chatPersonaId, character: lockedPersonaId });
  return {
    personas,
    choice,
    name: choice?.persona.name ?? session.user?.name ?? 'You',
    avatarUrl: choice?.persona.avatarUrl ?? null,
    avatarFor: (name) =>
      (choice?.persona.name === name ? choice.persona : personas.find((candidate) => candidate.name === name))?.avatarUrl ?? null,
    chatPersonaId,
    lockedPersonaId,
  };
}
