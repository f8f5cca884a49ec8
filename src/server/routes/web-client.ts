import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

// Built (dist/server/routes -> dist/web) or run from source by tsx in tests (src/server/routes -> dist/web).
const WEB_ROOT =
  [new URL('../../web/', import.meta.url), new URL('../../../dist/web/', import.meta.url)]
    .map((url) => fileURLToPath(url))
    .find((dir) => existsSync(`${dir}index.html`)) ?? fileURLToPath(new URL('../../web/', import.meta.url));

/** Serves the built React client from the same origin as the API; false when it has not been built. */
export async function registerWebClient(app: FastifyInstance): Promise<boolean> {
  if (!existsSync(`${WEB_ROOT}index.html`)) {
    app.log.warn(`web client not built (no ${WEB_ROOT}index.html); run npm run build`);
    return false;
  }
  await app.register(fastifyStatic, { root: WEB_ROOT, wildcard: true, index: 'index.html' });
  return true;
}
