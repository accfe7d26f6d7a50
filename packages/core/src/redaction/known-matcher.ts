/* eslint-disable @typescript-eslint/no-non-null-assertion -- indices are in range by construction */
import { Q } from './fold-hash.js';
import { HeadIndex } from './head-index.js';
import { knownForms } from './known-forms.js';
import { SampledIndex, type MatchSink, type PatternStore } from './sampled-index.js';

/** One `register(value, label)` call. */
export interface Registration {
  readonly label: string;
  /** Keyed fingerprint of the value (all its forms share it, so traces correlate across encodings). */
  readonly fingerprint: string;
  patterns: number[];
}

/** Minimum pattern length of each sampling bucket, longest first: a long bucket samples with a longer stride. */
const BUCKETS = [16, 12, 8] as const;

/**
 * The registered values' forms and the indexes over them. Registering or unregistering touches only that value's
 * patterns (a few dozen table entries); nothing is rebuilt on the caller's path except the amortised doubling of
 * a table.
 */
export class KnownMatcher implements PatternStore {
  readonly alt0: string[] = [];
  readonly alt1: (string | undefined)[] = [];
  /** Registrations owning each pattern id; the first one names the placeholder. */
  readonly owners: Registration[][] = [];
  readonly head = new HeadIndex();
  private readonly buckets = BUCKETS.map((m) => new SampledIndex(m));
  /** Pattern id by form: forms without a second spelling, and forms with one (keyed by alt0; alt1 follows). */
  private readonly byForm = new Map<string, number>();
  private readonly byAltForm = new Map<string, number>();
  private readonly freeIds: number[] = [];
  private readonly lengths = new Map<number, number>();
  /** Longest live pattern (an upper bound after removals until recomputed). */
  maxLen = 0;
  values = 0;
  /** Bumped by every register/unregister, so stream redactors can reclassify what they hold. */
  version = 0;

  register(value: string, reg: Registration): void {
    for (const form of knownForms(value)) {
      // alt1 is a function of alt0 (url-safe base64 has + or /, hex never does), so alt0 keys each map.
      const map = form.alt1 === undefined ? this.byForm : this.byAltForm;
      let id = map.get(form.alt0);
      if (id === undefined) {
        id = this.freeIds.pop() ?? this.alt0.length;
        this.alt0[id] = form.alt0;
        this.alt1[id] = form.alt1;
        this.owners[id] = [];
        map.set(form.alt0, id);
        this.bucketFor(form.alt0.length).add(id, form.alt0);
        this.head.add(id, form.alt0, this);
        const n = form.alt0.length;
        this.lengths.set(n, (this.lengths.get(n) ?? 0) + 1);
        if (n > this.maxLen) this.maxLen = n;
      }
      this.owners[id]!.push(reg);
      reg.patterns.push(id);
    }
    this.values++;
    this.version++;
  }

  unregister(reg: Registration): void {
    for (const id of reg.patterns) {
      const owners = this.owners[id]!;
      owners.splice(owners.indexOf(reg), 1);
      if (owners.length > 0) continue;
      const a = this.alt0[id]!;
      const b = this.alt1[id];
      // Mark the id removed before the indexes drop it: a removal may trigger a rehash that walks the store, and
      // a rehash that still saw this id would link it again, so its reuse would close a cycle in a chain.
      this.alt0[id] = '';
      this.alt1[id] = undefined;
      this.bucketFor(a.length).remove(id, a);
      this.head.remove(id, a, this);
      (b === undefined ? this.byForm : this.byAltForm).delete(a);
      this.freeIds.push(id);
      const left = (this.lengths.get(a.length) ?? 1) - 1;
      if (left > 0) this.lengths.set(a.length, left);
      else {
        this.lengths.delete(a.length);
        if (a.length === this.maxLen) this.maxLen = Math.max(0, ...this.lengths.keys());
      }
    }
    reg.patterns = [];
    this.values--;
    this.version++;
  }

  /** Every occurrence of a live pattern in `text` (unordered, may overlap). */
  find(text: string, sink: MatchSink): void {
    for (const b of this.buckets) if (b.size > 0) b.find(text, this, sink);
  }

  /** The registration naming pattern `id`. */
  ownerOf(id: number): Registration {
    return this.owners[id]![0]!;
  }

  get patterns(): number {
    return this.alt0.length - this.freeIds.length;
  }

  /** Typed-array bytes of the indexes (the strings are on top). */
  indexBytes(): number {
    return this.buckets.reduce((s, b) => s + b.bytes(), 0);
  }

  private bucketFor(len: number): SampledIndex {
    for (const b of this.buckets) if (len >= b.m) return b;
    throw new RangeError(`pattern shorter than ${Q}`);
  }
}
