/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed-array hot loops; indices are in range by construction */
import { FOLD, Q, ROLL_OUT, gramHash, mix } from './fold-hash.js';
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

  constructor() {
    for (let l = 1; l < Q; l++) this.counts.push(new Int32Array(1 << PREFIX_BITS));
  }

  add(id: number, s: string, store: PatternStore): void {
    for (let l = 1; l < Q; l++) this.counts[l - 1]![mix(gramHash(s, 0, l)) >>> (32 - PREFIX_BITS)]!++;
    if (id >= this.eHash.length) this.growTo(id + 1);
    const h = gramHash(s, 0, Q);
    const x = mix(h);
    this.eHash[id] = h;
    const slot = x >>> (32 - this.tbits);
    this.eNext[id] = this.heads[slot]!;
    this.heads[slot] = id;
    const f = x >>> 14;
    this.filter[f >>> 3]! |= 1 << (f & 7);
    this.live++;
    if (this.live > 1 << this.tbits) this.rehash(store);
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
    let h = gramHash(text, from, Q);
    for (let p = from; ; ) {
      const id = this.prefixOwner(text, p, end, h, store);
      if (id !== -1) return [p, id];
      if (p === lastP) return undefined;
      h =
        (Math.imul(h - Math.imul(FOLD[text.charCodeAt(p)]!, ROLL_OUT), 31) + FOLD[text.charCodeAt(p + Q)]!) |
        0;
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
    const { alt0 } = store;
    for (let id = 0; id < alt0.length; id++) {
      if (!alt0[id]) continue; // removed ids are kept as ''
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

function samePrefix(text: string, p: number, pat: string, len: number): boolean {
  for (let k = 0; k < len; k++) if (text.charCodeAt(p + k) !== pat.charCodeAt(k)) return false;
  return true;
}
