/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed-array hot loops; indices are in range by construction */
import { FOLD, Q, ROLL_OUT, mix } from './fold-hash.js';
import type { Spelling } from './known-forms.js';

/** Below this many entries addMany just adds one by one (partitioning has a fixed cost). */
const BULK_MIN = 4096;
/**
 * Partitions of a bulk add: 256, so a partition's share of a 4 MB chain-head table is 16 KB and the placing pass
 * writes to few enough places at once (measured: 8 bits beat 10 and 12 by ~5%).
 */
const PART_BITS = 8;

/** Receives each verified occurrence: [start, end) of pattern `id`. */
export type MatchSink = (start: number, end: number, id: number) => void;

/** Pattern text by id: `alt0`, and the other spelling (base64url, upper-case hex) when there is one. */
export interface PatternStore {
  readonly alt0: readonly string[];
  /** Which other spelling each pattern has (Spelling.None when it has one spelling). */
  readonly spelling: readonly Spelling[];
  /** The other spelling of pattern `id`, or undefined. */
  alt1(id: number): string | undefined;
  /**
   * longer[id]: a pattern that is pattern `id` plus one character and has no entries of its own (the standalone
   * base64 form beside the base64 core at offset 0, which only lacks its last character), or -1: a match of `id`
   * is reported as that pattern when the text goes on with its last character. This saves a tenth of the entries.
   */
  readonly longer: Int32Array;
}

function startsWithAlt(text: string, st: number, id: number, store: PatternStore): boolean {
  const b = store.alt1(id);
  return b !== undefined && text.startsWith(b, st);
}

/**
 * Sampled q-gram index for patterns of length >= m (the design measured in research/redaction-speed.md):
 * the text is hashed only at positions i ≡ 0 (mod stride), stride = m - Q + 1, and every pattern indexes the
 * q-grams of one window of `stride` consecutive offsets, so each occurrence contains exactly one sample point.
 * The window sits at the pattern's end (offset len - m), so many values sharing a prefix (`sk-proj-…`) do not
 * pile onto one chain. Written by hand: no npm matcher comes close (see the research note) and updates must be
 * incremental: add/remove touch only that pattern's `stride` entries.
 */
export class SampledIndex {
  readonly m: number;
  readonly stride: number;
  private fbits = 16;
  private filter = new Uint8Array(1 << 13);
  private tbits = 10;
  private heads = new Int32Array(1 << 10).fill(-1);
  private eHash = new Int32Array(64);
  /** id * 16 + (offset - window start): the offset is recovered from the pattern length (saves 4 bytes/entry). */
  private ePat = new Int32Array(64);
  private eNext = new Int32Array(64);
  private top = 0;
  private free = -1;
  private live = 0;
  /** Filter bits whose entries were removed; the filter is rebuilt when they dominate. */
  private stale = 0;
  size = 0;

  constructor(m: number) {
    this.m = m;
    this.stride = m - Q + 1;
  }

  /**
   * Adds the patterns `ids` (their text from the store). Many at once (values registered at start-up) are
   * linked in order of their chain slot: a counting pass partitions the windows by the top PART_BITS bits of the
   * slot into the entry arrays, and the linking pass then touches the chain heads and the filter a few KB at a
   * time. Inserting in pattern order writes both multi-MB tables at random, which was most of the cost of
   * registering 10,000 values.
   */
  addMany(ids: readonly number[], store: PatternStore): void {
    const n = ids.length;
    const count = n * this.stride;
    const patterns = store.alt0;
    if (count < BULK_MIN) {
      for (let i = 0; i < n; i++) this.add(ids[i]!, patterns[ids[i]!]!);
      return;
    }
    this.reserve(count);
    const { stride, m } = this;
    // Pass 1 counts the windows per partition, pass 2 hashes them again and places them (hashing twice is
    // cheaper than writing and reading back 8 bytes per window of scratch). Per-pattern functions, not loops in
    // this function: called once per registration batch, its loops would wait for on-stack replacement.
    const start = new Int32Array((1 << PART_BITS) + 1);
    for (let i = 0; i < n; i++) countWindows(patterns[ids[i]!]!, m, stride, start);
    const top = this.top;
    start[0] = top;
    for (let b = 0; b < 1 << PART_BITS; b++) start[b + 1]! += start[b]!;
    const { eHash, ePat, eNext, heads, filter } = this;
    for (let i = 0; i < n; i++) placeWindows(patterns[ids[i]!]!, ids[i]!, m, stride, start, eHash, ePat);
    const tshift = 32 - this.tbits;
    const fshift = 32 - this.fbits;
    for (let at = top; at < top + count; at++) {
      const x = mix(eHash[at]!);
      const slot = x >>> tshift;
      eNext[at] = heads[slot]!;
      heads[slot] = at;
      const f = x >>> fshift;
      filter[f >>> 3]! |= 1 << (f & 7);
    }
    this.top += count;
    this.live += count;
    this.size += n;
  }

