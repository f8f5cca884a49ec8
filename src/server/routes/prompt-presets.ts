import { IdParams } from '../../shared/api/ids.js';
import { ImportPromptPresetRequest } from '../../shared/api/prompt-manager.js';
import type { ResolvedOverridesView } from '../../shared/api/generation-overrides.js';
import type { AppContext } from '../app-context.js';
import { announce } from '../events/announce.js';
import { attachmentHeader } from '../http/uploads.js';
import { chatAccess } from '../services/chat-access.js';
import type { ParleyApp } from '../http/parley-app.js';
import { exportPreset, importPreset } from '../services/prompt-presets.js';
import { overridesView } from '../services/generation-overrides.js';

/**
 * The prompt manager's presets (SillyTavern's chat-completion preset files in and out; edits go through the settings
 * patch like every other setting) and what a chat's generation uses, with where each choice comes from.
 */
export function promptPresetRoutes(app: ParleyApp, ctx: AppContext) {
  const { store, clock } = ctx;
  const user = { auth: 'required' } as const;

  app.post('/api/prompt-presets/import', { config: user, schema: { body: ImportPromptPresetRequest } }, async (request) => {
    const { preset, revision } = await importPreset(store, request.auth!.user.id, request.body, clock.now());
    announce(ctx.changes, request, { type: 'settings', revision });
    return { preset, revision };
  });

  app.get('/api/prompt-presets/:id/export', { config: user, schema: { params: IdParams } }, async (request, reply) => {
    const { name, file } = await exportPreset(store, request.auth!.user.id, request.params.id);
    return reply.header('content-disposition', attachmentHeader(name, 'json')).type('application/json').send(JSON.stringify(file, null, 4));
  });

  app.get('/api/chats/:id/overrides', { config: user, schema: { params: IdParams } }, async (request): Promise<ResolvedOverridesView> => {
    // A shared chat's replies use its owner's library and settings: the view is the owner's.
    const { chat, ownerId } = await chatAccess(store, request.auth!.user.id, request.params.id, 'read');
    const character = chat.characterId ? ((await store.characters.get(ownerId, chat.characterId)) ?? null) : null;
    return overridesView(store, ownerId, chat, character);
  });
}
