import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));

/** Serves the built React client from the same origin as the API; false when it has not been built. */
export async function registerWebClient(app: FastifyInstance): Promise<boolean> {
  if (!existsSync(`${WEB_ROOT}index.html`)) {
    app.log.warn(`web client not built (no ${WEB_ROOT}index.html); run npm run build`);
    return false;
  }
  await app.register(fastifyStatic, { root: WEB_ROOT, wildcard: true, index: 'index.html' });
  return true;
}
