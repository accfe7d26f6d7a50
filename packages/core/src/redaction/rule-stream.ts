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
  /**
   * Open candidates as pairs: rule, absolute start (the prefilter writes them here directly). Entries in use are
   * counted by openN: with push, the length would have to be cut whenever a candidate closes (a runtime call;
   * measured ~5% slower per write).
   */
  private readonly open: number[] = [];
  private openN = 0;
  /** Per open pair (index k / 2): absolute position from which to look for its close (0: from its start). */
  private readonly closeAt: number[] = [];
  /** Decided matches kept sorted by (start, rule), the order of the batch walk: rules and matches, decidedN used. */
  private readonly decidedRule: number[] = [];
  private readonly decided: RuleMatch[] = [];
  private decidedN = 0;
  /** The batch walk's resume point: matches starting before it are skipped. */
  private resume = 0;

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
    const { open, closeAt } = this;
    let earliestOpen = Infinity;
    let w = 0;
    for (let k = 0; k < this.openN; k += 2) {
      const rule = open[k]!;
      const s = open[k + 1]!;
      if (!final && !this.isDecided(buf, base, k)) {
        closeAt[w >> 1] = closeAt[k >> 1]!;
        open[w++] = rule;
        open[w++] = s;
        if (s < earliestOpen) earliestOpen = s;
        continue;
      }
      const m = this.rules.tryAt(rule, buf, s - base);
      if (m === undefined) continue;
      m.index += base;
      m.last += base;
      m.start += base;
      m.end += base;
      this.decide(rule, m);
    }
    this.openN = w;
    const frontier = final
      ? L
      : Math.min(earliestOpen, this.sampleAt - this.behind, this.dotAt - this.dotBehind, L);
    if (this.decidedN > 0) this.replay(buf, base, frontier, out);
    return frontier;
  }

  /** Reports the candidates of the text that has become complete enough to sample. */
  private sample(buf: string, base: number, L: number, final: boolean): void {
    const lastSample = final ? L - 3 : L - this.longest;
    const dotTo = final ? L : L - this.dotAfter;
    const sampleFrom = this.sampleAt;
    if (sampleFrom > lastSample && this.dotAt >= dotTo) return;
    const n0 = this.openN;
    const n = this.rules.prefilter.findRange(
      buf,
      sampleFrom - base,
      lastSample - base,
      this.dotAt - base,
      dotTo - base,
      this.open,
      n0,
      base,
    );
    // The sampler's stride is 3: advance to the first aligned position after lastSample (integer division).
    if (sampleFrom <= lastSample) this.sampleAt = sampleFrom + (((lastSample - sampleFrom) / 3) | 0) * 3 + 3;
    if (this.dotAt < dotTo) this.dotAt = dotTo;
    for (let k = n0; k < n; k += 2) this.closeAt[k >> 1] = 0;
    this.openN = n;
  }

  /** True when no later text can change the answer of the candidate at open[k] (see rule-reach.ts). */
  private isDecided(buf: string, base: number, k: number): boolean {
    const { open, closeAt } = this;
    const rule = open[k]!;
    const s = open[k + 1]!;
    const reach = this.rules.reach[rule];
    if (reach === undefined) return false;
    const L = base + buf.length;
    if (L >= s + reach.max) return true;
    const c = k >> 1;
    const fence = this.rules.fences[rule];
    if (fence !== undefined) {
      const from = Math.max(s + fence.from, closeAt[c]!);
      if (from >= L) return false;
      const q = buf.indexOf(fence.lit, from - base);
      if (q === -1) {
        // Resume the search where a fence could still begin.
        closeAt[c] = Math.max(from, L - fence.lit.length + 1);
        return false;
      }
      closeAt[c] = q + base;
      return q + base + fence.after <= L;
    }
    const { inTail, tailNonAscii, ahead } = reach;
    let q = Math.max(s + reach.past, closeAt[c]!);
    for (; q + ahead <= L; q++) {
      const ch = buf.charCodeAt(q - base);
      if (ch < 128 ? inTail[ch] === 0 : !tailNonAscii) return true;
    }
    closeAt[c] = q;
    return false;
  }

  /** Inserts a decided match in (start, rule) order (a handful are pending at a time). */
  private decide(rule: number, m: RuleMatch): void {
    const { decidedRule, decided } = this;
    let j = this.decidedN++;
    for (; j > 0; j--) {
      const prev = decided[j - 1]!;
      if (prev.index < m.index || (prev.index === m.index && decidedRule[j - 1]! < rule)) break;
      decided[j] = prev;
      decidedRule[j] = decidedRule[j - 1]!;
    }
    decided[j] = m;
    decidedRule[j] = rule;
  }

  /** The batch walk over the decided matches that start before `frontier`. */
  private replay(buf: string, base: number, frontier: number, out: StreamRuleHit[]): void {
    const { decidedRule, decided } = this;
    const n = this.decidedN;
    let k = 0;
    for (; k < n; k++) {
      const match = decided[k]!;
      if (match.index >= frontier) break;
      if (match.index < this.resume) continue;
      const secret = buf.slice(match.start - base, match.end - base);
      const id = this.rules.accept(decidedRule[k]!, secret);
      if (id !== undefined)
        out.push({ start: match.start, end: match.end, from: match.index, label: id, secret });
      this.resume = id !== undefined && match.last > match.index ? match.last : match.index + 1;
    }
    if (k === 0) return;
    for (let j = k; j < n; j++) {
      decided[j - k] = decided[j]!;
      decidedRule[j - k] = decidedRule[j]!;
    }
    this.decidedN = n - k;
  }
}
