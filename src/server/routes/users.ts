import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CreateUserRequest, Handle, UpdateUserRequest } from '../../shared/api/session.js';
import type { AppContext } from '../app-context.js';
import { parseInput } from '../http/validate.js';
import { toPublicUser } from '../security/accounts.js';

const HandleParams = z.object({ handle: Handle });

/** Admin user management. */
export function userRoutes(app: FastifyInstance, ctx: AppContext) {
  const admin = { config: { admin: true } };

  app.get('/api/users', admin, async () => (await ctx.accounts.list()).map(toPublicUser));

  app.post('/api/users', admin, async (request, reply) => {
    const body = parseInput(CreateUserRequest, request.body);
    const user = await ctx.accounts.create(body);
    return reply.status(201).send(toPublicUser(user));
  });

  app.patch('/api/users/:handle', admin, async (request) => {
    const { handle } = parseInput(HandleParams, request.params, 'user handle');
    const body = parseInput(UpdateUserRequest, request.body);
    return toPublicUser(await ctx.accounts.update(handle, body));
  });

  app.delete('/api/users/:handle', admin, async (request, reply) => {
    const { handle } = parseInput(HandleParams, request.params, 'user handle');
    await ctx.accounts.delete(handle);
    return reply.status(204).send();
  });
}
