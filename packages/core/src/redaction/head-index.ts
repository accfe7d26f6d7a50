/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed-array hot loops; indices are in range by construction */
import { FOLD, Q, gramHash, mix } from './fold-hash.js';
import { Spelling, otherCode } from './known-forms.js';
import type { PatternStore } from './sampled-index.js';

const PREFIX_BITS = 16;
/** Size bounds of the key4 bitmap (head4), in log2 bits: 4 KB to 512 KB. */
const HEAD4_MIN_BITS = 15;
const HEAD4_MAX_BITS = 22;
/** Size bounds of the head Q-gram filter, in log2 bits: 32 KB to 256 KB (larger missed L2 on every insert). */
const FILTER_MIN_BITS = 18;
const FILTER_MAX_BITS = 21;
/** Multiplier spreading a key4 over the bitmap's index bits (its top bits are taken). */
export const GOLDEN = 0x9e3779b1;

/**
 * Answers "is this suffix of the text the beginning of a registered form?", for the stream hold-back and the
 * truncated-tail check. Suffixes shorter than Q are answered by per-length counters of hashed prefixes (a false
 * "yes" only holds back a character longer); longer ones by a chain of patterns keyed by their first Q characters,
 * then an exact comparison.
 */
export class HeadIndex {
  /**
   * counts[L - 1][bucket]: live patterns whose first L folded characters hash to bucket (L < Q). Only stream
   * redactors ask about suffixes that short, so the counters are built on the first such question (five random
   * increments per pattern were a tenth of the cost of registering 10,000 values) and kept up to date after.
   */
  private counts: Int32Array[] | undefined;
  private tbits = 8;
  private heads = new Int32Array(1 << 8).fill(-1);
  private eHash = new Int32Array(256);
  private eNext = new Int32Array(256);
  /**
   * Bit per hashed head Q-gram; ~128 bits per pattern (at least 32 KB), so that a text position whose 3-character
   * head passes rarely passes here by accident: each false pass sends a stream write down the general path.
   */
  private filter = new Uint8Array(1 << (FILTER_MIN_BITS - 3));
  private filterShift = 32 - FILTER_MIN_BITS;
  private live = 0;
  private stale = 0;
  /**
   * Bit per 21-bit key of the first 3 raw characters (7 bits each) of every pattern, in both spellings: one
   * shift-or and one bit test per text position, ~3x cheaper than rolling the folded Q-gram hash, so the
   * per-position scans (truncated tail, stream hold-back) test it first. Bits are only set (stale ones after
   * removals just cost a closer look) and are rebuilt with the chains.
   */
  readonly head3 = new Uint8Array(1 << 18);
  /**
   * For the stream's fast path: bit per hashed key4 (4 raw characters, 7 bits each) at offsets 0-3 of every
   * pattern, both spellings. Text sampled at every 4th position hits it inside any pattern start, so a stream
   * reads one key per 4 characters and looks closer only around a hit. Built on the first stream write (batch
   * redaction never needs it), then kept up to date; bits are only set.
   */
  private head4: Uint8Array | undefined;
  /** 32 - log2(bits of head4). */
  head4Shift = 0;

  /**
   * Sizes the tables for `live` patterns with ids below `ids`, so a bulk add does not grow or rehash. The
   * store's ids from `linked` on are not indexed yet (a rehash leaves them out).
   */
  reserve(live: number, ids: number, store: PatternStore, linked: number): void {
    if (ids > this.eHash.length) this.growTo(ids);
    if (live > 1 << this.tbits) this.rehash(store, live, linked);
  }

  add(id: number, s: string, store: PatternStore): void {
    if (this.counts !== undefined) count(this.counts, s, 1);
    if (id >= this.eHash.length) this.growTo(id + 1);
    const h = gramHash(s, 0, Q);
    const x = mix(h);
    this.eHash[id] = h;
    const slot = x >>> (32 - this.tbits);
    this.eNext[id] = this.heads[slot]!;
    this.heads[slot] = id;
    const f = x >>> this.filterShift;
    this.filter[f >>> 3]! |= 1 << (f & 7);
    this.setHead3(s, store.spelling[id]!);
    if (this.head4 !== undefined) setHead4(this.head4, this.head4Shift, s, store.spelling[id]!);
    this.live++;
    if (this.live > 1 << this.tbits) this.rehash(store);
  }

