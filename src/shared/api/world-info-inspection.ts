import { z } from 'zod';

/** Why an entry went into the prompt, or why one whose keys matched did not. */
export const WorldEntryOutcome = z.object({
  book: z.string(),
  uid: z.string(),
  name: z.string(),
  /** chat, persona, character or global: where the book was activated from. */
  source: z.string(),
  included: z.boolean(),
  /** constant | sticky | decorator | key, when included; probability | budget | group_* when not. */
  why: z.string(),
  /** The key that matched first. */
  matchedKey: z.string().optional(),
  /** 1: the first scan; more: recursion or a min-activations rescan. */
  step: z.number().int().optional(),
  /** before | after | an_top | an_bottom | at_depth | examples_top | examples_bottom | outlet. */
  position: z.string(),
  depth: z.number().int().optional(),
  role: z.string().optional(),
  outlet: z.string().optional(),
  tokens: z.number().int(),
});
export type WorldEntryOutcome = z.infer<typeof WorldEntryOutcome>;

/** The prompt inspector's account of world info for one generation. */
export const WorldInfoInspection = z.object({
  entries: z.array(WorldEntryOutcome),
  budget: z.object({ tokens: z.number().int(), used: z.number().int(), overflowed: z.boolean() }),
  /** Keys that did not count: regexes that do not compile, or that ran out of time. */
  problems: z.array(z.object({ book: z.string(), uid: z.string(), key: z.string(), problem: z.string(), detail: z.string() })),
  steps: z.number().int(),
});
export type WorldInfoInspection = z.infer<typeof WorldInfoInspection>;
