import { encodedForms, type EncodedForm, type LeakForm } from './encodings.js';

/** One place a canary showed up. Never carries the canary's value, so it is safe to print. */
export interface LeakFinding {
  canary: string;
  form: LeakForm;
  channel: string;
  offset: number;
}

export interface LeakScanner {
  /** All findings in `input`; bytes are matched byte-for-byte against the UTF-8 forms. */
  scan(input: string | Uint8Array, channel: string): LeakFinding[];
  /** Scans a structured value as its JSON text (what an exporter or log sink would write). */
  scanValue(value: unknown, channel: string): LeakFinding[];
  /** Throws if `input` contains any canary form; the message names channel, canary and form only. */
  assertNoLeaks(input: string | Uint8Array, channel: string): void;
}

/**
 * Truncation rule (documented, deliberately strict): a leak is also reported as `truncated-tail` when
 * - the first 12 characters of any form occur anywhere, or the last 12 characters of any form occur anywhere
 *   (a secret cut by a length limit, or the second half of a secret split across stream chunks); or
 * - the first 8 to 11 characters of any form occur right before the end of the input or a boundary character
 *   (quote, whitespace, `…`, `.`, `,`, `;`, `)`, `]`, `}`, `>`, `&`): a value truncated at a field's end.
 */
export const TRUNCATION = { anywhere: 12, atBoundary: 8 } as const;
const MIN_CANARY_LENGTH = 8;
const BOUNDARY = new Set(['"', "'", '`', ' ', '\n', '\r', '\t', '…', '.', ',', ';', ')', ']', '}', '>', '&']);

interface PreparedForm extends EncodedForm {
  /** The form as a string comparable with the input: UTF-16 text, or its UTF-8 bytes as latin1 for byte input. */
  asText: string;
  asBytes: string;
}

function toLatin1(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

function occurrences(haystack: string, needle: string): number[] {
  const found: number[] = [];
  if (needle.length === 0) return found;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) found.push(at);
  return found;
}

export function createLeakScanner(canaries: Record<string, string>): LeakScanner {
  const prepared = Object.entries(canaries).map(([name, value]) => {
    if (typeof value !== 'string' || value.length < MIN_CANARY_LENGTH) {
      throw new TypeError(`canary ${name} must be a string of at least ${MIN_CANARY_LENGTH} characters`);
    }
    const forms: PreparedForm[] = encodedForms(value).map((f) => ({
      ...f,
      asText: f.text,
      asBytes: toLatin1(f.text),
    }));
    return { name, forms };
  });

  function scan(input: string | Uint8Array, channel: string): LeakFinding[] {
    const bytes = typeof input !== 'string';
    const haystack = bytes
      ? Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('latin1')
      : input;
    const findings: LeakFinding[] = [];
    for (const { name, forms } of prepared) {
      const covered: [number, number][] = [];
      const isCovered = (start: number, end: number): boolean =>
        covered.some(([s, e]) => start >= s && end <= e);
      for (const f of forms) {
        const needle = bytes ? f.asBytes : f.asText;
        for (const offset of occurrences(haystack, needle)) {
          findings.push({ canary: name, form: f.form, channel, offset });
          covered.push([offset, offset + needle.length]);
        }
      }
      const truncated = new Set<number>();
      const report = (offset: number, length: number): void => {
        if (truncated.has(offset) || isCovered(offset, offset + length)) return;
        truncated.add(offset);
        findings.push({ canary: name, form: 'truncated-tail', channel, offset });
      };
      for (const f of forms) {
        const needle = bytes ? f.asBytes : f.asText;
        if (needle.length > TRUNCATION.anywhere) {
          const head = needle.slice(0, TRUNCATION.anywhere);
          const tail = needle.slice(-TRUNCATION.anywhere);
          for (const offset of occurrences(haystack, head)) report(offset, head.length);
          for (const offset of occurrences(haystack, tail)) report(offset, tail.length);
        }
        for (let k = Math.min(TRUNCATION.anywhere, needle.length) - 1; k >= TRUNCATION.atBoundary; k--) {
          const head = needle.slice(0, k);
          for (const offset of occurrences(haystack, head)) {
            const next = haystack[offset + k];
            if (next === undefined || BOUNDARY.has(next)) report(offset, k);
          }
        }
      }
    }
    return findings.sort((a, b) => a.offset - b.offset || a.canary.localeCompare(b.canary));
  }

  return {
    scan,
    scanValue: (value, channel) => {
      // JSON.stringify returns undefined for undefined/functions despite its declared type.
      const text: unknown = typeof value === 'string' ? value : JSON.stringify(value);
      return scan(typeof text === 'string' ? text : '', channel);
    },
    assertNoLeaks(input, channel) {
      assertNoLeaks(scan(input, channel));
    },
  };
}

/** Throws when `findings` is non-empty. The message lists channel, canary, form and offset, never a value. */
export function assertNoLeaks(findings: readonly LeakFinding[]): void {
  if (findings.length === 0) return;
  const lines = findings.map(
    (f) => `  - channel ${f.channel}: canary ${f.canary} (${f.form}) at offset ${f.offset}`,
  );
  throw new Error(`secret leak detected (${findings.length}):\n${lines.join('\n')}`);
}
