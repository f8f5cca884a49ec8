import { z } from 'zod';
import { CreateUserRequest, Handle, UpdateUserRequest } from '../../shared/api/session.js';
import type { AppContext } from '../app-context.js';
import type { ParleyApp } from '../http/parley-app.js';
import { toPublicUser } from '../security/accounts.js';

const HandleParams = z.object({ handle: Handle });

/** Admin user management. */
export function userRoutes(app: ParleyApp, ctx: AppContext) {
  const admin = { auth: 'admin' } as const;

  app.get('/api/users', { config: admin }, async () => (await ctx.accounts.list()).map(toPublicUser));

  app.post('/api/users', { config: admin, schema: { body: CreateUserRequest } }, async (request, reply) => {
    const body = request.body;
    const user = await ctx.accounts.create(body);
    return reply.status(201).send(toPublicUser(user));
  });

  app.patch('/api/users/:handle', { config: admin, schema: { params: HandleParams, body: UpdateUserRequest } }, async (request) => {
    const { handle } = request.params;
    const body = request.body;
    return toPublicUser(await ctx.accounts.update(handle, body));
  });

  app.delete('/api/users/:handle', { config: admin, schema: { params: HandleParams } }, async (request, reply) => {
    const { handle } = request.params;
    await ctx.accounts.delete(handle);
    return reply.status(204).send();
  });
}
