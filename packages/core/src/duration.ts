/** Durations are strings such as "500ms", "60s", "5m", "1h", "1h30m", or a number of milliseconds. */
export type Duration = string | number;

const unitMs = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const whole = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

export const DURATION_EXPECTED =
  'expected a duration between 1ms and 24d such as "60s", "5m" or a number of milliseconds';

/** Timers cannot wait longer than 2^31-1 ms (about 24.8 days): Node fires longer ones after 1 ms. */
export const MAX_DURATION_MS = 24 * 86_400_000;

const inRange = (ms: number) => (ms >= 1 && ms <= MAX_DURATION_MS ? ms : undefined);

/** Parses a duration; returns undefined unless it is between 1 ms and 24 days. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) ? inRange(Math.round(value)) : undefined;
  }
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (!whole.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(part)) {
    total += Number(amount) * unitMs[unit as keyof typeof unitMs];
  }
  return inRange(Math.round(total));
}

/** Formats milliseconds back into the shortest exact duration string, for messages. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', unitMs.d],
    ['h', unitMs.h],
    ['m', unitMs.m],
    ['s', unitMs.s],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
