/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed-array hot loops; indices are in range by construction */
import { FOLD, Q, gramHash, mix } from './fold-hash.js';
import type { PatternStore } from './sampled-index.js';

const PREFIX_BITS = 16;

/**
 * Answers "is this suffix of the text the beginning of a registered form?", for the stream hold-back and the
 * truncated-tail check. Suffixes shorter than Q are answered by per-length counters of hashed prefixes (a false
 * "yes" only holds back a character longer); longer ones by a chain of patterns keyed by their first Q characters,
 * then an exact comparison.
 */
export class HeadIndex {
  /** counts[L - 1][bucket]: live patterns whose first L folded characters hash to bucket (L < Q). */
  private readonly counts: Int32Array[] = [];
  private tbits = 8;
  private heads = new Int32Array(1 << 8).fill(-1);
  private eHash = new Int32Array(256);
  private eNext = new Int32Array(256);
  private filter = new Uint8Array(1 << 15);
  private live = 0;
  private stale = 0;
  /**
   * Bit per 21-bit key of the first 3 raw characters (7 bits each) of every pattern, in both spellings: one
   * shift-or and one bit test per text position, ~3x cheaper than rolling the folded Q-gram hash, so the per-position
   * scans (truncated tail, stream hold-back) test it first. Bits are only set (stale ones after removals just
   * cost a closer look) and are rebuilt with the chains.
   */
  readonly head3 = new Uint8Array(1 << 18);

  constructor() {
    for (let l = 1; l < Q; l++) this.counts.push(new Int32Array(1 << PREFIX_BITS));
  }

  add(id: number, s: string, store: PatternStore): void {
    // Prefix hashes of every length, incrementally (gramHash(s, 0, l) for l = 1..Q).
    let h = 0;
    for (let l = 1; l < Q; l++) {
      h = (Math.imul(h, 31) + FOLD[s.charCodeAt(l - 1)]!) | 0;
      this.counts[l - 1]![mix(h) >>> (32 - PREFIX_BITS)]!++;
    }
    if (id >= this.eHash.length) this.growTo(id + 1);
    h = (Math.imul(h, 31) + FOLD[s.charCodeAt(Q - 1)]!) | 0;
    const x = mix(h);
    this.eHash[id] = h;
    const slot = x >>> (32 - this.tbits);
    this.eNext[id] = this.heads[slot]!;
    this.heads[slot] = id;
    const f = x >>> 14;
    this.filter[f >>> 3]! |= 1 << (f & 7);
    this.setHead3(s);
    const b = store.alt1[id];
    if (b !== undefined) this.setHead3(b);
    this.live++;
    if (this.live > 1 << this.tbits) this.rehash(store);
  }

  private setHead3(s: string): void {
    const k = key3(s, 0);
    this.head3[k >>> 3]! |= 1 << (k & 7);
  }

  /** False when no pattern starts with the 3 characters whose key3 is k. */
  mayStart3(k: number): boolean {
    return (this.head3[k >>> 3]! & (1 << (k & 7))) !== 0;
  }

  remove(id: number, s: string, store: PatternStore): void {
    for (let l = 1; l < Q; l++) this.counts[l - 1]![mix(gramHash(s, 0, l)) >>> (32 - PREFIX_BITS)]!--;
    const slot = mix(this.eHash[id]!) >>> (32 - this.tbits);
    let prev = -1;
    for (let e = this.heads[slot]!; e !== -1; prev = e, e = this.eNext[e]!) {
      if (e !== id) continue;
      if (prev === -1) this.heads[slot] = this.eNext[e]!;
      else this.eNext[prev] = this.eNext[e]!;
      break;
    }
    this.live--;
    if (++this.stale > 4096 && this.stale > this.live) this.rehash(store);
  }

