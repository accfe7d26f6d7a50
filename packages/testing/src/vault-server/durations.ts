/**
 * Vault's duration parameters: an integer number of seconds, a numeric string, or a Go duration string
 * ("90s", "5m", "1h30m", "1.5h"). Returns whole seconds, or undefined when absent; throws on garbage.
 */
const UNIT_SECONDS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
  d: 86_400,
};

export class DurationError extends Error {}

export function parseDuration(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new DurationError(`invalid duration ${String(value)}`);
    return Math.floor(value);
  }
  if (typeof value !== 'string') throw new DurationError('duration must be a string or a number');
  if (/^\d+$/.test(value)) return Number(value);
  const part = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/y;
  let total = 0;
  let at = 0;
  while (at < value.length) {
    part.lastIndex = at;
    const match = part.exec(value);
    if (!match) throw new DurationError(`invalid duration "${value}"`);
    total += Number(match[1]) * (UNIT_SECONDS[match[2] ?? 's'] ?? 1);
    at = part.lastIndex;
  }
  return Math.floor(total);
}

/** Go-style rendering used in Vault's warning strings, e.g. 90 -> "1m30s". */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${s}s`;
}