  /** Marks the first 3 characters of pattern s, in both spellings. */
  private setHead3(s: string, kind: Spelling): void {
    this.setKey3(key3(s, 0));
    if (kind === Spelling.None) return;
    this.setKey3(
      ((otherCode(s.charCodeAt(0), kind) & 127) << 14) |
        ((otherCode(s.charCodeAt(1), kind) & 127) << 7) |
        (otherCode(s.charCodeAt(2), kind) & 127),
    );
  }

  private setKey3(k: number): void {
    this.head3[k >>> 3]! |= 1 << (k & 7);
  }

  /** The key4 bitmap (see head4), built on first use. */
  head4Of(store: PatternStore): Uint8Array {
    return (this.head4 ??= this.buildHead4(store, store.alt0.length, this.live));
  }

  /** head4 for the store's patterns with ids below `linked`, sized for `room` patterns. */
  private buildHead4(store: PatternStore, linked: number, room: number): Uint8Array {
    // ~16 bits per key: 4 offsets, two spellings.
    let bits = HEAD4_MIN_BITS;
    while (bits < HEAD4_MAX_BITS && 1 << bits < room * 128) bits++;
    const map = new Uint8Array(1 << (bits - 3));
    this.head4Shift = 32 - bits;
    const { alt0, spelling } = store;
    for (let id = 0; id < linked; id++) {
      const a = alt0[id];
      if (a) setHead4(map, this.head4Shift, a, spelling[id]!); // removed ids are kept as ''
    }
    return map;
  }

  /** False when no pattern starts with the 3 characters whose key3 is k. */
  mayStart3(k: number): boolean {
    return (this.head3[k >>> 3]! & (1 << (k & 7))) !== 0;
  }

  /**
   * False when no position of `text` starts with the first 3 characters of a live pattern (either spelling), so no
   * registered form and no truncated head of one (at least 8 characters) occurs in it.
   */
  mayOccur(text: string): boolean {
    const { head3 } = this;
    const last = text.length - 3;
    if (last < 0 || this.live === 0) return false;
    let k = key3(text, 0);
    for (let p = 0; ; ) {
      if ((head3[k >>> 3]! & (1 << (k & 7))) !== 0) return true;
      if (p === last) return false;
      k = rollKey3(k, text, p);
      p++;
    }
  }

  remove(id: number, s: string, store: PatternStore): void {
    if (this.counts !== undefined) count(this.counts, s, -1);
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
    if (len < Q) {
      const counts = (this.counts ??= buildCounts(store));
      return counts[len - 1]![mix(gramHash(text, p, len)) >>> (32 - PREFIX_BITS)]! > 0;
    }
    return this.prefixOwner(text, p, end, h, store) !== -1;
  }

  /** False when no pattern starts with the Q characters hashing to h (one bit test; callers inline it). */
  mayPrefix(h: number): boolean {
    const f = mix(h) >>> this.filterShift;
    return (this.filter[f >>> 3]! & (1 << (f & 7))) !== 0;
  }