  /** Sizes the tables for `entries` more entries, so a bulk add does not grow, rehash or rebuild the filter. */
  private reserve(entries: number): void {
    const live = this.live + entries;
    let tbits = this.tbits;
    while (live > 1 << tbits) tbits++;
    if (tbits !== this.tbits) this.rehash(tbits);
    let fbits = this.fbits;
    while (live * 12 > 1 << fbits && fbits < 24) fbits++;
    if (fbits !== this.fbits) this.rebuildFilter(fbits);
    if (this.top + entries > this.eHash.length) this.growEntries(this.top + entries);
  }

  add(id: number, s: string): void {
    const d = s.length - this.m;
    for (let off = 0, h = hashFolded(s, d); ; h = roll(h, s, d + off)) {
      this.insert(h, id * 16 + off);
      if (++off === this.stride) break;
    }
    this.size++;
    if (this.live > 1 << this.tbits) this.rehash(this.tbits + 1);
    if (this.live * 12 > 1 << this.fbits && this.fbits < 24) this.rebuildFilter(this.fbits + 1);
  }

  remove(id: number, s: string): void {
    const d = s.length - this.m;
    for (let off = d; off < d + this.stride; off++) {
      const h = hashFolded(s, off);
      const slot = mix(h) >>> (32 - this.tbits);
      let prev = -1;
      for (let e = this.heads[slot]!; e !== -1; prev = e, e = this.eNext[e]!) {
        if (this.ePat[e] !== id * 16 + off - d) continue;
        if (prev === -1) this.heads[slot] = this.eNext[e]!;
        else this.eNext[prev] = this.eNext[e]!;
        this.eNext[e] = this.free;
        this.ePat[e] = -1;
        this.free = e;
        this.live--;
        this.stale++;
        break;
      }
    }
    this.size--;
    if (this.stale > 4096 && this.stale > this.live) this.rebuildFilter(this.fbits);
  }

  /** Reports every occurrence in `text` of an indexed pattern (unordered). */
  find(text: string, store: PatternStore, sink: MatchSink): void {
    const { m, stride, filter, heads, eHash, ePat, eNext } = this;
    const fshift = 32 - this.fbits;
    const tshift = 32 - this.tbits;
    const { alt0 } = store;
    const last = text.length - Q;
    for (let i = 0; i <= last; i += stride) {
      const h =
        (Math.imul(
          Math.imul(
            Math.imul(
              Math.imul(Math.imul(FOLD[text.charCodeAt(i)]!, 31) + FOLD[text.charCodeAt(i + 1)]!, 31) +
                FOLD[text.charCodeAt(i + 2)]!,
              31,
            ) + FOLD[text.charCodeAt(i + 3)]!,
            31,
          ) + FOLD[text.charCodeAt(i + 4)]!,
          31,
        ) +
          FOLD[text.charCodeAt(i + 5)]!) |
        0;
      const x = Math.imul(h ^ (h >>> 15), 0x9e3779b1);
      const f = x >>> fshift;
      if ((filter[f >>> 3]! & (1 << (f & 7))) === 0) continue;
      for (let e = heads[x >>> tshift]!; e !== -1; e = eNext[e]!) {
        if (eHash[e] !== h) continue;
        const v = ePat[e]!;
        const p = v >>> 4;
        const a = alt0[p]!;
        const st = i - (a.length - m + (v & 15));
        if (st < 0) continue;
        if (!text.startsWith(a, st) && !startsWithAlt(text, st, p, store)) continue;
        // A pattern that has a one-character-longer twin indexed only through it (see PatternStore.longer).
        const x = store.longer[p]!;
        if (x !== -1 && (text.startsWith(alt0[x]!, st) || startsWithAlt(text, st, x, store)))
          sink(st, st + a.length + 1, x);
        else sink(st, st + a.length, p);
      }
    }
  }

