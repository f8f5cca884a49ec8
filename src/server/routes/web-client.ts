import { existsSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PACKAGE_ROOT } from '../package-root.js';

// Found from the package root: the same folder from src/ (tsx), from tsc's dist/server/ and from the bundle.
const WEB_ROOT = join(PACKAGE_ROOT, 'dist', 'web') + sep;

/**
 * Whether a path that no route has is one of the web client's own (a deep link such as /chats/<id>), answered with
 * its page, rather than an API path, answered 404. Judged on the decoded path, as the router sees it.
 */
export function isClientPath(request: FastifyRequest): boolean {
  const path = request.url.split('?', 1)[0] ?? '';
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return false;
  }
  const normal = decoded.toLowerCase().replace(/\/{2,}/g, '/');
  return !(normal === '/api' || normal.startsWith('/api/') || normal.startsWith('/api;'));
}

/**
 * Serves the built React client from the same origin as the API, its files public (`auth: 'none'`); returns the
 * app page (index.html) for deep links, or null when the client has not been built.
 */
export async function registerWebClient(app: FastifyInstance): Promise<string | null> {
  if (!existsSync(`${WEB_ROOT}index.html`)) {
    app.log.warn(`web client not built (no ${WEB_ROOT}index.html); run npm run build`);
    return null;
  }
  await app.register(async (scope) => {
    // The plugin's routes declare nothing of their own; files of the client are for anyone, like the page itself.
    scope.addHook('onRoute', (route) => {
      route.config = { ...route.config, auth: 'none' };
    });
    await scope.register(fastifyStatic, { root: WEB_ROOT, wildcard: true, index: 'index.html', decorateReply: false });
  });
  return readFileSync(`${WEB_ROOT}index.html`, 'utf8');
}
