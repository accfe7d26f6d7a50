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

/** Scratch for the UTF-8 bytes behind 0-2 zero bytes (registration is synchronous, so one buffer suffices). */
let scratch = Buffer.alloc(256);

const urlSafe = (s: string): string =>
  s.includes('+') || s.includes('/') ? s.replaceAll('+', '-').replaceAll('/', '_') : s;

/**
 * Every form a value can take on the way out: raw; JSON-escaped (also with non-ASCII as \uXXXX);
 * encodeURIComponent and form encoding; base64 of the UTF-8 bytes, standalone and the three byte-offset-aligned
 * cores (so the value is found inside a larger blob such as `Basic base64(user:value)`), each with its url-safe
 * spelling; hex in both cases. Padding is not part of a form: `=` carries no information.
 */
export function knownForms(value: string): KnownForm[] {
  const out: KnownForm[] = [];
  const add = (alt0: string, alt1?: string): void => {
    if (alt0.length < MIN_SECRET_LENGTH) return;
    // At most ~10 forms: comparing beats hashing fresh strings into a Set.
    for (const f of out) if (f.alt0 === alt0) return;
    out.push(alt1 !== undefined && alt1 !== alt0 ? { alt0, alt1 } : { alt0 });
  };
  add(value);
  let ascii = true;
  for (let i = 0; i < value.length && ascii; i++) ascii = value.charCodeAt(i) < 0x7f;
  const json = JSON.stringify(value).slice(1, -1);
  add(json);
  if (!ascii)
    add(json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  // Lone surrogates make encodeURIComponent throw; such a value cannot appear URL-encoded, and form encoding
  // (which writes U+FFFD for them) comes from URLSearchParams itself.
  let uri: string | undefined;
  try {
    uri = encodeURIComponent(value);
  } catch {
    /* no URL form */
  }
  if (uri !== undefined) {
    add(uri);
    add(uri.replace(FORM_EXTRA, formEscape));
  } else add(new URLSearchParams([['', value]]).toString().slice(1));
  // Native base64/hex over one scratch buffer: allocating Buffers and regex-replacing per form dominated
  // registration (10k values: 35 ms of 50).
  const n = ascii ? value.length : Buffer.byteLength(value, 'utf8');
  if (scratch.length < n + 2) scratch = Buffer.alloc(2 * (n + 2));
  const buf = scratch;
  buf[0] = 0;
  buf[1] = 0;
  buf.write(value, 2, ascii ? 'latin1' : 'utf8');
  const std = buf.toString('base64', 2, 2 + n);
  const bare = std.endsWith('==') ? std.slice(0, -2) : std.endsWith('=') ? std.slice(0, -1) : std;
  add(bare, urlSafe(bare));
  for (let k = 0; k < 3; k++) {
    // The value at byte offset k of a blob: keep the characters whose 6 bits come only from its bytes.
    const enc = k === 0 ? std : buf.toString('base64', 2 - k, 2 + n);
    const core = enc.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + n)) / 6));
    add(core, urlSafe(core));
  }
  const hex = buf.toString('hex', 2, 2 + n);
  add(hex, hex.toUpperCase());
  return out;
}
