import type { Persona } from '../../../shared/api/settings.js';
import { becomesDefault } from '../../../shared/persona-choice.js';
import type { Change } from '../../sync/change.js';

/** The personas as the user should see them: the server's list with the outbox's waiting changes on top. */
export function applyPendingPersonas(server: readonly Persona[], pending: readonly Change[]): Persona[] {
  let list = [...server];
  const clearDefault = () => (list = list.map((persona) => ({ ...persona, isDefault: false })));
  for (const change of pending) {
    if (change.kind === 'persona-create') {
      if (list.some((persona) => persona.id === change.request.id)) continue;
      const isDefault = becomesDefault(change.request.isDefault, list.length);
      if (isDefault) clearDefault();
      list.push({
        ...change.request,
        isDefault,
        avatarUrl: null,
        revision: 0,
        updatedAt: new Date().toISOString(),
      });
    } else if (change.kind === 'persona-patch') {
      if (change.request.patch.isDefault) clearDefault();
      list = list.map((persona) => (persona.id === change.personaId ? { ...persona, ...change.request.patch } : persona));
    } else if (change.kind === 'persona-delete') {
      list = list.filter((persona) => persona.id !== change.personaId);
    }
  }
  return list;
}
