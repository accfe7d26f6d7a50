/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed-array and per-value index loops; indices are in range by construction */
/** One registered form; `alt1` is the same form in its other spelling (base64url, upper-case hex). */
export interface KnownForm {
  alt0: string;
  alt1?: string;
}

/** Shortest value the redactor accepts: shorter values would match ordinary text (and slow the sampler). */
export const MIN_SECRET_LENGTH = 8;

/** Characters encodeURIComponent leaves alone but form encoding (URLSearchParams) escapes. */
const FORM_EXTRA = /[!'()~]|%20/g;
const formEscape = (c: string): string =>
  c === '%20' ? '+' : `%${c.charCodeAt(0).toString(16).toUpperCase()}`;

/** Character classes (CLASS bits): which encoders change a character. */
const JSON_ESCAPE = 1;
const URI_ESCAPE = 2;
/** Form encoding differs from encodeURIComponent (`!'()~` and space). */
const FORM_ESCAPE = 4;
const NOT_ASCII = 8;

/**
 * Per ASCII code (below 0x7f), its CLASS bits. One table lookup per character tells which encoders can change
 * the value; most tokens need none of them, and those calls were a third of the cost of registering.
 */
const CLASS = (() => {
  const t = new Uint8Array(128);
  for (let c = 0; c < 128; c++) {
    const s = String.fromCharCode(c);
    if (c < 0x20 || s === '"' || s === '\\') t[c]! |= JSON_ESCAPE;
    if (!/[A-Za-z0-9\-_.!~*'()]/.test(s)) t[c]! |= URI_ESCAPE;
    if ("!'()~ ".includes(s)) t[c]! |= FORM_ESCAPE;
  }
  return t;
})();

/**
 * The second spelling a form may have. Registration stores only the kind; the other spelling is spelled out
 * when a match needs it (`otherSpelling`), which saves two strings per value on the registration path.
 */
export const Spelling = {
  /** One spelling. */
  None: 0,
  /** Base64: the url-safe alphabet (`-` and `_` for `+` and `/`). */
  Base64: 1,
  /** Hex: upper case. */
  Hex: 2,
} as const;
export type Spelling = (typeof Spelling)[keyof typeof Spelling];

/** `form` in its other spelling, or undefined when it has none (or it is the same text). */
export function otherSpelling(form: string, kind: Spelling): string | undefined {
  const b =
    kind === Spelling.Base64
      ? form.replaceAll('+', '-').replaceAll('/', '_')
      : kind === Spelling.Hex
        ? form.toUpperCase()
        : form;
  return b === form ? undefined : b;
}

/** Code unit c of a form in the form's other spelling (for the 3-character head bitmap). */
export function otherCode(c: number, kind: Spelling): number {
  if (kind === Spelling.Base64) return c === 43 ? 45 : c === 47 ? 95 : c;
  if (kind === Spelling.Hex) return c >= 97 && c <= 102 ? c - 32 : c;
  return c;
}

/** Appends form a (other spelling of kind k) unless it is too short or already among alt0[first..]. */
function push(alt0: string[], kinds: Spelling[], first: number, a: string, k: Spelling): void {
  if (a.length < MIN_SECRET_LENGTH) return;
  // At most ~10 forms: comparing beats hashing fresh strings into a Set.
  for (let i = first; i < alt0.length; i++) if (alt0[i] === a) return;
  alt0.push(a);
  kinds.push(k);
}

/**
 * Appends every form each value can take on the way out to `alt0`, and the kind of its second spelling to
 * `kinds`, and pushes to `counts` how many it appended per value (in the order of `values`). Forms: raw;
 * JSON-escaped (also with non-ASCII as \uXXXX); encodeURIComponent and form encoding; base64 of the UTF-8 bytes,
 * standalone and the three byte-offset-aligned cores (so the value is found inside a larger blob such as
 * `Basic base64(user:value)`); hex. Padding is not part of a form: `=` carries no information. Forms shorter
 * than MIN_SECRET_LENGTH and repeats are skipped. `extensions` receives the index of every standalone base64
 * form that is the next form (the base64 core at offset 0) plus one character.
 *
 * Values are encoded in groups (GROUP): their bytes go into one buffer, three copies each behind 0, 1 and 2
 * zero bytes and padded to a multiple of 3 (a multiple of 3 bytes encodes to base64 independently of what
 * follows), plus one copy for hex; one base64 and one hex call encode the group, and the forms are slices of
 * those two strings. Per value, the native calls cost more than the encoding; the slices keep the two strings
 * alive as long as any value of the group is registered.
 */
export function appendFormsMany(
  values: readonly string[],
  alt0: string[],
  kinds: Spelling[],
  counts: number[],
  extensions?: number[],
): void {
  for (let from = 0; from < values.length; from += GROUP)
    appendGroup(values, from, Math.min(values.length, from + GROUP), alt0, kinds, counts, extensions);
}

/**
 * Values encoded into one base64 and one hex string: enough to make the native calls' cost per value small, few
 * enough that the strings keep the encodings of only a few hundred other values alive.
 */
const GROUP = 256;

/** appendFormsMany for values[from, to). */
function appendGroup(
  values: readonly string[],
  from: number,
  to: number,
  alt0: string[],
  kinds: Spelling[],
  counts: number[],
  extensions: number[] | undefined,
): void {
  // Small functions called per value, not one function with long loops: they are optimized after a few hundred
  // calls, where the loops of a function called once wait for on-stack replacement (and lose it again when a
  // later loop meets an unseen type), which made the first registration of 10,000 values 3x slower.
  const n = to - from;
  const bytes = new Int32Array(n);
  const escapes = new Uint8Array(n);
  /** Start of each value's three base64 copies; the hex copies follow them all. */
  const at = new Int32Array(n + 1);
  let total = 0;
  for (let v = 0; v < n; v++) {
    const value = values[from + v]!;
    const e = classify(value);
    const len = e & NOT_ASCII ? Buffer.byteLength(value, 'utf8') : value.length;
    escapes[v] = e;
    bytes[v] = len;
    at[v] = total;
    total += copiesSize(len);
  }
  at[n] = total;
  const hexAt = total;
  for (let v = 0; v < n; v++) total += bytes[v]!;
  const buf = Buffer.alloc(total);
  for (let v = 0, h = hexAt; v < n; h += bytes[v]!, v++)
    writeCopies(buf, values[from + v]!, escapes[v]! & NOT_ASCII, bytes[v]!, at[v]!, h);
  const std = buf.toString('base64', 0, hexAt);
  const hex = buf.toString('hex', hexAt, total);
  for (let v = 0, h = 0; v < n; h += 2 * bytes[v]!, v++) {
    const first = alt0.length;
    addEscaped(values[from + v]!, escapes[v]!, alt0, kinds);
    const hexForm = hex.slice(h, h + 2 * bytes[v]!);
    addEncoded(bytes[v]!, (at[v]! / 3) * 4, std, hexForm, alt0, kinds, first, extensions);
    counts.push(alt0.length - first);
  }
}

/** CLASS bits of the characters of `value`, plus NOT_ASCII. */
function classify(value: string): number {
  let e = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    e |= c < 0x7f ? CLASS[c]! : NOT_ASCII;
  }
  return e;
}

/** Bytes of the three base64 copies of a `len`-byte value (behind 0, 1, 2 zero bytes, each a multiple of 3). */
function copiesSize(len: number): number {
  return Math.ceil(len / 3) * 3 + Math.ceil((len + 1) / 3) * 3 + Math.ceil((len + 2) / 3) * 3;
}

/** Writes the value's bytes behind 0, 1 and 2 zero bytes from `at`, and once more at `hexAt`. */
function writeCopies(
  buf: Buffer,
  value: string,
  notAscii: number,
  len: number,
  at: number,
  hexAt: number,
): void {
  const a1 = at + Math.ceil(len / 3) * 3 + 1;
  const a2 = a1 - 1 + Math.ceil((len + 1) / 3) * 3 + 2;
  if (notAscii) {
    buf.write(value, at, 'utf8');
    buf.copyWithin(a1, at, at + len);
    buf.copyWithin(a2, at, at + len);
    buf.copyWithin(hexAt, at, at + len);
    return;
  }
  for (let i = 0; i < len; i++) {
    const c = value.charCodeAt(i);
    buf[at + i] = c;
    buf[a1 + i] = c;
    buf[a2 + i] = c;
    buf[hexAt + i] = c;
  }
}

/** Raw, JSON and URL forms of a value whose characters have CLASS bits `e`. */
function addEscaped(value: string, e: number, alt0: string[], kinds: Spelling[]): void {
  const first = alt0.length;
  push(alt0, kinds, first, value, Spelling.None);
  if (e & (JSON_ESCAPE | NOT_ASCII)) {
    const json = JSON.stringify(value).slice(1, -1);
    push(alt0, kinds, first, json, Spelling.None);
    if (e & NOT_ASCII)
      push(
        alt0,
        kinds,
        first,
        json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
        Spelling.None,
      );
  }
  if (e & (URI_ESCAPE | FORM_ESCAPE | NOT_ASCII)) {
    // Lone surrogates make encodeURIComponent throw; such a value cannot appear URL-encoded, and form
    // encoding (which writes U+FFFD for them) comes from URLSearchParams itself.
    let uri: string | undefined;
    try {
      uri = encodeURIComponent(value);
    } catch {
      /* no URL form */
    }
    if (uri !== undefined) {
      push(alt0, kinds, first, uri, Spelling.None);
      push(alt0, kinds, first, uri.replace(FORM_EXTRA, formEscape), Spelling.None);
    } else push(alt0, kinds, first, new URLSearchParams([['', value]]).toString().slice(1), Spelling.None);
  }
}

/**
 * Base64 and hex forms of a `len`-byte value whose three copies encode from character c0 of `std`; `hex` is its
 * hex. Forms equal to one already among alt0[first..] are skipped. When both the standalone form and the core at
 * offset 0 are added and differ (by the standalone form's last character), the standalone form's index goes to
 * `extensions`.
 */
function addEncoded(
  len: number,
  c0: number,
  std: string,
  hex: string,
  alt0: string[],
  kinds: Spelling[],
  first: number,
  extensions: number[] | undefined,
): void {
  // Copy k starts at byte s_k (a multiple of 3), so its base64 starts at character 4 * s_k / 3.
  const c1 = c0 + (Math.ceil(len / 3) * 3 * 4) / 3;
  const c2 = c1 + (Math.ceil((len + 1) / 3) * 3 * 4) / 3;
  // Standalone: ceil(8n/6) characters, the last one's low bits are zero (as in the unpadded encoding).
  const bare = alt0.length;
  push(alt0, kinds, first, std.slice(c0, c0 + Math.ceil((8 * len) / 6)), Spelling.Base64);
  // The value at byte offset k of a blob: characters [ceil(8k/6), floor(8(k+n)/6)) of copy k, the ones whose
  // 6 bits come only from its bytes. At offset 0 that is the standalone form, or all of it but its last
  // character.
  const core0 = alt0.length;
  push(alt0, kinds, first, std.slice(c0, c0 + Math.floor((8 * len) / 6)), Spelling.Base64);
  if (extensions !== undefined && core0 === bare + 1 && alt0.length === core0 + 1) extensions.push(bare);
  push(alt0, kinds, first, std.slice(c1 + 2, c1 + Math.floor((8 * (len + 1)) / 6)), Spelling.Base64);
  push(alt0, kinds, first, std.slice(c2 + 3, c2 + Math.floor((8 * (len + 2)) / 6)), Spelling.Base64);
  push(alt0, kinds, first, hex, Spelling.Hex);
}

/** Every form of `value` (see appendForms), with its other spelling where it has one. */
export function knownForms(value: string): KnownForm[] {
  const alt0: string[] = [];
  const kinds: Spelling[] = [];
  appendFormsMany([value], alt0, kinds, []);
  return alt0.map((a, i) => {
    const b = otherSpelling(a, kinds[i]!);
    return b === undefined ? { alt0: a } : { alt0: a, alt1: b };
  });
}
