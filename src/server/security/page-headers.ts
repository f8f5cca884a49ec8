import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

export interface PageHeadersOptions {
  /** config `allowRemoteImages`: images from other sites may load (they tell those sites who reads what). */
  allowRemoteImages: boolean;
}

/**
 * Security headers on every response, the app page's above all. The Content-Security-Policy lets only this
 * server's own scripts run (never inline ones, so injected markup cannot run even if the sanitizer missed it),
 * keeps the app out of frames, and loads images only from here, data: and blob: — unless the operator allows
 * remote images. No upgrade-insecure-requests and no HSTS: Parley is often reached over plain HTTP on a LAN, and
 * whether HTTPS is forced is the reverse proxy's call.
 * helmet's middleware is made once and run for each request (`@fastify/helmet` made it again for every request: its
 * objects, held while a save waits for its commit, were most of what 100 users' requests left for the old
 * generation; bench/README.md, chat-ops-concurrent).
 */
export function registerPageHeaders(app: FastifyInstance, options: PageHeadersOptions): void {
  const setHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        // Inline style attributes (message HTML of cards and regex scripts, filtered by web/render/safe-style.ts);
        // <style> elements and remote stylesheets stay refused.
        styleSrcAttr: ["'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:', ...(options.allowRemoteImages ? ['https:', 'http:'] : [])],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    strictTransportSecurity: false,
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
  // Before every other hook, so refusals, 404s and errors carry the headers too.
  app.addHook('onRequest', (request, reply, done) => setHeaders(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined)));
}
