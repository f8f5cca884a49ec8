import { IdParams } from '../../shared/api/ids.js';
import type { AppContext } from '../app-context.js';
import { announce } from '../events/announce.js';
import type { ParleyApp } from '../http/parley-app.js';
import { readUpload, uploadedFile } from '../http/uploads.js';
import { setCharacterAvatar, setPersonaAvatar } from '../services/avatars.js';
import { characterView } from '../services/characters.js';
import { personaView } from '../services/personas.js';

/**
 * New pictures for characters and personas: multipart field `file`, a PNG, JPEG, WebP or GIF (the web client sends
 * the square or portrait the user framed), at most `limits.cardUploadMb`. Putting the same picture again is the
 * same state, so a retry is harmless.
 */
export function avatarRoutes(app: ParleyApp, ctx: AppContext) {
  const { store, clock } = ctx;
  const user = { auth: 'required' } as const;

  app.put('/api/characters/:id/avatar', { config: user, schema: { params: IdParams } }, async (request) => {
    const bytes = await readUpload(await uploadedFile(request, ctx.config.limits.cardUploadMb));
    const record = await setCharacterAvatar(store, request.auth!.user.id, request.params.id, bytes, clock.now());
    announce(ctx.changes, request, { type: 'characters' });
    return characterView(record);
  });

  app.put('/api/personas/:id/avatar', { config: user, schema: { params: IdParams } }, async (request) => {
    const bytes = await readUpload(await uploadedFile(request, ctx.config.limits.cardUploadMb));
    const persona = await setPersonaAvatar(store, request.auth!.user.id, request.params.id, bytes, clock.now());
    announce(ctx.changes, request, { type: 'personas' });
    return personaView(persona);
  });
}
