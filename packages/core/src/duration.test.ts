import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['60s', 60_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1_500],
    ['2d', 172_800_000],
    [1234, 1234],
  ])('parses %s', (input, ms) => expect(parseDuration(input)).toBe(ms));

  it.each(['', '5', '5 m', '-5s', '0s', 'five minutes', '5M', 0, -1, Number.NaN, Infinity, null, {}])(
    'rejects %s',
    (input) => expect(parseDuration(input)).toBeUndefined(),
  );

  it('formats back to the shortest exact unit', () => {
    expect(formatDuration(300_000)).toBe('5m');
    expect(formatDuration(1_500)).toBe('1500ms');
    expect(formatDuration(3_600_000)).toBe('1h');
  });
});
