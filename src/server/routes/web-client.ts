import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { PACKAGE_ROOT } from '../package-root.js';

// Found from the package root: the same folder from src/ (tsx), from tsc's dist/server/ and from the bundle.
const WEB_ROOT = join(PACKAGE_ROOT, 'dist', 'web') + sep;

/** Serves the built React client from the same origin as the API; false when it has not been built. */
export async function registerWebClient(app: FastifyInstance): Promise<boolean> {
  if (!existsSync(`${WEB_ROOT}index.html`)) {
    app.log.warn(`web client not built (no ${WEB_ROOT}index.html); run npm run build`);
    return false;
  }
  await app.register(fastifyStatic, { root: WEB_ROOT, wildcard: true, index: 'index.html' });
  return true;
}