  /** Id of a pattern longer than end - p (>= Q) that starts with text[p, end), or -1. */
  prefixOwner(text: string, p: number, end: number, h: number, store: PatternStore): number {
    const x = mix(h);
    const f = x >>> this.filterShift;
    if ((this.filter[f >>> 3]! & (1 << (f & 7))) === 0) return -1;
    const len = end - p;
    for (let e = this.heads[x >>> (32 - this.tbits)]!; e !== -1; e = this.eNext[e]!) {
      if (this.eHash[e] !== h) continue;
      const a = store.alt0[e]!;
      if (a.length <= len) continue;
      if (samePrefix(text, p, a, len)) return e;
      const b = store.alt1(e);
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
    const { head3, filter, filterShift } = this;
    let k = key3(text, from);
    for (let p = from; ; ) {
      if ((head3[k >>> 3]! & (1 << (k & 7))) !== 0) {
        const h = gramHash(text, p, Q);
        const f = mix(h) >>> filterShift;
        if ((filter[f >>> 3]! & (1 << (f & 7))) !== 0) {
          const id = this.prefixOwner(text, p, end, h, store);
          if (id !== -1) return [p, id];
        }
      }
      if (p === lastP) return undefined;
      k = rollKey3(k, text, p);
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

  /** Relinks every live pattern (ids below `linked`), with room for `room` patterns. */
  private rehash(store: PatternStore, room = this.live, linked = store.alt0.length): void {
    while (room > 1 << this.tbits) this.tbits++;
    this.heads = new Int32Array(1 << this.tbits).fill(-1);
    let bits = FILTER_MIN_BITS;
    while (bits < FILTER_MAX_BITS && 1 << bits < room * 128) bits++;
    this.filter = new Uint8Array(1 << (bits - 3));
    this.filterShift = 32 - bits;
    this.head3.fill(0);
    const { alt0, spelling } = store;
    for (let id = 0; id < linked; id++) {
      const a = alt0[id];
      if (!a) continue; // removed ids are kept as ''
      this.setHead3(a, spelling[id]!);
      const x = mix(this.eHash[id]!);
      const slot = x >>> (32 - this.tbits);
      this.eNext[id] = this.heads[slot]!;
      this.heads[slot] = id;
      const f = x >>> this.filterShift;
      this.filter[f >>> 3]! |= 1 << (f & 7);
    }
    this.stale = 0;
    if (this.head4 !== undefined) this.head4 = this.buildHead4(store, linked, room);
  }
}

/** Adds `by` to the counters of every proper prefix shorter than Q of pattern s. */
function count(counts: Int32Array[], s: string, by: number): void {
  // Prefix hashes of every length, incrementally (gramHash(s, 0, l) for l = 1..Q-1).
  let h = 0;
  for (let l = 1; l < Q; l++) {
    h = (Math.imul(h, 31) + FOLD[s.charCodeAt(l - 1)]!) | 0;
    counts[l - 1]![mix(h) >>> (32 - PREFIX_BITS)]! += by;
  }
}

function buildCounts(store: PatternStore): Int32Array[] {
  const counts: Int32Array[] = [];
  for (let l = 1; l < Q; l++) counts.push(new Int32Array(1 << PREFIX_BITS));
  for (const a of store.alt0) if (a !== '') count(counts, a, 1); // removed ids are kept as ''
  return counts;
}

/** Marks the key4s at offsets 0-3 of pattern s (length >= 7), in both spellings, in map. */
function setHead4(map: Uint8Array, shift: number, s: string, kind: Spelling): void {
  for (let j = 0; j < 4; j++) {
    let b = Math.imul(key4(s, j), GOLDEN) >>> shift;
    map[b >>> 3]! |= 1 << (b & 7);
    if (kind === Spelling.None) continue;
    const k =
      ((otherCode(s.charCodeAt(j), kind) & 127) << 21) |
      ((otherCode(s.charCodeAt(j + 1), kind) & 127) << 14) |
      ((otherCode(s.charCodeAt(j + 2), kind) & 127) << 7) |
      (otherCode(s.charCodeAt(j + 3), kind) & 127);
    b = Math.imul(k, GOLDEN) >>> shift;
    map[b >>> 3]! |= 1 << (b & 7);
  }
}

/** The 28-bit key of s[i, i + 4): 7 bits of each code unit. */
export function key4(s: string, i: number): number {
  return (
    ((s.charCodeAt(i) & 127) << 21) |
    ((s.charCodeAt(i + 1) & 127) << 14) |
    ((s.charCodeAt(i + 2) & 127) << 7) |
    (s.charCodeAt(i + 3) & 127)
  );
}

/** The 21-bit key of s[i, i + 3): 7 bits of each code unit (non-ASCII aliases, which only adds candidates). */
export function key3(s: string, i: number): number {
  return ((s.charCodeAt(i) & 127) << 14) | ((s.charCodeAt(i + 1) & 127) << 7) | (s.charCodeAt(i + 2) & 127);
}

/** key3(s, p + 1) from k = key3(s, p): the scans roll it one position at a time. */
export function rollKey3(k: number, s: string, p: number): number {
  return ((k << 7) | (s.charCodeAt(p + 3) & 127)) & 0x1fffff;
}

function samePrefix(text: string, p: number, pat: string, len: number): boolean {
  for (let k = 0; k < len; k++) if (text.charCodeAt(p + k) !== pat.charCodeAt(k)) return false;
  return true;
}
