/** Time source for the Vault test server. Tests pass a manual clock to expire tokens and leases without waiting. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export interface ManualClock extends Clock {
  advance(ms: number): void;
  set(ms: number): void;
}

export const systemClock: Clock = { now: () => Date.now() };

export function createManualClock(start = Date.UTC(2026, 0, 1)): ManualClock {
  let current = start;
  return {
    now: () => current,
    advance(ms) {
      if (!(ms >= 0)) throw new RangeError('a clock only moves forward');
      current += ms;
    },
    set(ms) {
      current = ms;
    },
  };
}
