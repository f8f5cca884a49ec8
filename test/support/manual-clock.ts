import type { Clock } from '../../src/server/clock.js';

/** A clock the test moves by hand: days of use pass in microseconds. */
export class ManualClock implements Clock {
  #now: number;

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  advance(ms: number): void {
    this.#now += ms;
  }

  advanceSeconds(s: number): void {
    this.advance(s * 1000);
  }
}

export const DAY_S = 86_400;
