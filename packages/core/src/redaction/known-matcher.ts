/* eslint-disable @typescript-eslint/no-non-null-assertion -- indices are in range by construction */
import { Q } from './fold-hash.js';
import { HeadIndex } from './head-index.js';
import { appendFormsMany, otherSpelling, type Spelling } from './known-forms.js';
import { SampledIndex, type MatchSink, type PatternStore } from './sampled-index.js';

/** One registered value; registering the same value again adds a registration, not patterns. */
export interface ValueEntry {
  readonly value: string;
  /** Registrations holding the value, oldest first; the first one names the placeholder. */
  readonly regs: Registration[];
  /** Its pattern ids once indexed; undefined while it waits in `pending`. */
  ids: number[] | undefined;
  /** Length of its longest form (0 until indexed). */
  maxLen: number;
  /** Its index in KnownMatcher.slots once indexed, else -1. */
  slot: number;
}

/** One `register(value, label)` call. A class, not a literal with a getter: that literal cost ~300 bytes each. */
export class Registration {
  /** The value it holds while registered. */
  entry: ValueEntry | undefined = undefined;
  private print: string | undefined = undefined;

  constructor(
    readonly label: string,
    private readonly value: string,
    private readonly printer: (value: string) => string,
  ) {}

  /**
   * Keyed fingerprint of the value (all its forms share it, so traces correlate across encodings). Computed on
   * first use: the HMAC costs ~1.5 µs and most registrations never need it (label placeholders, no scan).
   */
  get fingerprint(): string {
    return (this.print ??= this.printer(this.value));
  }
}

/** Minimum pattern length of each sampling bucket, longest first: a long bucket samples with a longer stride. */
const BUCKETS = [16, 12, 8] as const;

/**
 * The registered values' forms and the indexes over them. `register` only queues the value; the indexes take
 * the queue on their next read (`sync`), so registering thousands of values at start-up sizes every table once
 * instead of growing and rehashing it on the way, and encodes the forms in one pass. Registering or
 * unregistering one value with thousands live touches only that value's patterns (a few dozen table entries).
 * Every read of the indexes goes through `sync` (the `head` and `maxLen` getters, `find`), so nothing queued
 * can be missed.
 */
export class KnownMatcher implements PatternStore {
  readonly alt0: string[] = [];
  readonly spelling: Spelling[] = [];
  /** Other spellings spelled out so far (null: it has none); only patterns a match looked at get one. */
  private readonly others: (string | null | undefined)[] = [];
  /** See PatternStore.longer (-1: none). */
  longer = new Int32Array(64).fill(-1);
  /** headOnly[id] = 1: pattern id is some pattern's `longer` (it has no sampled entries of its own). */
  private headOnly = new Uint8Array(64);
  /** Indexed values by slot (freed slots are reused). */
  private readonly slots: (ValueEntry | undefined)[] = [];
  private readonly freeSlots: number[] = [];
  /**
   * slotOf[id]: the slot of the value pattern `id` belongs to. A typed array: one pointer store per pattern into a
   * growing array of objects cost more than the rest of recording it.
   */
  private slotOf = new Int32Array(64);
  private readonly headIndex = new HeadIndex();
  private readonly buckets = BUCKETS.map((m) => new SampledIndex(m));
  private readonly byValue = new Map<string, ValueEntry>();
  private pending: ValueEntry[] = [];
  private readonly freeIds: number[] = [];
  /** Live values by the length of their longest form, for maxLen after removals. */
  private readonly lengths = new Map<number, number>();
  private longest = 0;
  /** Registrations (a value registered twice counts twice). */
  values = 0;
  /** Bumped by every register/unregister, so stream redactors can reclassify what they hold. */
  version = 0;

  register(value: string, reg: Registration): void {
    let entry = this.byValue.get(value);
    if (entry === undefined) {
      entry = { value, regs: [reg], ids: undefined, maxLen: 0, slot: -1 };
      this.byValue.set(value, entry);
      this.pending.push(entry);
    } else entry.regs.push(reg);
    reg.entry = entry;
    this.values++;
    this.version++;
  }

  unregister(reg: Registration): void {
    const entry = reg.entry;
    if (entry === undefined) return;
    reg.entry = undefined;
    entry.regs.splice(entry.regs.indexOf(reg), 1);
    this.values--;
    this.version++;
    if (entry.regs.length > 0) return;
    this.byValue.delete(entry.value);
    // Still queued: sync skips entries nobody holds.
    if (entry.ids === undefined) return;
    for (const id of entry.ids) this.removePattern(id);
    entry.ids = [];
    this.slots[entry.slot] = undefined;
    this.freeSlots.push(entry.slot);
    entry.slot = -1;
    const left = (this.lengths.get(entry.maxLen) ?? 1) - 1;
    if (left > 0) this.lengths.set(entry.maxLen, left);
    else {
      this.lengths.delete(entry.maxLen);
      if (entry.maxLen === this.longest) this.longest = Math.max(0, ...this.lengths.keys());
    }
  }

  /** The prefix index (stream hold-back, truncated tail), with everything queued indexed. */
  get head(): HeadIndex {
    this.sync();
    return this.headIndex;
  }

