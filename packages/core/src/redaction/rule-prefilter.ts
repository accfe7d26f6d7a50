/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed-array hot loops; indices are in range by construction */
import { asciiSet } from './ascii-set.js';
import type { RuleReject } from './rule-rejects.js';
import type { DotTrigger, TriggerSpec } from './rule-triggers.js';

/** Sampler gram length; triggers are at least Q + STRIDE - 1 elements long. */
const Q = 3;
const STRIDE = 3;
export const MIN_TRIGGER = Q + STRIDE - 1;

interface Trigger {
  /** Rule index (in the engine's rule order). */
  rule: number;
  /** Per element: exact membership of the ASCII characters. */
  sets: Uint8Array[];
  /** Per element: true when no non-ASCII character can match it. */
  asciiOnly: boolean[];
  /** Offset of the first indexed 3-gram. */
  win: number;
  at: readonly number[];
}

/** Possible match starts as flat pairs: rule, start, rule, start, … (may repeat; the caller tries them). */
export type Starts = number[];

/** The 21-bit key of the 3-gram at i: 7 bits per code unit, non-ASCII ones folded to 0 (the table's key). */
function sampleKey(text: string, i: number): number {
  const a = text.charCodeAt(i);
  const b = text.charCodeAt(i + 1);
  const c = text.charCodeAt(i + 2);
  // ASCII is the fast path (measured ~1.5x faster than masking every code unit).
  return ((a | b | c) & 0xff80) === 0
    ? (a << 14) | (b << 7) | c
    : ((a < 128 ? a : 0) << 14) | ((b < 128 ? b : 0) << 7) | (c < 128 ? c : 0);
}

function parseElements(src: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < src.length; i++) {
    if (src[i] === '[') {
      let j = i + 1;
      while (j < src.length && src[j] !== ']') j += src[j] === '\\' ? 2 : 1;
      if (j >= src.length) throw new Error(`unterminated class in trigger ${src}`);
      out.push(src.slice(i, j + 1));
      i = j;
    } else if (src[i] === '\\') out.push(`[\\${src[++i]!}]`);
    else out.push(`[${src[i]!.replace(/[\\\]^-]/, '\\$&')}]`);
  }
  return out;
}

/**
 * `set`: exact membership of the ASCII characters; `index`: the folds to index. The sampler folds every
 * non-ASCII code unit to 0, so an element that can match one (negated classes, \s and the complements, [^])
 * also indexes 0.
 */
