/* eslint-disable @typescript-eslint/no-non-null-assertion -- indices are in range by construction */
import { FOLD, gramHash, Q } from './fold-hash.js';
import { GOLDEN, key3, key4, rollKey3, type HeadIndex } from './head-index.js';
import { merge, type Hit, type RedactionCore, type Segment } from './redaction-core.js';
import type { StreamRuleHit } from './rule-stream.js';
import type { PatternStore } from './sampled-index.js';
import type { StreamRedactor } from './types.js';

/** A stream redactor that also reports how much it is holding back (for benchmarks and back-pressure). */
export interface MeteredStreamRedactor extends StreamRedactor {
  /** Characters received but not yet emitted. */
  readonly held: number;
}

/** Rules: characters always held back so a key stays with its value (research: 256 is enough for every rule). */
const RULE_HOLD = 256;
/** Rules: rescan only after this many new characters, so 4-character chunks do not rescan 256 each time. */
const RULE_RESCAN = 64;
/**
 * Carried rules: advance only once this many new characters have arrived. Each pass has a fixed cost (~0.5 µs), so
 * token-sized chunks are batched; this adds at most 15 characters to the rules' hold-back.
 */
const CARRY_BATCH = 16;
/** Rules: the key/separator part in front of a value that is still growing. */
const KEY_CONTEXT = 64;
/** Rules: a token still growing at the end is held at most this long, an open PEM block at most PEM_MAX. */
const MAX_TOKEN = 8192;
const PEM_MAX = 70_000;

const NO_HITS: Hit[] = [];
/** Scratch for joining buf and a chunk into one flat string (join builds a sequential string, `+` a cons). */
const pair = ['', ''];

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9 || c === 12 || c === 11;
}

/** Ascending buffer positions, in a typed array with a count (no array length writes on the per-write path). */
class Positions {
  at = new Int32Array(16);
  n = 0;

  push(p: number): void {
    if (this.n === this.at.length) {
      const a = new Int32Array(this.n * 2);
      a.set(this.at);
      this.at = a;
    }
    this.at[this.n++] = p;
  }

  /** Drops positions below `cut` and shifts the rest down by it. */
  shift(cut: number): void {
    let k = 0;
    for (let i = 0; i < this.n; i++) if (this.at[i]! >= cut) this.at[k++] = this.at[i]! - cut;
    this.n = k;
  }
}

/**
 * Streams through the batch engine without rescanning a fixed window. For known values it carries the set of
 * positions whose suffix is still the beginning of a registered form (usually the last 1-3 characters) and holds
 * back from the leftmost one only; everything before it is final, because any later match would have to start at
 * a live position. Built-in rules are carried too (rule-stream.ts): each candidate a rule trigger reports is
 * tried once, when no later text can change its answer, and only text from the earliest open candidate (or the
 * last few characters a trigger could still start in) is held. User rules have no triggers, so with them the
 * rules rescan a bounded window instead: 256 characters, the whole token still growing at the end with its key,
 * and an open PEM block until its END line.
 *
 * Without rules, most writes take a fast path (`quickWrite`) that reads only the new chunk: it emits what is held
 * plus the chunk's final part without joining them into one string (a join followed by a character read copied
 * every chunk) and without a batch scan. Anything it cannot settle alone (a held position that still looks like a
 * form, a new position that starts like one) goes to the general path, which sees the joined buffer.
 *
 * With the carried scanner, chunks are joined onto the held text once per scan as one flat string, and the last
 * Q - 1 positions are classified only once a whole Q-gram follows them (the rules hold back further than that).
 */
