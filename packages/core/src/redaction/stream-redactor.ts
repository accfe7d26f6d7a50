/* eslint-disable @typescript-eslint/no-non-null-assertion -- indices are in range by construction */
import { gramHash, Q } from './fold-hash.js';
import { key3 } from './head-index.js';
import { merge, type Hit, type RedactionCore } from './redaction-core.js';
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
/** Rules: the key/separator part in front of a value that is still growing. */
const KEY_CONTEXT = 64;
/** Rules: a token still growing at the end is held at most this long, an open PEM block at most PEM_MAX. */
const MAX_TOKEN = 8192;
const PEM_MAX = 70_000;

const NO_HITS: Hit[] = [];

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9 || c === 12 || c === 11;
}

/**
 * Streams through the batch engine without rescanning a fixed window. For known values it carries the set of
 * positions whose suffix is still the beginning of a registered form (usually the last 1-3 characters) and holds
 * back from the leftmost one only; everything before it is final, because any later match would have to start at
 * a live position. Rules cannot report partial matches, so they add a bounded hold-back: 256 characters, the
 * whole token still growing at the end with its key, and an open PEM block until its END line.
 */
export function createStreamRedactor(core: RedactionCore): MeteredStreamRedactor {
  let buf = '';
  /** Ascending positions in buf whose suffix may still become a registered form. */
  let live: number[] = [];
  let spare: number[] = [];
  /** buf positions below this have been classified for `live`. */
  let checked = 0;
  /** The registration version `live` was computed for. */
  let version = core.known.version;
  /** The last batch scan found something (so the next flush scans again, see flush). */
  let heldHit = false;
  /** buf length at the last rule scan. */
  let ruleScanned = 0;
  const rules = core.rules !== undefined;

  /**
   * Classifies the new positions. Returns false when no registered form can occur in buf: nothing was live and
   * no new position starts like a form (then the batch scan can be skipped; the classification is exact about
   * starts, so nothing is missed).
   */
  function updateLive(): boolean {
    const { known } = core;
    const { head } = known;
    const L = buf.length;
    if (known.values === 0) {
      live = [];
      checked = L;
      return false;
    }
    let mayMatch = false;
    if (known.version !== version) {
      // Values were registered or unregistered since the last flush: classify everything held from scratch.
      version = known.version;
      live = [];
      checked = 0;
      mayMatch = true;
    }
    const minP = L - known.maxLen + 1;
    // Two arrays swapped between flushes: no allocation per write.
    const next = spare;
    next.length = 0;
    for (const p of live) {
      if (L - p < Q) {
        if (p >= minP && shortLive(p, L)) next.push(p);
        continue;
      }
      // A form completed at an old live position starts with a head Q-gram too.
      const h = gramHash(buf, p, Q);
      if (!head.mayPrefix(h)) continue;
      mayMatch = true;
      if (p >= minP && head.prefixOwner(buf, p, L, h, known) !== -1) next.push(p);
    }
    let p = Math.max(checked, minP, 0);
    // New positions before minP are too far back to be live but may start a complete form: scan then.
    if (checked < minP) mayMatch = true;
    // New positions followed by a whole Q-gram: this loop sees every streamed character once, so it tests the
    // cheap 3-character head bitmap first and hashes the Q-gram only where some pattern starts that way.
    const lastFull = L - Q;
    if (p <= lastFull) {
      const text = buf;
      const { head3 } = head;
      let k = key3(text, p);
      for (;;) {
        if ((head3[k >>> 3]! & (1 << (k & 7))) !== 0) {
          const h = gramHash(text, p, Q);
          if (head.mayPrefix(h)) {
            mayMatch = true;
            if (head.prefixOwner(text, p, L, h, known) !== -1) next.push(p);
          }
        }
        if (p === lastFull) break;
        k = ((k << 7) | (text.charCodeAt(p + 3) & 127)) & 0x1fffff;
        p++;
      }
      p++;
    }
    for (; p < L; p++) if (shortLive(p, L)) next.push(p);
    spare = live;
    live = next;
    checked = L;
    return mayMatch;
  }

  /** isLive for a suffix shorter than Q: the exact 3-character head bitmap first, then the prefix counts. */
  function shortLive(p: number, L: number): boolean {
    const { known } = core;
    if (L - p >= 3 && !known.head.mayStart3(key3(buf, p))) return false;
    return known.head.isLive(buf, p, L, 0, known);
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

  function flush(final: boolean): string {
    const mayMatch = updateLive();
    const L = buf.length;
    let limit = final ? L : (live[0] ?? L);
    if (rules && !final) limit = Math.min(limit, ruleLimit());
    if (limit === 0 && !final) {
      ruleScanned = L;
      return '';
    }
    // Known values only and no form can be in buf: the common case costs no batch scan.
    // A form found last time but held back (it crossed the limit) is no longer live: rescan while one is held.
    const hits = rules || final || mayMatch || heldHit ? core.hits(buf, final) : NO_HITS;
    heldHit = hits.length > 0;
    let cut = limit;
    let out = '';
    if (hits.length === 0) out = buf.slice(0, cut);
    else {
      const segments = merge(hits);
      let n = 0;
      // Emit segments wholly before the limit; one that crosses it might still grow, so stop before it.
      for (; n < segments.length; n++) {
        const s = segments[n]!;
        if (s.start >= limit) break;
        if (s.end > limit) {
          cut = s.start;
          break;
        }
      }
      // A rule hit not emitted yet keeps its whole match (the key in front of the value) in the buffer.
      const done = n > 0 ? segments[n - 1]!.end : 0;
      for (const h of hits) if (h.start >= done && h.from < cut) cut = Math.max(done, h.from);
      out = core.render(buf, segments.slice(0, n), 0, cut);
    }
    if (cut > 0) {
      buf = buf.slice(cut);
      let k = 0;
      for (const p of live) if (p >= cut) live[k++] = p - cut;
      live.length = k;
      checked -= cut;
    }
    ruleScanned = buf.length;
    return out;
  }

  return {
    write(chunk: string): string {
      if (typeof chunk !== 'string') throw new TypeError('StreamRedactor.write expects a string');
      if (chunk.length === 0) return '';
      buf += chunk;
      if (rules && buf.length - ruleScanned < RULE_RESCAN) return '';
      return flush(false);
    },
    end(): string {
      const out = flush(true);
      buf = '';
      live = [];
      checked = 0;
      ruleScanned = 0;
      heldHit = false;
      return out;
    },
    get held(): number {
      return buf.length;
    },
  };
}