function elementSet(cls: string, ci: boolean): ElementSet {
  const cacheKey = `${ci ? 'i' : ''}${cls}`;
  const hit = elementCache.get(cacheKey);
  if (hit !== undefined) return hit;
  const set = asciiSet(new RegExp(`^${cls}$`, ci ? 'i' : ''));
  const ascii = !/^\[\^|\\[sSWD]/.test(cls);
  const index = set.slice();
  if (!ascii) index[0] = 1;
  const members: number[] = [];
  for (let c = 0; c < 128; c++) if (index[c] === 1) members.push(c);
  const out = { set, index, members, ascii };
  elementCache.set(cacheKey, out);
  return out;
}

interface ElementSet {
  set: Uint8Array;
  index: Uint8Array;
  /** The folds `index` contains, for enumerating 3-gram keys. */
  members: number[];
  ascii: boolean;
}

/** Elements repeat across triggers (literal letters, the token class); building is a one-time startup cost. */
const elementCache = new Map<string, ElementSet>();

/** One required character class at an offset from a '.' (see DotTrigger). */
interface Need {
  offset: number;
  set: Uint8Array;
  ascii: boolean;
}

/**
 * Finds the places where a rule could start, reading only a 3-gram every third character (the idea of the
 * known-value sampler, applied to rule trigger literals): each trigger occurrence covers exactly one sample
 * point, whose 3-gram is looked up in a 2^21-bit table of three consecutive 3-grams of each trigger; on a hit the
 * whole trigger is compared and its rule's starts are reported. Written by hand: V8 runs one alternation of every
 * rule at every position (~45 MB/s for 61 rules), while each rule alone is fast only thanks to its literal prefix.
 */
export class RulePrefilter {
  private readonly bits = new Uint8Array(1 << 18);
  /** Open-addressing table: 3-gram key -> range of `ent` (entries: trigger index * STRIDE + gram offset). */
  private readonly tbits: number;
  private readonly tkey: Int32Array;
  private readonly tpos: Int32Array;
  private readonly tlen: Int32Array;
  private readonly ent: Int32Array;
  /** Flattened triggers: rule, first element (in units of 128-entry sets), length, window, starts. */
  private readonly trRule: Int32Array;
  private readonly trEl: Int32Array;
  private readonly trLen: Int32Array;
  private readonly trWin: Int32Array;
  private readonly trAt: (readonly number[])[] = [];
  /** Element sets, 128 entries each (exact ASCII membership). */
  private readonly sets: Uint8Array;
  /** Per element: 1 when a non-ASCII character can match it. */
  private readonly nonAscii: Uint8Array;

  private readonly dots: { rule: number; needs: Need[]; at: readonly number[] }[] = [];

  /**
   * `rejects[rule]`, when given, drops a start its rule's regex provably cannot match (rule-rejects.ts). Checked
   * here, where the text around the trigger was just read, rather than by the caller after the whole pass: on a
   * megabyte the later read misses the cache, and most key=value triggers ("token", "password") are prose.
   */
  constructor(
    specs: readonly (readonly (TriggerSpec | DotTrigger)[])[],
    private readonly rejects: readonly (RuleReject | undefined)[] = [],
  ) {
    const triggers: Trigger[] = [];
    const byKey = new Map<number, number[]>();
    specs.forEach((list, rule) => {
      for (const spec of list)
        if ('dot' in spec)
          this.dots.push({
            rule,
            at: spec.at,
            needs: spec.dot.map(([offset, cls]) => ({
              offset,
              ...elementSet(parseElements(cls)[0]!, false),
            })),
          });
        else this.add(rule, spec, triggers, byKey);
    });
    const n = triggers.length;
    this.trRule = new Int32Array(n);
    this.trEl = new Int32Array(n);
    this.trLen = new Int32Array(n);
    this.trWin = new Int32Array(n);
    let els = 0;
    for (const tr of triggers) els += tr.sets.length;
    this.sets = new Uint8Array(els * 128);
    this.nonAscii = new Uint8Array(els);
    els = 0;
    triggers.forEach((tr, k) => {
      this.trRule[k] = tr.rule;
      this.trEl[k] = els;
      this.trLen[k] = tr.sets.length;
      this.trWin[k] = tr.win;
      this.trAt.push(tr.at);
      tr.sets.forEach((set, j) => {
        this.sets.set(set, (els + j) * 128);
        this.nonAscii[els + j] = tr.asciiOnly[j] ? 0 : 1;
      });
      els += tr.sets.length;
    });
    let tbits = 4;
    while (1 << tbits < byKey.size * 2) tbits++;
    this.tbits = tbits;
    this.tkey = new Int32Array(1 << tbits).fill(-1);
    this.tpos = new Int32Array(1 << tbits);
    this.tlen = new Int32Array(1 << tbits);
    let total = 0;
    for (const list of byKey.values()) total += list.length;
    this.ent = new Int32Array(total);
    let at = 0;
    const mask = (1 << tbits) - 1;
    for (const [key, list] of byKey) {
      let slot = Math.imul(key, 0x9e3779b1) >>> (32 - tbits);
      while (this.tkey[slot] !== -1) slot = (slot + 1) & mask;
      this.tkey[slot] = key;
      this.tpos[slot] = at;
      this.tlen[slot] = list.length;
      this.ent.set(list, at);
      at += list.length;
    }
  }

  private add(rule: number, spec: TriggerSpec, triggers: Trigger[], byKey: Map<number, number[]>): void {
    const els = parseElements(spec.src).map((e) => elementSet(e, spec.i === true));
    if (els.length < MIN_TRIGGER) throw new Error(`trigger ${spec.src} is shorter than ${MIN_TRIGGER}`);
    const win = spec.win ?? 0;
    if (win + STRIDE + Q - 1 > els.length) throw new Error(`trigger ${spec.src}: window out of range`);
    const index = triggers.length;
    triggers.push({
      rule,
      sets: els.map((e) => e.set),
      asciiOnly: els.map((e) => e.ascii),
      win,
      at: spec.at ?? [0],
    });
    for (let off = win; off < win + STRIDE; off++) {
      const [a, b, c] = [els[off]!.members, els[off + 1]!.members, els[off + 2]!.members];
      const entry = index * STRIDE + off - win;
      for (const x of a)
        for (const y of b)
          for (const z of c) {
            const key = (x << 14) | (y << 7) | z;
            this.bits[key >>> 3]! |= 1 << (key & 7);
            const list = byKey.get(key);
            if (list === undefined) byKey.set(key, [entry]);
            else if (list[list.length - 1] !== entry) list.push(entry);
          }
    }
  }

  /** Appends every start a trigger in `text` points to (unordered, possibly repeated) to `out`. */
  find(text: string, out: Starts): void {
    const n = this.sample(text, 0, text.length - Q, out, out.length, 0);
    if (this.dots.length > 0) this.findDots(text, 0, text.length, out, n, 0);
  }

  /**
   * False when `find(text, …)` would report no start: no sampled 3-gram is in the trigger table and there is no '.'
   * for the dot-anchored rules. One tight loop, for short strings that are nearly always clean (ids, attribute
   * values): it touches far less code than `find`, which is what a string checked between tool calls pays for.
   */
  mayFind(text: string): boolean {
    const { bits } = this;
    for (let i = 0, last = text.length - Q; i <= last; i += STRIDE) {
      const key = sampleKey(text, i);
      if ((bits[key >>> 3]! & (1 << (key & 7))) !== 0) return true;
    }
    return this.dots.length > 0 && text.includes('.');
  }

  /** Longest trigger and how far a trigger's first element can lie before the sample that finds it. */
  get reach(): { longest: number; lead: number; minAt: number; dotAfter: number; dotBefore: number } {
    let longest = 0;
    let lead = 0;
    let minAt = 0;
    for (let t = 0; t < this.trLen.length; t++) {
      longest = Math.max(longest, this.trLen[t]!);
      lead = Math.max(lead, this.trWin[t]! + STRIDE - 1);
      for (const d of this.trAt[t]!) minAt = Math.min(minAt, d);
    }
    let dotAfter = 0;
    let dotBefore = 0;
    for (const { needs, at } of this.dots) {
      for (const n of needs) {
        dotAfter = Math.max(dotAfter, n.offset);
        dotBefore = Math.min(dotBefore, n.offset);
      }
      for (const d of at) dotBefore = Math.min(dotBefore, d);
    }
    return { longest, lead, minAt, dotAfter, dotBefore };
  }

  /**
   * The stream's part of `find`: samples at from, from + 3, … up to `last` and dots in [dotFrom, dotTo). Over
   * consecutive calls with the same alignment it reports exactly what one `find` over the whole text would. The
   * pairs are written from out[n] on with `shift` added to each start (the stream keeps absolute positions in an
   * array it reuses, so no scratch copy); returns the new end.
   */
  findRange(
    text: string,
    from: number,
    last: number,
    dotFrom: number,
    dotTo: number,
    out: Starts,
    n: number,
    shift: number,
  ): number {
    n = this.sample(text, from, last, out, n, shift);
    return this.dots.length > 0 ? this.findDots(text, dotFrom, dotTo, out, n, shift) : n;
  }

  private sample(text: string, from: number, last: number, out: Starts, n: number, shift: number): number {
    const { bits } = this;
    for (let i = from; i <= last; i += STRIDE) {
      const key = sampleKey(text, i);
      if ((bits[key >>> 3]! & (1 << (key & 7))) !== 0) n = this.candidates(text, i, key, out, n, shift);
    }
    return n;
  }

  /** Rules anchored on a '.': indexOf skips to each dot at memchr speed. */
  private findDots(text: string, from: number, to: number, out: Starts, n: number, shift: number): number {
    const len = text.length;
    for (let d = text.indexOf('.', from); d !== -1 && d < to; d = text.indexOf('.', d + 1)) {
      for (const { rule, needs, at } of this.dots) {
        let ok = true;
        for (const { offset, set, ascii } of needs) {
          const x = d + offset;
          if (x < 0) continue; // before the text: the rule's lookbehind decides
          const c = x < len ? text.charCodeAt(x) : -1;
          if (c === -1 || (c >= 128 ? ascii : set[c] === 0)) {
            ok = false;
            break;
          }
        }
        if (!ok) continue;
        for (const k of at)
          if (d + k >= 0 && d + k < len) {
            out[n++] = rule;
            out[n++] = d + k + shift;
          }
      }
    }
    return n;
  }

  private candidates(text: string, i: number, key: number, out: Starts, n: number, shift: number): number {
    const { tkey, tbits, sets, nonAscii, trEl, trLen, trWin } = this;
    const mask = (1 << tbits) - 1;
    let slot = Math.imul(key, 0x9e3779b1) >>> (32 - tbits);
    while (tkey[slot] !== key) slot = (slot + 1) & mask;
    const end = this.tpos[slot]! + this.tlen[slot]!;
    const len = text.length;
    for (let k = this.tpos[slot]!; k < end; k++) {
      const e = this.ent[k]!;
      const t = (e / STRIDE) | 0;
      const p = i - (e - t * STRIDE) - trWin[t]!;
      const tl = trLen[t]!;
      if (p + tl > len) continue;
      // The whole trigger; elements before the text start count as present (the rule's lookbehind decides).
      const el = trEl[t]!;
      let ok = true;
      for (let j = p < 0 ? -p : 0; j < tl; j++) {
        const c = text.charCodeAt(p + j);
        if (c >= 128 ? nonAscii[el + j] === 0 : sets[(el + j) * 128 + c] === 0) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      const rule = this.trRule[t]!;
      const reject = this.rejects[rule];
      for (const d of this.trAt[t]!) {
        const s = p + d;
        if (s >= 0 && s < len && (reject === undefined || !reject(text, s))) {
          out[n++] = rule;
          out[n++] = s + shift;
        }
      }
    }
    return n;
  }
}