  /**
   * True when text[p, end) is a proper prefix of some pattern (could still grow into a registered form).
   * `h` is the folded hash of text[p, p + Q) when end - p >= Q (the caller rolls it), ignored otherwise.
   */
  isLive(text: string, p: number, end: number, h: number, store: PatternStore): boolean {
    const len = end - p;
    if (len < Q) return this.counts[len - 1]![mix(gramHash(text, p, len)) >>> (32 - PREFIX_BITS)]! > 0;
    return this.prefixOwner(text, p, end, h, store) !== -1;
  }

  /** False when no pattern starts with the Q characters hashing to h (one bit test; callers inline it). */
  mayPrefix(h: number): boolean {
    const f = mix(h) >>> 14;
    return (this.filter[f >>> 3]! & (1 << (f & 7))) !== 0;
  }

  /** Id of a pattern longer than end - p (>= Q) that starts with text[p, end), or -1. */
  prefixOwner(text: string, p: number, end: number, h: number, store: PatternStore): number {
    const x = mix(h);
    const f = x >>> 14;
    if ((this.filter[f >>> 3]! & (1 << (f & 7))) === 0) return -1;
    const len = end - p;
    for (let e = this.heads[x >>> (32 - this.tbits)]!; e !== -1; e = this.eNext[e]!) {
      if (this.eHash[e] !== h) continue;
      const a = store.alt0[e]!;
      if (a.length <= len) continue;
      if (samePrefix(text, p, a, len)) return e;
      const b = store.alt1[e];
      if (b !== undefined && samePrefix(text, p, b, len)) return e;
    }
    return -1;
  }

  /**
   * The leftmost p in [from, end - minLen] such that text[p, end) is a proper prefix of a pattern, as
   * [p, patternId], or undefined. Rolls the hash so each position costs a few operations.
   */
  leftmostTail(
    text: string,
    from: number,
    end: number,
    minLen: number,
    store: PatternStore,
  ): [number, number] | undefined {
    const lastP = end - Math.max(minLen, Q);
    if (lastP < from || this.live === 0) return undefined;
    let k = key3(text, from);
    for (let p = from; ; ) {
      if (this.mayStart3(k)) {
        const h = gramHash(text, p, Q);
        if (this.mayPrefix(h)) {
          const id = this.prefixOwner(text, p, end, h, store);
          if (id !== -1) return [p, id];
        }
      }
      if (p === lastP) return undefined;
      k = ((k << 7) | (text.charCodeAt(p + 3) & 127)) & 0x1fffff;
      p++;
    }
  }

  private growTo(n: number): void {
    let size = this.eHash.length;
    while (size < n) size *= 2;
    const a = new Int32Array(size);
    a.set(this.eHash);
    this.eHash = a;
    const b = new Int32Array(size);
    b.set(this.eNext);
    this.eNext = b;
  }

  private rehash(store: PatternStore): void {
    while (this.live > 1 << this.tbits) this.tbits++;
    this.heads = new Int32Array(1 << this.tbits).fill(-1);
    this.filter.fill(0);
    this.head3.fill(0);
    const { alt0, alt1 } = store;
    for (let id = 0; id < alt0.length; id++) {
      const a = alt0[id];
      if (!a) continue; // removed ids are kept as ''
      this.setHead3(a);
      const b = alt1[id];
      if (b !== undefined) this.setHead3(b);
      const x = mix(this.eHash[id]!);
      const slot = x >>> (32 - this.tbits);
      this.eNext[id] = this.heads[slot]!;
      this.heads[slot] = id;
      const f = x >>> 14;
      this.filter[f >>> 3]! |= 1 << (f & 7);
    }
    this.stale = 0;
  }
}

/** The 21-bit key of s[i, i + 3): 7 bits of each code unit (non-ASCII aliases, which only adds candidates). */
export function key3(s: string, i: number): number {
  return ((s.charCodeAt(i) & 127) << 14) | ((s.charCodeAt(i + 1) & 127) << 7) | (s.charCodeAt(i + 2) & 127);
}

function samePrefix(text: string, p: number, pat: string, len: number): boolean {
  for (let k = 0; k < len; k++) if (text.charCodeAt(p + k) !== pat.charCodeAt(k)) return false;
  return true;
}