export function createStreamRedactor(core: RedactionCore): MeteredStreamRedactor {
  let buf = '';
  /** Positions in buf whose suffix may still become a registered form. */
  let live = new Positions();
  let spare = new Positions();
  /** buf positions below this have been classified for `live`. */
  let checked = 0;
  /** The registration version `live` was computed for. */
  let version = core.known.version;
  /** The last batch scan found something (so the next flush scans again, see flush). */
  let heldHit = false;
  /** buf length at the last rule scan. */
  let ruleScanned = 0;
  const rules = core.rules !== undefined;
  /** Built-in rules carried across writes (rule-stream.ts); user rules rescan a bounded window instead. */
  let scanner = core.rules?.streamScanner();
  /** Absolute stream position of buf[0] (the rule scanner works in absolute positions). */
  let base = 0;
  /** Accepted rule hits not emitted yet, at absolute positions. */
  let ruleHits: StreamRuleHit[] = [];
  /**
   * A registered form may be in buf but no batch scan has looked yet: a flush that emits nothing (everything held
   * by a live position, an ellipsis or the rules) skips the scan, and the position that showed the form may not be
   * live any more at the next one.
   */
  let knownDue = false;
  /** Carried scanner: chunks received since the last scan, not in buf yet (slot 0 is buf's, set by joinPending). */
  let pending = [''];
  let pendingLength = 0;

  /**
   * Classifies the new positions. Returns false when no registered form can occur in buf: nothing was live and
   * no new position starts like a form (then the batch scan can be skipped; the classification is exact about
   * starts, so nothing is missed). With `fullOnly`, only positions followed by a whole Q-gram are classified
   * (`checked` stops before the rest, and the caller must not emit from `checked` on).
   */
  function updateLive(fullOnly = false): boolean {
    const { known } = core;
    const L = buf.length;
    if (known.values === 0) {
      live.n = 0;
      checked = L;
      return false;
    }
    const { head } = known;
    let mayMatch = false;
    if (known.version !== version) {
      // Values were registered or unregistered since the last flush: classify everything held from scratch.
      version = known.version;
      live.n = 0;
      checked = 0;
      mayMatch = true;
    }
    const minP = L - known.maxLen + 1;
    // Two position sets swapped between flushes: no allocation per write.
    const next = spare;
    next.n = 0;
    for (let i = 0; i < live.n; i++) {
      const p = live.at[i]!;
      if (L - p < Q) {
        if (p >= minP && shortLive(head, known, buf, p, L)) next.push(p);
        continue;
      }
      // A form completed at an old live position starts with a head Q-gram too.
      const h = gramHash(buf, p, Q);
      if (!head.mayPrefix(h)) continue;
      mayMatch = true;
      if (p >= minP && head.prefixOwner(buf, p, L, h, known) !== -1) next.push(p);
    }
    let p = Math.max(checked, 0);
    // New positions before minP are too far back to be live but may start a complete form. Without fullOnly they
    // are skipped and the batch scan runs; with it (the rules batch their passes, so more than the longest form
    // often arrives between two) they are classified like the others (prefixOwner finds none of them live).
    if (!fullOnly && p < minP) {
      p = minP;
      mayMatch = true;
    }
    // Most writes bring no position that starts like a form: a sampled pass settles them without hashing each.
    if (p <= L - Q && noFullStart(head, head.head4Of(known), buf, p, L)) p = L - Q + 1;
    if (p <= L - Q) {
      p = classifyFull(head, known, buf, p, L, next);
      if (p < 0) {
        mayMatch = true;
        p = ~p;
      }
    }
    // fullOnly: the last Q - 1 positions wait for more text (their short-suffix test costs more than the rest).
    if (!fullOnly) for (; p < L; p++) if (shortLive(head, known, buf, p, L)) next.push(p);
    spare = live;
    live = next;
    checked = fullOnly ? p : L;
    return mayMatch;
  }

  /**
   * The fast path for known values only: the result of write(chunk), or undefined (and nothing changed) when the
   * general path has to decide. Settles the write alone when every held live position stops looking like a form
   * within the chunk's first characters and no new position starts like one: then no form can be complete in
   * held + chunk, the held text is final, and only the chunk's last few characters can be live.
   */
  function quickWrite(chunk: string): string | undefined {
    const { known } = core;
    if (known.version !== version || known.values === 0) return undefined;
    const H = buf.length;
    const L = H + chunk.length;
    // New positions too far back to be live may start a complete form: leave long chunks to the batch scan.
    if (H < L - known.maxLen + 1 || chunk.length < Q) return undefined;
    const { head } = known;
    for (let i = 0; i < live.n; i++) {
      const p = live.at[i]!;
      if (L - p < Q || head.mayPrefix(hashAcross(buf, p, chunk))) return undefined;
    }
    // A new position whose Q-gram passes the head filter: the general path classifies it (and may scan).
    if (!noFullStart(head, head.head4Of(known), chunk)) return undefined;
    // A form's head followed by what may be a trailing ellipsis: the general path decides whether to hold it.
    if (endsLikeEllipsis(chunk) > 0) return undefined;
    const next = spare;
    next.n = 0;
    let p = chunk.length - Q + 1;
    for (; p < chunk.length; p++) if (shortLive(head, known, chunk, p, chunk.length)) next.push(p);
    // Nothing held survived: emit the held text and the chunk up to its first live position.
    const cut = next.n > 0 ? next.at[0]! : chunk.length;
    next.shift(cut);
    spare = live;
    live = next;
    const tail = cut === chunk.length ? '' : chunk.slice(cut);
    const head0 = cut === chunk.length ? chunk : chunk.slice(0, cut);
    const out = H === 0 ? head0 : buf + head0;
    buf = tail;
    checked = tail.length;
    return out;
  }

  /**
   * Where to hold from when buf ends with a registered form's first >= 8 characters followed by "…", "..." or the
   * start of one: the stream may end right there, and then the whole is a truncated form (what span attribute
   * limits leave) that end() must redact, as batch redaction does. buf.length when there is none.
   */
  function ellipsisHold(): number {
    const L = buf.length;
    const dots = endsLikeEllipsis(buf);
    if (dots === 0 || core.known.values === 0) return L;
    const t = core.truncatedHead(buf, L - dots);
    return t === undefined ? L : t[0];
  }

  function ruleLimit(): number {
    const L = buf.length;
    let r = L;
    const stop = Math.max(0, L - MAX_TOKEN);
    while (r > stop && !isSpace(buf.charCodeAt(r - 1))) r--;
    let limit = Math.min(L - RULE_HOLD, r - KEY_CONTEXT);
    const begin = buf.lastIndexOf('-----BEGIN ');
    if (begin !== -1 && L - begin < PEM_MAX) {
      // Open until the whole END line (with its closing dashes) has arrived.
      const end = buf.indexOf('-----END ', begin);
      if (end === -1 || buf.indexOf('-----', end + 9) === -1) limit = Math.min(limit, begin);
    }
    return Math.max(0, limit);
  }

  /**
   * Carried scanner: appends the waiting chunks and `chunk` to buf. Joined once per scan into one flat string:
   * `+=` builds a cons string, which the scanner and the live classification then read ~1.3x slower (measured).
   */
  function joinPending(chunk: string): void {
    if (pendingLength === 0) {
      if (chunk === '') return;
      pair[0] = buf;
      pair[1] = chunk;
      buf = pair.join('');
      // The shared scratch must not keep stream text (possibly a secret) alive after the stream.
      pair[0] = pair[1] = '';
      return;
    }
    pending[0] = buf;
    if (chunk !== '') pending.push(chunk);
    buf = pending.join('');
    pending = [''];
    pendingLength = 0;
  }

  /** Drops the first `cut` characters of buf (emitted) and moves every position kept about buf with them. */
  function consume(cut: number): void {
    if (cut > 0) {
      buf = buf.slice(cut);
      live.shift(cut);
      checked -= cut;
      base += cut;
      if (ruleHits.length > 0) ruleHits = ruleHits.filter((h) => h.start >= base);
    }
    ruleScanned = buf.length;
  }

  /** flush with the carried rule scanner: known values as without rules, rule hits from the scanner. */
  function flushCarried(final: boolean): string {
    const carried = scanner!;
    // The rules hold back more than the last Q - 1 characters anyway (their frontier trails the longest trigger),
    // so those positions are classified once more text has come: then they have a whole Q-gram, the cheap test.
    if (updateLive(!final)) knownDue = true;
    const L = buf.length;
    // The scanner needs the character before its frontier (lookbehinds read it).
    const frontier = carried.advance(buf, base, final, ruleHits) - base - 1;
    const limit = final ? L : Math.min(live.n > 0 ? live.at[0]! : L, checked, frontier, ellipsisHold());
    if (limit <= 0 && !final) {
      ruleScanned = L;
      return '';
    }
    let hits = NO_HITS;
    if (final || knownDue || heldHit) {
      hits = core.knownHits(buf, final, []);
      heldHit = hits.length > 0;
      knownDue = false;
    }
    if (ruleHits.length > 0) {
      if (hits === NO_HITS) hits = [];
      for (const h of ruleHits)
        hits.push({
          start: h.start - base,
          end: h.end - base,
          from: h.from - base,
          known: undefined,
          label: h.label,
          secret: h.secret,
        });
    }
    let cut = limit;
    let out: string;
    if (hits.length === 0) out = buf.slice(0, cut);
    else {
      const segments = merge(hits);
      const n = segmentsBefore(segments, limit);
      if (n < segments.length && segments[n]!.start < limit) cut = segments[n]!.start;
      out = core.render(buf, segments.slice(0, n), 0, cut);
    }
    consume(cut);
    return out;
  }

  function flush(final: boolean): string {
    if (scanner !== undefined) return flushCarried(final);
    if (updateLive()) knownDue = true;
    const L = buf.length;
    let limit = final ? L : Math.min(live.n > 0 ? live.at[0]! : L, ellipsisHold());
    if (rules && !final) limit = Math.min(limit, ruleLimit());
    if (limit === 0 && !final) {
      ruleScanned = L;
      return '';
    }
    // Known values only and no form can be in buf: the common case costs no batch scan.
    // A form found last time but held back (it crossed the limit) is no longer live: rescan while one is held.
    const hits = rules || final || knownDue || heldHit ? core.hits(buf, final) : NO_HITS;
    heldHit = hits.length > 0;
    knownDue = false;
    let cut = limit;
    let out = '';
    if (hits.length === 0) out = buf.slice(0, cut);
    else {
      const segments = merge(hits);
      const n = segmentsBefore(segments, limit);
      if (n < segments.length && segments[n]!.start < limit) cut = segments[n]!.start;
      // A rule hit not emitted yet keeps its whole match (the key in front of the value) in the buffer.
      const done = n > 0 ? segments[n - 1]!.end : 0;
      for (const h of hits) if (h.start >= done && h.from < cut) cut = Math.max(done, h.from);
      out = core.render(buf, segments.slice(0, n), 0, cut);
    }
    consume(cut);
    return out;
  }

  return {
    write(chunk: string): string {
      if (typeof chunk !== 'string') throw new TypeError('StreamRedactor.write expects a string');
      if (chunk.length === 0) return '';
      if (!rules && !heldHit && !knownDue) {
        const out = quickWrite(chunk);
        if (out !== undefined) return out;
      }
      if (scanner !== undefined) {
        if (buf.length + pendingLength + chunk.length - ruleScanned < CARRY_BATCH) {
          pending.push(chunk);
          pendingLength += chunk.length;
          return '';
        }
        joinPending(chunk);
        return flush(false);
      }
      buf += chunk;
      // User rules: rescan the bounded window only after RULE_RESCAN new characters.
      if (rules && buf.length - ruleScanned < RULE_RESCAN) return '';
      return flush(false);
    },
    end(): string {
      joinPending('');
      const out = flush(true);
      buf = '';
      live.n = 0;
      checked = 0;
      ruleScanned = 0;
      heldHit = false;
      base = 0;
      ruleHits = [];
      knownDue = false;
      if (scanner !== undefined) scanner = core.rules?.streamScanner();
      return out;
    },
    get held(): number {
      return buf.length + pendingLength;
    },
  };
}