  private insert(h: number, packed: number): void {
    let e = this.free;
    if (e !== -1) this.free = this.eNext[e]!;
    else {
      if (this.top === this.eHash.length) this.growEntries();
      e = this.top++;
    }
    const x = mix(h);
    const slot = x >>> (32 - this.tbits);
    this.eHash[e] = h;
    this.ePat[e] = packed;
    this.eNext[e] = this.heads[slot]!;
    this.heads[slot] = e;
    const f = x >>> (32 - this.fbits);
    this.filter[f >>> 3]! |= 1 << (f & 7);
    this.live++;
  }

  private growEntries(min = 0): void {
    // 1.5x: the arrays are most of the index's memory, and copying them is cheap next to filling them.
    const n = Math.max(min, Math.ceil(this.eHash.length * 1.5));
    const grow = (a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.eHash = grow(this.eHash);
    this.ePat = grow(this.ePat);
    this.eNext = grow(this.eNext);
  }

  /** Doubles the chain heads (amortised O(1) per add; never on the scan path). */
  private rehash(tbits: number): void {
    this.tbits = tbits;
    this.heads = new Int32Array(1 << tbits).fill(-1);
    for (let e = 0; e < this.top; e++) {
      if (this.ePat[e] === -1) continue;
      const slot = mix(this.eHash[e]!) >>> (32 - tbits);
      this.eNext[e] = this.heads[slot]!;
      this.heads[slot] = e;
    }
    // The free list lived in eNext; rebuild it.
    this.free = -1;
    for (let e = 0; e < this.top; e++) {
      if (this.ePat[e] !== -1) continue;
      this.eNext[e] = this.free;
      this.free = e;
    }
  }

  private rebuildFilter(fbits: number): void {
    this.fbits = fbits;
    this.filter = new Uint8Array(Math.max(1, (1 << fbits) >>> 3));
    for (let e = 0; e < this.top; e++) {
      if (this.ePat[e] === -1) continue;
      const f = mix(this.eHash[e]!) >>> (32 - fbits);
      this.filter[f >>> 3]! |= 1 << (f & 7);
    }
    this.stale = 0;
  }
}

/** Counts the windows of pattern s per partition (in start[partition + 1]). */
function countWindows(s: string, m: number, stride: number, start: Int32Array): void {
  const d = s.length - m;
  for (let off = 0, h = hashFolded(s, d); ; h = roll(h, s, d + off)) {
    start[(mix(h) >>> (32 - PART_BITS)) + 1]!++;
    if (++off === stride) break;
  }
}

/** Writes the windows of pattern `id` (text s) at the next free entry of their partition. */
function placeWindows(
  s: string,
  id: number,
  m: number,
  stride: number,
  start: Int32Array,
  eHash: Int32Array,
  ePat: Int32Array,
): void {
  const d = s.length - m;
  for (let off = 0, h = hashFolded(s, d); ; h = roll(h, s, d + off)) {
    const at = start[mix(h) >>> (32 - PART_BITS)]!++;
    eHash[at] = h;
    ePat[at] = id * 16 + off;
    if (++off === stride) break;
  }
}

/** The hash of s[at, at + Q) from h, the hash of s[at - 1, at - 1 + Q): one multiply-add instead of Q. */
function roll(h: number, s: string, at: number): number {
  return (
    (Math.imul(h - Math.imul(FOLD[s.charCodeAt(at - 1)]!, ROLL_OUT), 31) + FOLD[s.charCodeAt(at + Q - 1)]!) |
    0
  );
}

function hashFolded(s: string, at: number): number {
  let h = 0;
  for (let k = 0; k < Q; k++) h = (Math.imul(h, 31) + FOLD[s.charCodeAt(at + k)]!) | 0;
  return h;
}
