/* eslint-disable @typescript-eslint/no-non-null-assertion -- indices are in range by construction */
import { gramHash, Q } from './fold-hash.js';
import { merge, type RedactionCore } from './redaction-core.js';
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
  /** buf positions below this have been classified for `live`. */
  let checked = 0;
  /** buf length at the last rule scan. */
  let ruleScanned = 0;
  const rules = core.rules !== undefined;

  function updateLive(): void {
    const { known } = core;
    const L = buf.length;
    if (known.values === 0) {
      live = [];
      checked = L;
      return;
    }
    const minP = L - known.maxLen + 1;
    const next: number[] = [];
    const isLive = (p: number): boolean =>
      known.head.isLive(buf, p, L, L - p >= Q ? gramHash(buf, p, Q) : 0, known);
    for (const p of live) if (p >= minP && isLive(p)) next.push(p);
    for (let p = Math.max(checked, minP, 0); p < L; p++) if (isLive(p)) next.push(p);
    live = next;
    checked = L;
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
    updateLive();
    const L = buf.length;
    let limit = final ? L : (live[0] ?? L);
    if (rules && !final) limit = Math.min(limit, ruleLimit());
    if (limit === 0 && !final) {
      ruleScanned = L;
      return '';
    }
    const hits = core.hits(buf, final);
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
      live = live.filter((p) => p >= cut).map((p) => p - cut);
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
      return out;
    },
    get held(): number {
      return buf.length;
    },
  };
}
