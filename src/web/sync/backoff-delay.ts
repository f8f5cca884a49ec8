const BASE_MS = 500;
const CAP_MS = 30_000;

/**
 * Exponential backoff with "equal jitter": half the window fixed, half random, so a fleet of tabs that went
 * offline together does not come back in lockstep, and no retry is ever immediate. attempt 1 -> 250-500 ms,
 * doubling to a cap of 15-30 s.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const window = Math.min(CAP_MS, BASE_MS * 2 ** Math.max(0, attempt - 1));
  return window / 2 + random() * (window / 2);
}
