const counts = new Int32Array(128);
const seen = new Int32Array(128);

/** Shannon entropy in bits per character (UTF-16 code units); gates generic rules against ordinary words. */
export function shannonEntropy(s: string): number {
  const n = s.length;
  if (n === 0) return 0;
  // H = log2(n) - (1/n) * sum(k * log2(k)) over the character counts k. ASCII is counted in a typed array
  // (this runs on every generic-rule hit); anything else in a Map.
  let other: Map<number, number> | undefined;
  let distinct = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) {
      if (counts[c] === 0) seen[distinct++] = c;
      counts[c] = (counts[c] as number) + 1;
    } else {
      other ??= new Map();
      other.set(c, (other.get(c) ?? 0) + 1);
    }
  }
  let sum = 0;
  for (let j = 0; j < distinct; j++) {
    const c = seen[j] as number;
    const k = counts[c] as number;
    sum += k * Math.log2(k);
    counts[c] = 0;
  }
  if (other) for (const k of other.values()) sum += k * Math.log2(k);
  return Math.log2(n) - sum / n;
}
