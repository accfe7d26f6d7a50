import { asciiSet } from './ascii-set.js';

/**
 * How far a built-in rule's match can reach, so the stream redactor can decide a candidate (a rule at a start
 * the prefilter reported) as soon as no later text can change the regex's answer there, instead of rescanning a
 * fixed window. Derived from the pattern source (hand-written: no library answers "which characters can occur
 * past offset P"); a pattern using syntax this reader does not know gets no reach and is decided only at end().
 */
export interface RuleReach {
  /** Match characters at offset >= past all belong to `inTail` (ASCII) / a non-ASCII one if `tailNonAscii`. */
  readonly past: number;
  readonly inTail: Uint8Array;
  readonly tailNonAscii: boolean;
  /** Longest lookahead (characters read after the current position without consuming them), at least 1. */
  readonly ahead: number;
  /** Most characters the regex can read from the start (match and lookaheads); Infinity when unbounded. */
  readonly max: number;
}

interface Leaf {
  set: Uint8Array;
  nonAscii: boolean;
  maxEnd: number;
}

const WS = [9, 10, 11, 12, 13, 32];

function hasNonAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return true;
  return false;
}

function classSet(cls: string): { set: Uint8Array; nonAscii: boolean } {
  const set = asciiSet(new RegExp(`^${cls}$`));
  // Negations, \s and the complements, and any class written with a non-ASCII character or escape.
  const nonAscii = cls === '.' || /^\[\^|\\[sSWDux]/.test(cls) || hasNonAscii(cls);
  return { set, nonAscii };
}

class Reader {
  i = 0;
  leaves: Leaf[] = [];
  ahead = 1;
  constructor(readonly src: string) {}

  /** Alternation at the current position; returns the max length, records leaves at offsets from `at`. */
  alt(at: number, record: boolean): number {
    let best = this.seq(at, record);
    while (this.src[this.i] === '|') {
      this.i++;
      best = Math.max(best, this.seq(at, record));
    }
    return best;
  }

  private seq(at: number, record: boolean): number {
    let len = 0;
    while (this.i < this.src.length && this.src[this.i] !== '|' && this.src[this.i] !== ')') {
      const start = this.i;
      const atomLen = this.atom(at + len, false);
      const [, max] = this.quant();
      if (max === 0) continue;
      if (record && atomLen > 0) {
        // Re-read the atom with its last repetition placed as far out as it can be.
        const end = this.i;
        this.i = start;
        this.atom(max === 1 ? at + len : max === Infinity ? Infinity : at + len + (max - 1) * atomLen, true);
        this.i = end;
      }
      len += max === Infinity && atomLen > 0 ? Infinity : atomLen * max;
    }
    return len;
  }

  private quant(): [number, number] {
    const c = this.src[this.i];
    let q: [number, number] = [1, 1];
    if (c === '?') q = [0, 1];
    else if (c === '*') q = [0, Infinity];
    else if (c === '+') q = [1, Infinity];
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
      if (m === null) throw new Error('quantifier');
      this.i += m[0].length - 1;
      q = [Number(m[1]), m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3])];
    } else return q;
    this.i++;
    if (this.src[this.i] === '?') this.i++;
    return q;
  }

  /** One atom; returns its max length. */
  private atom(at: number, record: boolean): number {
    const { src } = this;
    const c = src.charAt(this.i);
    if (c === '(') {
      let look: 'ahead' | 'behind' | undefined;
      const open = this.i;
      if (src.startsWith('(?:', this.i)) this.i += 3;
      else if (src.startsWith('(?=', this.i) || src.startsWith('(?!', this.i)) {
        look = 'ahead';
        this.i += 3;
      } else if (src.startsWith('(?<=', this.i) || src.startsWith('(?<!', this.i)) {
        look = 'behind';
        this.i += 4;
      } else if (src.startsWith('(?<', this.i)) this.i = src.indexOf('>', this.i) + 1;
      else if (src[this.i + 1] === '?') throw new Error('group');
      else this.i++;
      const len = this.alt(at, record && look === undefined);
      if (src[this.i] !== ')') throw new Error('unbalanced');
      this.i++;
      if (look === 'ahead') this.ahead = Math.max(this.ahead, len);
      // The stream keeps one character before a start: a lookbehind must be the pattern's first atom and read one.
      if (look === 'behind' && (open !== 0 || len > 1)) throw new Error('lookbehind');
      return look === undefined ? len : 0;
    }
    let cls: string;
    if (c === '[') {
      let j = this.i + 1;
      if (src[j] === '^') j++;
      if (src[j] === ']') j++;
      while (j < src.length && src[j] !== ']') j += src[j] === '\\' ? 2 : 1;
      cls = src.slice(this.i, j + 1);
      this.i = j + 1;
    } else if (c === '\\') {
      const e = src.charAt(this.i + 1);
      if (/[bBkpPuxc0-9]/.test(e)) throw new Error(`escape \\${e}`);
      cls = src.slice(this.i, this.i + 2);
      this.i += 2;
    } else if (c === '^' || c === '$' || c === '*' || c === '+' || c === '?' || c === '{') {
      throw new Error(`token ${c}`);
    } else {
      cls = c === '.' ? '.' : `[${c.replace(/[\\\]^-]/, '\\$&')}]`;
      this.i++;
    }
    if (record) this.leaves.push({ ...classSet(cls), maxEnd: at + 1 });
    return 1;
  }
}

/** The reach of `pattern` (no flags), or undefined when its syntax is outside what this reader knows. */
export function ruleReach(pattern: RegExp): RuleReach | undefined {
  if (pattern.flags.replace(/[gyd]/g, '') !== '') return undefined;
  const r = new Reader(pattern.source);
  let max: number;
  try {
    max = r.alt(0, true);
    if (r.i !== pattern.source.length) return undefined;
  } catch {
    return undefined;
  }
  let past = 0;
  for (const l of r.leaves) if (WS.some((w) => l.set[w] === 1)) past = Math.max(past, l.maxEnd);
  const inTail = new Uint8Array(128);
  let tailNonAscii = false;
  for (const l of r.leaves)
    if (l.maxEnd > past) {
      for (let c = 0; c < 128; c++) if (l.set[c] === 1) inTail[c] = 1;
      tailNonAscii ||= l.nonAscii;
    }
  return { past, inTail, tailNonAscii, ahead: r.ahead, max: max + r.ahead };
}

/**
 * PEM rules read a body that may hold any whitespace, so their reach is closed by a fence instead: the body
 * cannot contain `lit` (private-key: `-(?!----)`; gcp: no '-' at all), every match's END line starts at the first
 * `lit` at offset >= `from` (the longest header; a shorter header plus the shortest body reaches it too), and the
 * regex reads at most `after` characters from there (the END line with its closing dashes and quote).
 */
export interface RuleFence {
  readonly lit: string;
  readonly from: number;
  readonly after: number;
}

export const ruleFences: Readonly<Record<string, RuleFence>> = {
  'private-key': { lit: '-----', from: 43, after: 60 },
  'gcp-service-account-key': { lit: '-', from: 74, after: 60 },
};
