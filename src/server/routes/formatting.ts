import { FormattingExportParams, FormattingImportRequest } from '../../shared/api/text-formatting.js';
import type { AppContext } from '../app-context.js';
import { announce } from '../events/announce.js';
import type { ParleyApp } from '../http/parley-app.js';
import { attachmentHeader } from '../http/uploads.js';
import { exportFormatting, formattingCatalogOf, importFormatting } from '../services/formatting.js';

/** Text completion's instruct and context templates and the sampler presets: the list, SillyTavern import and
 *  export. Editing, choosing and deleting are settings patches (`formatting`), through the outbox. */
export function formattingRoutes(app: ParleyApp, ctx: AppContext) {
  const { store, clock } = ctx;
  const user = { auth: 'required' } as const;

  app.get('/api/formatting', { config: user }, async (request) => formattingCatalogOf(store, request.auth!.user.id));

  app.post('/api/formatting/import', { config: user, schema: { body: FormattingImportRequest } }, async (request, reply) => {
    const { result, body } = await importFormatting(store, request.auth!.user.id, request.body, clock.now());
    if (result.status === 'applied') announce(ctx.changes, request, { type: 'settings', revision: result.revision });
    return reply.status(201).send(body);
  });

  app.get('/api/formatting/:kind/:id/export', { config: user, schema: { params: FormattingExportParams } }, async (request, reply) => {
    const { name, json } = await exportFormatting(store, request.auth!.user.id, request.params.kind, request.params.id);
    return reply.type('application/json; charset=utf-8').header('content-disposition', attachmentHeader(name, 'json')).send(JSON.stringify(json, null, 4));
  });
}
