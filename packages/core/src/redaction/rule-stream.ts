/* eslint-disable @typescript-eslint/no-non-null-assertion -- indices are in range by construction */
import type { RulePrefilter } from './rule-prefilter.js';
import type { RuleFence, RuleReach } from './rule-reach.js';

/** One sticky attempt's result, in the positions of the text it ran on. */
export interface RuleMatch {
  /** Start and end of the whole match (the key in front of a value included). */
  index: number;
  last: number;
  /** The range to replace (the `secret` group, else the whole match). */
  start: number;
  end: number;
}

/** What the stream needs from the engine: the rules' sticky attempts and the accept step, per rule index. */
export interface RuleStreamRules {
  readonly prefilter: RulePrefilter;
  readonly reach: readonly (RuleReach | undefined)[];
  readonly fences: readonly (RuleFence | undefined)[];
  /** Rule `rule` tried at `at` only (sticky). */
  tryAt(rule: number, text: string, at: number): RuleMatch | undefined;
  /** The id to report for this match's secret, or undefined when it is dropped (allow-list, entropy, …). */
  accept(rule: number, secret: string): string | undefined;
}

/** An accepted rule hit at absolute stream positions. */
export interface StreamRuleHit {
  start: number;
  end: number;
  /** Start of the whole match. */
  from: number;
  label: string;
  secret: string;
}

interface Decided {
  rule: number;
  match: RuleMatch;
}

/**
 * The rule engine's filtered scan (prefilter, then each rule tried sticky at the starts it reports) spread over a
 * stream, so no text is scanned twice. The prefilter samples each position once, with the alignment of one pass
 * over the whole text, so it reports the same candidates. A candidate (rule, start) stays open until no later
 * text can change its regex's answer (rule-reach.ts): the text reaches the rule's longest read, or a character
 * no match can hold at that offset has arrived, or (PEM blocks) the END line. Then it is tried once. Decided
 * matches are replayed in (start, rule) order, as the batch scan walks them, once nothing open or not yet
 * sampled can start before them.
 */
export class RuleStream {
  /** Next sample position (absolute, a multiple of the sampler's stride as in a whole-text pass). */
  private sampleAt = 0;
  /** Next position where a '.' anchor is looked for. */
  private dotAt = 0;
  private readonly longest: number;
  /** A start not reported yet lies at least this far before sampleAt (dotBehind before dotAt). */
  private readonly behind: number;
  private readonly dotAfter: number;
  private readonly dotBehind: number;
  /** Open candidates as triples: rule, absolute start, absolute position from which to look for their close. */
  private readonly open: number[] = [];
  /** Entries in use in `open` (a count instead of length writes on the per-write path). */
  private openN = 0;
  private decided: Decided[] = [];
  /** The batch walk's resume point: matches starting before it are skipped. */
  private resume = 0;
  private readonly starts: number[] = [];

  constructor(private readonly rules: RuleStreamRules) {
    const r = rules.prefilter.reach;
    this.longest = r.longest;
    this.behind = r.lead - r.minAt;
    this.dotAfter = r.dotAfter;
    this.dotBehind = -r.dotBefore;
  }

  /**
   * `buf` is the stream's text from absolute position `base` to its current end. Appends the hits accepted now
   * to `out` and returns the absolute position before which no rule hit can appear or change any more. The
   * caller must keep buf from one character before it (lookbehinds read that character).
   */
  advance(buf: string, base: number, final: boolean, out: StreamRuleHit[]): number {
    const L = base + buf.length;
    this.sample(buf, base, L, final);
    const { open } = this;
    let earliestOpen = Infinity;
    let w = 0;
    for (let k = 0; k < this.openN; k += 3) {
      const rule = open[k]!;
      const s = open[k + 1]!;
      if (!final && !this.isDecided(buf, base, k)) {
        open[w++] = rule;
        open[w++] = s;
        open[w++] = open[k + 2]!;
        if (s < earliestOpen) earliestOpen = s;
        continue;
      }
      const m = this.rules.tryAt(rule, buf, s - base);
      if (m === undefined) continue;
      m.index += base;
      m.last += base;
      m.start += base;
      m.end += base;
      this.decided.push({ rule, match: m });
    }
    this.openN = w;
    const frontier = final
      ? L
      : Math.min(earliestOpen, this.sampleAt - this.behind, this.dotAt - this.dotBehind, L);
    this.replay(buf, base, frontier, out);
    return frontier;
  }

