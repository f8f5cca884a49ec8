/** Why a persona speaks in a chat: chosen for it, locked to its character, or the default. */
export type PersonaSource = 'chat' | 'character' | 'default';

export interface PersonaChoice<P> {
  persona: P;
  source: PersonaSource;
}

/**
 * Who the user is in a chat, as SillyTavern decides it: the persona chosen for the chat, else the one locked to its
 * character, else the default one; null when none applies (the account's name speaks). An id naming a persona that
 * was deleted counts as none. The server fills `{{user}}` with it and the client shows it in the chat header.
 */
export function choosePersona<P extends { id: string; isDefault: boolean }>(
  personas: readonly P[],
  ids: { chat: string | null | undefined; character: string | null | undefined },
): PersonaChoice<P> | null {
  const byId = (id: string | null | undefined) => (id ? personas.find((persona) => persona.id === id) : undefined);
  const chosen = byId(ids.chat);
  if (chosen) return { persona: chosen, source: 'chat' };
  const locked = byId(ids.character);
  if (locked) return { persona: locked, source: 'character' };
  const fallback = personas.find((persona) => persona.isDefault);
  return fallback ? { persona: fallback, source: 'default' } : null;
}

/** Whether a new persona becomes the default: when asked, and always when it is the account's first. */
export const becomesDefault = (asked: boolean, existingPersonas: number): boolean => asked || existingPersonas === 0;
