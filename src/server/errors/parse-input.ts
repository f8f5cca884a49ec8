import type { z } from 'zod';
import { ApiError } from './api-error.js';

/** Parses request input with a shared schema; a mismatch is a 400 naming each bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'request body'): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => ({
    path: issue.path.join('.') || '(root)',
    message: issue.message,
  }));
  const summary = problems
    .slice(0, 3)
    .map((p) => `${p.path}: ${p.message}`)
    .join('; ');
  throw new ApiError('invalid_request', `Invalid ${what}: ${summary}`, { problems });
}
