/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed-array hot loops; indices are in range by construction */
import { FOLD, Q, ROLL_OUT, mix } from './fold-hash.js';

/** Receives each verified occurrence: [start, end) of pattern `id`. */
export type MatchSink = (start: number, end: number, id: number) => void;

/** Pattern text by id: `alt0` always, `alt1` the other spelling (base64url, upper-case hex) when there is one. */
export interface PatternStore {
  readonly alt0: readonly string[];
  readonly alt1: readonly (string | undefined)[];
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

  add(id: number, s: string): void {
    const d = s.length - this.m;
    // Rolling hash over the window: one multiply-add per offset instead of Q.
    let h = hashFolded(s, d);
    for (let off = d; ; ) {
      this.insert(h, id * 16 + off - d);
      if (++off === d + this.stride) break;
      h =
        (Math.imul(h - Math.imul(FOLD[s.charCodeAt(off - 1)]!, ROLL_OUT), 31) +
          FOLD[s.charCodeAt(off + Q - 1)]!) |
        0;
    }
    this.size++;
    // Grow 4x at a time (each growth re-links every entry: fewer growths cost less during bulk registration).
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
    const { alt0, alt1 } = store;
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
        if (text.startsWith(a, st)) sink(st, st + a.length, p);
        else {
          const b = alt1[p];
          if (b !== undefined && text.startsWith(b, st)) sink(st, st + b.length, p);
        }
      }
    }
  }

  /** Bytes held by the typed arrays, for the heap budget. */
  bytes(): number {
    return this.filter.byteLength + this.heads.byteLength + this.eHash.byteLength * 3;
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

  private growEntries(): void {
    // 1.5x: the arrays are most of the index's memory, and copying them is cheap next to filling them.
    const n = Math.ceil(this.eHash.length * 1.5);
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

function hashFolded(s: string, at: number): number {
  let h = 0;
  for (let k = 0; k < Q; k++) h = (Math.imul(h, 31) + FOLD[s.charCodeAt(at + k)]!) | 0;
  return h;
}
