import type { FastifyInstance } from 'fastify';

export function healthRoutes(app: FastifyInstance) {
  app.get('/healthz', { config: { auth: 'none' } }, async () => ({ ok: true }));
}