  /** Reports the candidates of the text that has become complete enough to sample. */
  private sample(buf: string, base: number, L: number, final: boolean): void {
    const lastSample = final ? L - 3 : L - this.longest;
    const dotTo = final ? L : L - this.dotAfter;
    if (this.sampleAt > lastSample && this.dotAt >= dotTo) return;
    const { starts } = this;
    // Setting an array's length is a runtime call (~2% of a write): only when there is something to drop.
    if (starts.length !== 0) starts.length = 0;
    const sampleFrom = this.sampleAt;
    this.rules.prefilter.findRange(
      buf,
      sampleFrom - base,
      lastSample - base,
      this.dotAt - base,
      dotTo - base,
      starts,
    );
    // The sampler's stride is 3: advance to the first aligned position after lastSample.
    if (sampleFrom <= lastSample)
      this.sampleAt = sampleFrom + (Math.floor((lastSample - sampleFrom) / 3) + 1) * 3;
    if (this.dotAt < dotTo) this.dotAt = dotTo;
    const { open } = this;
    let n = this.openN;
    for (let k = 0; k < starts.length; k += 2) {
      open[n++] = starts[k]!;
      open[n++] = starts[k + 1]! + base;
      open[n++] = 0;
    }
    this.openN = n;
  }

  /** True when no later text can change the answer of the candidate at open[k] (see rule-reach.ts). */
  private isDecided(buf: string, base: number, k: number): boolean {
    const { open } = this;
    const rule = open[k]!;
    const s = open[k + 1]!;
    const reach = this.rules.reach[rule];
    if (reach === undefined) return false;
    const L = base + buf.length;
    if (L >= s + reach.max) return true;
    const fence = this.rules.fences[rule];
    if (fence !== undefined) {
      const from = Math.max(s + fence.from, open[k + 2]!);
      if (from >= L) return false;
      const q = buf.indexOf(fence.lit, from - base);
      if (q === -1) {
        // Resume the search where a fence could still begin.
        open[k + 2] = Math.max(from, L - fence.lit.length + 1);
        return false;
      }
      open[k + 2] = q + base;
      return q + base + fence.after <= L;
    }
    const { inTail, tailNonAscii, ahead } = reach;
    let q = Math.max(s + reach.past, open[k + 2]!);
    for (; q + ahead <= L; q++) {
      const c = buf.charCodeAt(q - base);
      if (c < 128 ? inTail[c] === 0 : !tailNonAscii) return true;
    }
    open[k + 2] = q;
    return false;
  }

  /** The batch walk over the decided matches that start before `frontier`. */
  private replay(buf: string, base: number, frontier: number, out: StreamRuleHit[]): void {
    const { decided } = this;
    if (decided.length === 0) return;
    let ready: Decided[] | undefined;
    let w = 0;
    for (const d of decided)
      if (d.match.index < frontier) (ready ??= []).push(d);
      else decided[w++] = d;
    decided.length = w;
    if (ready === undefined) return;
    if (ready.length > 1) ready.sort((a, b) => a.match.index - b.match.index || a.rule - b.rule);
    for (const { rule, match } of ready) {
      if (match.index < this.resume) continue;
      const secret = buf.slice(match.start - base, match.end - base);
      const id = this.rules.accept(rule, secret);
      if (id !== undefined)
        out.push({ start: match.start, end: match.end, from: match.index, label: id, secret });
      this.resume = id !== undefined && match.last > match.index ? match.last : match.index + 1;
    }
  }
}