/**
 * Classifies text positions from `from` to `end - Q` (each followed by a whole Q-gram): pushes the live ones to
 * `out` and returns end - Q + 1, or its bitwise complement when some position's Q-gram passed the head filter (a
 * form could start there). Sees every streamed character once, so it tests the cheap 3-character head bitmap
 * first and hashes the Q-gram only where some pattern starts that way.
 */
function classifyFull(
  head: HeadIndex,
  store: PatternStore,
  text: string,
  from: number,
  end: number,
  out: Positions,
): number {
  const last = end - Q;
  const { head3 } = head;
  let mayMatch = false;
  let k = key3(text, from);
  for (let p = from; ; ) {
    if ((head3[k >>> 3]! & (1 << (k & 7))) !== 0) {
      const h = gramHash(text, p, Q);
      if (head.mayPrefix(h)) {
        mayMatch = true;
        if (head.prefixOwner(text, p, end, h, store) !== -1) out.push(p);
      }
    }
    if (p === last) break;
    k = rollKey3(k, text, p);
    p++;
  }
  return mayMatch ? ~(last + 1) : last + 1;
}

/**
 * True when no position of text[from, end) followed by a whole Q-gram passes the head filter (so none starts a
 * registered form). Reads one key4 every 4 characters: a pattern starting at p has its key4 at offset i - p (0-3)
 * indexed for the sample i in [p, p + 3], so only the positions around a sample that hits are hashed.
 */
