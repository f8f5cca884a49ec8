import { Readable } from 'node:stream';
import type { AppContext } from '../app-context.js';
import { zipStream } from '../formats/zip-stream.js';
import type { ParleyApp } from '../http/parley-app.js';
import { attachmentHeader } from '../http/uploads.js';
import { libraryExportEntries } from '../services/library-export.js';

/** "Export everything": the user's whole library as a zip of SillyTavern files, streamed as it is made. */
export function exportRoutes(app: ParleyApp, ctx: AppContext) {
  app.get('/api/export', { config: { auth: 'required' } }, async (request, reply) => {
    const user = request.auth!.user;
    const day = new Date(ctx.clock.now()).toISOString().slice(0, 10);
    return reply
      .type('application/zip')
      .header('content-disposition', attachmentHeader(`parley-export-${user.handle}-${day}`, 'zip'))
      .header('cache-control', 'no-store')
      .send(Readable.from(zipStream(libraryExportEntries(ctx.store, user))));
  });
}
