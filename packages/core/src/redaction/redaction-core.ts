import { createHmac, randomBytes } from 'node:crypto';
import { KnownMatcher, type Registration } from './known-matcher.js';
import { MIN_SECRET_LENGTH } from './known-forms.js';
import type { RuleEngine } from './rule-engine.js';
import type { SecretFinding } from './types.js';

/** One candidate range before merging: a registered form or a rule hit. */
export interface Hit {
  start: number;
  end: number;
  /** Start of the whole rule match (the key in front of the value); equals start for known values. */
  from: number;
  /** The registration for a known value, undefined for a rule hit. */
  known: Registration | undefined;
  /** Rule id (rule hits) or label (known values). */
  label: string;
  /** The matched secret for rule hits (fingerprinted on demand), '' for known values. */
  secret: string;
}

/** Non-overlapping ranges to replace, each named by its leftmost-longest hit. */
export interface Segment {
  start: number;
  end: number;
  hit: Hit;
}

/**
 * Strings up to this length are first checked by two tight loops (surelyClean) before the full scan. Such strings
 * (tool call ids, span attribute values, audit fields) are nearly always clean, and the full scan's code path is
 * what a string checked between tool calls pays for: cold, ~15 µs for a fresh 29-character id inside
 * `generateText`, against 0.5 µs in a loop; after a cache flush the two loops cost 8 µs against 14-15.
 */
const QUICK_MAX = 256;

/** Length of a trailing "..." or "…" (what span attribute limits append), else 0. */
function trailingEllipsis(text: string): number {
  const n = text.length;
  if (n > 0 && text.charCodeAt(n - 1) === 0x2026) return 1;
  return n >= 3 && text.endsWith('...') ? 3 : 0;
}

/** The batch engine shared by redact, scan, redactDeep and the stream redactor. */
export class RedactionCore {
  readonly known = new KnownMatcher();
  readonly rules: RuleEngine | undefined;
  private readonly key: Buffer;
  private readonly withFingerprint: boolean;

  constructor(rules: RuleEngine | undefined, fingerprint: boolean, key: Uint8Array | undefined) {
    this.rules = rules !== undefined && !rules.empty ? rules : undefined;
    this.withFingerprint = fingerprint;
    this.key = key !== undefined ? Buffer.from(key) : randomBytes(32);
  }

  /** Keyed HMAC-SHA256, 16 hex characters: correlates for whoever holds the key, says nothing to others. */
  fingerprint(value: string): string {
    return createHmac('sha256', this.key).update(value, 'utf8').digest('hex').slice(0, 16);
  }

  /**
   * Every candidate in `text`. With `tail`, also a registered form cut short at the end of the text (the first
   * >= 8 characters of a form, optionally followed by "..." or "…", as span attribute limits leave it).
   */
  hits(text: string, tail: boolean): Hit[] {
    const out = this.knownHits(text, tail, []);
    this.rules?.scan(text, (start, end, label, secret, from) => {
      out.push({ start, end, from, known: undefined, label, secret });
    });
    return out;
  }

  /** The registered forms in `text` (and with `tail` one cut short at its end), appended to `out`. */
  knownHits(text: string, tail: boolean, out: Hit[]): Hit[] {
    const { known } = this;
    if (known.values === 0) return out;
    known.find(text, (start, end, id) => {
      const reg = known.ownerOf(id);
      out.push({ start, end, from: start, known: reg, label: reg.label, secret: '' });
    });
    if (tail) {
      const end = text.length - trailingEllipsis(text);
      const t = this.truncatedHead(text, end);
      if (t !== undefined) {
        const reg = known.ownerOf(t[1]);
        out.push({ start: t[0], end, from: t[0], known: reg, label: reg.label, secret: '' });
      }
    }
    return out;
  }

  /** The leftmost registered form's first >= 8 characters that end exactly at `end`: [start, pattern id]. */
  truncatedHead(text: string, end: number): [number, number] | undefined {
    const { known } = this;
    return known.head.leftmostTail(text, Math.max(0, end - known.maxLen + 1), end, MIN_SECRET_LENGTH, known);
  }

  placeholder(hit: Hit): string {
    const label = hit.label.replace(/[^A-Za-z0-9_.\-/@]/g, '_');
    if (!this.withFingerprint) return `[REDACTED:${label}]`;
    return `[REDACTED:${label}:${this.findingPrint(hit)}]`;
  }

  findingPrint(hit: Hit): string {
    return hit.known !== undefined ? hit.known.fingerprint : this.fingerprint(hit.secret);
  }

  redact(text: string): string {
    if (text.length === 0 || this.surelyClean(text)) return text;
    return this.redactFully(text);
  }

  /** redact without the short-string check (the reference it is tested against). */
  redactFully(text: string): string {
    const hits = this.hits(text, true);
    if (hits.length === 0) return text;
    return this.render(text, merge(hits), 0, text.length);
  }

  /**
   * True when `text` is short (QUICK_MAX) and neither a registered form (nor the truncated head of one) nor a rule
   * can match in it: no position starts like a pattern and the rule prefilter finds no start. False means "look
   * closer", not "found".
   */
  surelyClean(text: string): boolean {
    if (text.length > QUICK_MAX) return false;
    const { known } = this;
    if (known.values > 0 && known.head.mayOccur(text)) return false;
    return this.rules === undefined || !this.rules.mayHit(text);
  }

  scan(text: string): SecretFinding[] {
    if (this.surelyClean(text)) return [];
    return merge(this.hits(text, true)).map(({ start, end, hit }) => ({
      rule: hit.known !== undefined ? `known:${hit.label}` : hit.label,
      start,
      end,
      fingerprint: this.findingPrint(hit),
    }));
  }

  /** text[from, to) with the segments inside it replaced. */
  render(text: string, segments: readonly Segment[], from: number, to: number): string {
    let out = '';
    let pos = from;
    for (const s of segments) {
      if (s.start >= to) break;
      out += text.slice(pos, s.start) + this.placeholder(s.hit);
      pos = s.end;
    }
    return out + text.slice(pos, to);
  }
}

/**
 * Leftmost-longest: sort by start, longest first (a known value before a rule hit at the same range), then merge
 * overlaps into one segment named by its first hit, so no fragment of an overlapping secret stays visible.
 */
export function merge(hits: Hit[]): Segment[] {
  hits.sort(
    (a, b) =>
      a.start - b.start || b.end - a.end || (a.known !== undefined ? 0 : 1) - (b.known !== undefined ? 0 : 1),
  );
  const out: Segment[] = [];
  let cur: Segment | undefined;
  for (const hit of hits) {
    if (cur !== undefined && hit.start < cur.end) {
      if (hit.end > cur.end) cur.end = hit.end;
      continue;
    }
    cur = { start: hit.start, end: hit.end, hit };
    out.push(cur);
  }
  return out;
}
