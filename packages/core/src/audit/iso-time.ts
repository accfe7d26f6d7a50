/**
 * Formats epoch milliseconds as `Date#toISOString` does, for audit times. A call records three or four events a few
 * microseconds apart; formatting a Date each time showed up in profiles (it runs cold, between tool calls). Within
 * one second only the milliseconds change, so the rest of the string is kept and reused.
 */
/** '000' to '999': no number formatting per event. */
const MILLIS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

export function createIsoClock(now: () => number): () => string {
  let lastMs = NaN;
  let last = '';
  let second = NaN;
  let prefix = ''; // up to and including the '.' before the milliseconds
  return () => {
    const ms = now();
    if (ms === lastMs) return last;
    lastMs = ms;
    const s = Math.floor(ms / 1000);
    if (s !== second || !Number.isInteger(ms)) {
      const full = new Date(ms).toISOString(); // throws RangeError for an invalid time, as before
      if (!Number.isInteger(ms)) {
        second = NaN;
        return (last = full);
      }
      second = s;
      prefix = full.slice(0, -4);
      return (last = full);
    }
    return (last = `${prefix}${MILLIS[ms - s * 1000] ?? ''}Z`);
  };
}
