import { z } from 'zod';
import { EntityId } from './ids.js';

/** GET /api/usage: token usage by day, for one connection, one chat, or everything of the user. */
export const UsageQuery = z.object({
  connectionId: EntityId.optional(),
  chatId: EntityId.optional(),
  /** How many days back, today included. */
  days: z.coerce.number().int().min(1).max(366).default(30),
  /** The reader's offset from UTC in minutes (UTC+2 is 120), so that days end at their midnight. */
  tzOffset: z.coerce.number().int().min(-840).max(840).default(0),
});
export type UsageQuery = z.infer<typeof UsageQuery>;

const Tokens = {
  replies: z.number().int(),
  promptTokens: z.number().int(),
  completionTokens: z.number().int(),
  cacheReadTokens: z.number().int(),
  cacheWriteTokens: z.number().int(),
  reasoningTokens: z.number().int(),
  /** Estimated from the connection's prices per million tokens; null when no connection involved has prices. */
  cost: z.number().nullable(),
};

export const UsageReport = z.object({
  /** Every day of the range, oldest first, days without replies included (zeros), as YYYY-MM-DD. */
  days: z.array(z.object({ day: z.string(), ...Tokens })),
  /** Per connection over the range; name null for a connection deleted since. */
  connections: z.array(z.object({ id: z.string(), name: z.string().nullable(), ...Tokens })),
  totals: z.object(Tokens),
});
export type UsageReport = z.infer<typeof UsageReport>;
export type UsageTokens = UsageReport['totals'];
