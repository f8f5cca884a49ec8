import { z } from 'zod';

/**
 * Client-made ids (UUIDs, ULIDs, nanoids) double as idempotency keys, so they are opaque strings in a safe
 * alphabet: never a path, never markup.
 */
export const ClientId = z
  .string()
  .min(8)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, "_" and "-" only');
export type ClientId = z.infer<typeof ClientId>;

/** Server-made ids (UUIDs) in URLs. */
export const EntityId = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'not an id');
export const IdParams = z.object({ id: EntityId });

/** JSON that must not carry NUL characters (they break exports and some databases). */
export const SafeText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !s.includes('\u0000'), 'must not contain NUL characters');
