import { describe, expect, it } from 'vitest';
import { createIsoClock } from './iso-time.js';

describe('iso clock', () => {
  it('formats exactly as Date#toISOString, across millisecond, second, day and year boundaries', () => {
    let t = 0;
    const iso = createIsoClock(() => t);
    const starts = [
      0,
      Date.UTC(2026, 10, 26, 4, 59, 59, 990),
      Date.UTC(1999, 11, 31, 23, 59, 59, 0),
      -1500,
      1.5e12,
    ];
    for (const start of starts) {
      for (let d = 0; d < 2_500; d += 7) {
        t = start + d;
        expect(iso()).toBe(new Date(t).toISOString());
        expect(iso()).toBe(new Date(t).toISOString()); // same millisecond again
      }
    }
    // Clocks that go backwards (a test clock, an NTP step) and fractional milliseconds.
    for (const v of [5_000, 4_999, 5_000.25, 5_000.75, 1_000, 1e15]) {
      t = v;
      expect(iso()).toBe(new Date(v).toISOString());
    }
  });

  it('an invalid time throws as Date#toISOString does', () => {
    const iso = createIsoClock(() => NaN);
    expect(() => iso()).toThrow(RangeError);
  });
});
