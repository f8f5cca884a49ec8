import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';

export type { ZodTypeProvider };

/**
 * The app as routes see it: route schemas are zod schemas (src/shared/api), so a handler's `request.params`,
 * `query` and `body` are the parsed, typed values — validated before the handler runs.
 */
export type ParleyApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;
