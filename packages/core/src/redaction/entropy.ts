const counts = new Int32Array(128);

/** Shannon entropy in bits per character (UTF-16 code units); gates generic rules against ordinary words. */
export function shannonEntropy(s: string): number {
  const n = s.length;
  if (n === 0) return 0;
  let other: Map<number, number> | undefined;
  const seen: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) {
      if (counts[c] === 0) seen.push(c);
      counts[c] = (counts[c] as number) + 1;
    } else {
      other ??= new Map();
      other.set(c, (other.get(c) ?? 0) + 1);
    }
  }
  let h = 0;
  const add = (k: number): void => {
    const p = k / n;
    h -= p * Math.log2(p);
  };
  for (const c of seen) {
    add(counts[c] as number);
    counts[c] = 0;
  }
  if (other) for (const k of other.values()) add(k);
  return h;
}
