import type { CreatePersonaRequest, Persona, PersonaPatchRequest } from '../../shared/api/settings.js';
import { becomesDefault } from '../../shared/persona-choice.js';
import { notFound } from '../errors/api-error.js';
import { personaScope } from '../store/applied-ops-repository.js';
import type { PersonaRecord } from '../store/personas-repository.js';
import type { Store } from '../store/store.js';

export function personaView(p: PersonaRecord): Persona {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    isDefault: p.isDefault,
    avatarUrl: p.avatarHash ? `/api/personas/${p.id}/avatar?v=${p.avatarHash.slice(0, 16)}` : null,
    revision: p.revision,
    updatedAt: new Date(p.updatedAt).toISOString(),
  };
}

/**
 * Creates a persona under its client-made id; the same id again returns the first one untouched. The first persona
 * of an account becomes its default, so `{{user}}` is someone as soon as there is anyone. An `avatar` lands in the
 * same transaction: a persona never appears without the picture it came with.
 */
export async function createPersona(
  store: Store,
  userId: string,
  input: CreatePersonaRequest,
  now: number,
  avatar?: { bytes: Uint8Array; mime: string },
): Promise<{ persona: PersonaRecord; created: boolean }> {
  return store.transaction(async (repos) => {
    const existing = await repos.personas.get(userId, input.id);
    if (existing) return { persona: existing, created: false };
    const persona: PersonaRecord = {
      id: input.id,
      name: input.name,
      description: input.description,
      isDefault: becomesDefault(input.isDefault, (await repos.personas.list(userId)).length),
      avatarHash: avatar ? await repos.blobs.put(avatar.bytes, avatar.mime, now) : null,
      revision: 1,
      createdAt: now,
      updatedAt: now,
    };
    await repos.personas.insert(userId, persona);
    if (persona.isDefault) await repos.personas.clearDefault(userId, persona.id);
    return { persona, created: true };
  });
}

export async function patchPersona(
  store: Store,
  userId: string,
  id: string,
  request: PersonaPatchRequest,
  now: number,
): Promise<PersonaRecord & { status: 'applied' | 'duplicate' }> {
  return store.transaction(async (repos) => {
    const current = await repos.personas.lockForWrite(userId, id);
    if (!current) throw notFound('Persona');
    const scope = personaScope(userId);
    if (await repos.appliedOps.has(scope, request.opId)) return { ...current, status: 'duplicate' };
    const next: PersonaRecord = { ...current, ...request.patch, revision: current.revision + 1, updatedAt: now };
    await repos.personas.update(userId, next);
    if (request.patch.isDefault) await repos.personas.clearDefault(userId, id);
    await repos.appliedOps.record(scope, request.opId, now);
    return { ...next, status: 'applied' };
  });
}