  /** Longest live pattern. */
  get maxLen(): number {
    this.sync();
    return this.longest;
  }

  /** Every occurrence of a live pattern in `text` (unordered, may overlap). */
  find(text: string, sink: MatchSink): void {
    this.sync();
    for (const b of this.buckets) if (b.size > 0) b.find(text, this, sink);
  }

  alt1(id: number): string | undefined {
    const known = this.others[id];
    if (known !== undefined) return known ?? undefined;
    const b = otherSpelling(this.alt0[id]!, this.spelling[id]!);
    this.others[id] = b ?? null;
    return b;
  }

  /** The registration naming pattern `id` (an id just reported by find or the head index). */
  ownerOf(id: number): Registration {
    return this.slots[this.slotOf[id]!]!.regs[0]!;
  }

  /** Indexes the queued values: forms first, then every table sized once, then the inserts. */
  private sync(): void {
    if (this.pending.length === 0) return;
    const live = this.pending.filter((entry) => entry.regs.length > 0);
    this.pending = [];
    const { alt0, spelling, freeIds } = this;
    // The forms go straight to the end of the store; ids freed by removals are then refilled from the end, so
    // the store does not grow with churn.
    const base = alt0.length;
    const counts: number[] = [];
    const extensions: number[] = [];
    appendFormsMany(
      live.map((entry) => entry.value),
      alt0,
      spelling,
      counts,
      extensions,
    );
    // Before any relocation: a rehash links the store's ids below `base` (removed ones are '').
    this.headIndex.reserve(alt0.length - freeIds.length, alt0.length, this, base);
    if (alt0.length > this.longer.length) {
      const longer = new Int32Array(alt0.length * 2).fill(-1);
      longer.set(this.longer);
      this.longer = longer;
      const headOnly = new Uint8Array(alt0.length * 2);
      headOnly.set(this.headOnly);
      this.headOnly = headOnly;
      const slotOf = new Int32Array(alt0.length * 2);
      slotOf.set(this.slotOf);
      this.slotOf = slotOf;
    }
    const idOf = new Int32Array(alt0.length - base);
    for (let j = 0; j < idOf.length; j++) idOf[j] = base + j;
    for (let j = idOf.length - 1; j >= 0 && freeIds.length > 0; j--) {
      const id = freeIds.pop()!;
      alt0[id] = alt0.pop()!;
      spelling[id] = spelling.pop()!;
      idOf[j] = id;
    }
    /** extended[j]: new form j is the next one plus one character (indexed through it). */
    const extended = new Uint8Array(idOf.length);
    for (const i of extensions) extended[i - base] = 1;
    const byBucket = this.buckets.map((): number[] => []);
    for (let v = 0, j = 0; v < live.length; j += counts[v]!, v++)
      this.indexValue(live[v]!, idOf, extended, j, counts[v]!, byBucket);
    this.buckets.forEach((b, i) => {
      b.addMany(byBucket[i]!, this);
    });
  }

  /**
   * Records the value's pattern ids (idOf[from, from + count)) and adds them to the head index; byBucket
   * collects them per sampling bucket, except the ones `extended` marks (found through the next one).
   */
  private indexValue(
    entry: ValueEntry,
    idOf: Int32Array,
    extended: Uint8Array,
    from: number,
    count: number,
    byBucket: number[][],
  ): void {
    const { alt0, slotOf, headIndex } = this;
    entry.slot = this.freeSlots.pop() ?? this.slots.length;
    this.slots[entry.slot] = entry;
    // Exactly sized: thousands of these stay alive.
    const ids = new Array<number>(count);
    let maxLen = 0;
    for (let k = 0; k < count; k++) {
      const id = idOf[from + k]!;
      const a = alt0[id]!;
      slotOf[id] = entry.slot;
      if (extended[from + k] === 1) {
        const core = idOf[from + k + 1]!;
        this.longer[core] = id;
        this.headOnly[id] = 1;
      } else byBucket[this.bucketOf(a.length)]!.push(id);
      headIndex.add(id, a, this);
      ids[k] = id;
      if (a.length > maxLen) maxLen = a.length;
    }
    entry.ids = ids;
    entry.maxLen = maxLen;
    this.lengths.set(maxLen, (this.lengths.get(maxLen) ?? 0) + 1);
    if (maxLen > this.longest) this.longest = maxLen;
  }

  private removePattern(id: number): void {
    const a = this.alt0[id]!;
    // Mark the id removed before the indexes drop it: a removal may trigger a rehash that walks the store, and
    // a rehash that still saw this id would link it again, so its reuse would close a cycle in a chain.
    this.alt0[id] = '';
    this.others[id] = undefined;
    this.longer[id] = -1;
    if (this.headOnly[id] === 1) this.headOnly[id] = 0;
    else this.buckets[this.bucketOf(a.length)]!.remove(id, a);
    this.headIndex.remove(id, a, this);
    this.freeIds.push(id);
  }

  private bucketOf(len: number): number {
    for (let i = 0; i < BUCKETS.length; i++) if (len >= BUCKETS[i]!) return i;
    throw new RangeError(`pattern shorter than ${Q}`);
  }
}
