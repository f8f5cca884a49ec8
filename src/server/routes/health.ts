import type { ParleyApp } from '../http/parley-app.js';

export function healthRoutes(app: ParleyApp) {
  app.get('/healthz', { config: { auth: 'none' } }, async () => ({ ok: true }));
}
