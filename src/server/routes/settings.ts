import { IdParams } from '../../shared/api/ids.js';
import { CreatePersonaRequest, PersonaPatchRequest, SettingsPatchRequest, type Settings } from '../../shared/api/settings.js';
import type { AppContext } from '../app-context.js';
import { announce } from '../events/announce.js';
import { notFound } from '../errors/api-error.js';
import { sendBlob } from '../http/send-blob.js';
import type { ParleyApp } from '../http/parley-app.js';
import { createPersona, patchPersona, personaView } from '../services/personas.js';
import { patchSettings } from '../services/settings.js';

/** Per-user settings and personas, both written with the same idempotent-op semantics as chats. */
export function settingsRoutes(app: ParleyApp, ctx: AppContext) {
  const { store, clock } = ctx;
  const user = { auth: 'required' } as const;

  app.get('/api/settings', { config: user }, async (request): Promise<Settings> => {
    const { values, revision } = await store.settings.get(request.auth!.user.id);
    return { values, revision };
  });

  app.patch('/api/settings', { config: user, schema: { body: SettingsPatchRequest } }, async (request) => {
    const { opId, patch } = request.body;
    const result = await patchSettings(store, request.auth!.user.id, opId, patch, clock.now());
    if (result.status === 'applied') announce(ctx.changes, request, { type: 'settings', revision: result.revision });
    return result;
  });

  app.get('/api/personas', { config: user }, async (request) => (await store.personas.list(request.auth!.user.id)).map(personaView));

  app.post('/api/personas', { config: user, schema: { body: CreatePersonaRequest } }, async (request, reply) => {
    const body = request.body;
    const { persona, created } = await createPersona(store, request.auth!.user.id, body, clock.now());
    if (created) announce(ctx.changes, request, { type: 'personas' });
    return reply.status(created ? 201 : 200).send(personaView(persona));
  });

  app.patch('/api/personas/:id', { config: user, schema: { params: IdParams, body: PersonaPatchRequest } }, async (request) => {
    const { id } = request.params;
    const body = request.body;
    const { status, ...persona } = await patchPersona(store, request.auth!.user.id, id, body, clock.now());
    if (status === 'applied') announce(ctx.changes, request, { type: 'personas' });
    return { ...personaView(persona), status };
  });

  app.get('/api/personas/:id/avatar', { config: user, schema: { params: IdParams } }, async (request, reply) => {
    const { id } = request.params;
    const persona = await store.personas.get(request.auth!.user.id, id);
    return sendBlob(reply, persona?.avatarHash ? await store.blobs.get(persona.avatarHash) : undefined);
  });

  app.delete('/api/personas/:id', { config: user, schema: { params: IdParams } }, async (request, reply) => {
    const { id } = request.params;
    if (!(await store.personas.delete(request.auth!.user.id, id))) throw notFound('Persona');
    announce(ctx.changes, request, { type: 'personas' });
    return reply.status(204).send();
  });
}