function noFullStart(head: HeadIndex, head4: Uint8Array, text: string, from = 0, end = text.length): boolean {
  const last = end - Q;
  const shift = head.head4Shift;
  const lastSample = end - 4;
  let p = from;
  let i = from;
  for (; i <= lastSample; i += 4) {
    const b = Math.imul(key4(text, i), GOLDEN) >>> shift;
    if ((head4[b >>> 3]! & (1 << (b & 7))) === 0) continue;
    for (p = Math.max(p, i - 3); p <= i && p <= last; p++)
      if (head.mayPrefix(gramHash(text, p, Q))) return false;
  }
  // Positions after the last sample window (at most a few) are hashed directly.
  for (p = Math.max(p, i - 3); p <= last; p++) if (head.mayPrefix(gramHash(text, p, Q))) return false;
  return true;
}

/**
 * How many segments lie wholly before `limit`: those are emitted. One that crosses the limit might still grow, so
 * the caller stops before it.
 */
function segmentsBefore(segments: readonly Segment[], limit: number): number {
  let n = 0;
  while (n < segments.length && segments[n]!.end <= limit) n++;
  return n;
}

/** Length of a trailing "…", "...", ".." or "." (an ellipsis that may be complete or still arriving), else 0. */
function endsLikeEllipsis(text: string): number {
  const n = text.length;
  const c = text.charCodeAt(n - 1);
  if (c === 0x2026) return 1;
  if (c !== 46) return 0;
  if (text.charCodeAt(n - 2) !== 46) return 1;
  return text.charCodeAt(n - 3) === 46 ? 3 : 2;
}

/** isLive for a suffix shorter than Q: the 3-character head bitmap first, then the prefix counts. */
function shortLive(head: HeadIndex, store: PatternStore, text: string, p: number, end: number): boolean {
  if (end - p >= 3 && !head.mayStart3(key3(text, p))) return false;
  return head.isLive(text, p, end, 0, store);
}

/** Folded hash of the Q characters from position p of a + b (p < a.length, a.length + b.length >= p + Q). */
function hashAcross(a: string, p: number, b: string): number {
  let h = 0;
  for (let k = 0; k < Q; k++) {
    const i = p + k;
    const c = i < a.length ? a.charCodeAt(i) : b.charCodeAt(i - a.length);
    h = (Math.imul(h, 31) + FOLD[c]!) | 0;
  }
  return h;
}
