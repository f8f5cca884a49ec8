/** The time source of the server. Tests inject their own to simulate days of use in milliseconds. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
