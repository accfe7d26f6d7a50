/**
 * The encodings a leaked secret commonly takes on its way out (JSON strings, URLs, form bodies, base64 in headers
 * and payloads, hex dumps). Written here independently of the core redactor on purpose: the scanner is the test
 * oracle for the redactor, so it must not share its code or its bugs.
 */

export type LeakForm =
  | 'raw'
  | 'json'
  | 'url'
  | 'form'
  | 'base64'
  | 'base64url'
  | 'base64-offset1'
  | 'base64-offset2'
  | 'hex'
  | 'HEX'
  | 'truncated-tail';

export interface EncodedForm {
  form: Exclude<LeakForm, 'truncated-tail'>;
  text: string;
}

const utf8 = new TextEncoder();

/**
 * The base64 characters that depend only on the secret's bytes when it sits at byte offset `offset` (mod 3) inside
 * a longer base64-encoded stream. Characters that straddle a neighbouring byte are dropped, so the result is a
 * substring of the encoding of any message that contains the secret at that alignment.
 */
export function stableBase64(bytes: Uint8Array, offset: 0 | 1 | 2, url: boolean): string {
  const padded = new Uint8Array(offset + bytes.length + 2);
  padded.set(bytes, offset);
  let encoded = Buffer.from(padded).toString('base64');
  if (url) encoded = encoded.replaceAll('+', '-').replaceAll('/', '_');
  const firstBit = 8 * offset;
  const endBit = 8 * (offset + bytes.length);
  const first = Math.ceil(firstBit / 6);
  const last = Math.floor(endBit / 6); // exclusive: char i covers bits [6i, 6i + 6)
  return encoded.slice(first, last);
}

function formEncode(value: string): string {
  // application/x-www-form-urlencoded as browsers and URLSearchParams write it (space -> '+').
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/** Every distinct encoded form of `value`, most specific name first; forms equal to an earlier one are dropped. */
export function encodedForms(value: string): EncodedForm[] {
  const bytes = utf8.encode(value);
  const hex = Buffer.from(bytes).toString('hex');
  const candidates: EncodedForm[] = [
    { form: 'raw', text: value },
    { form: 'json', text: JSON.stringify(value).slice(1, -1) },
    { form: 'url', text: encodeURIComponent(value) },
    { form: 'form', text: formEncode(value) },
    { form: 'base64', text: stableBase64(bytes, 0, false) },
    { form: 'base64url', text: stableBase64(bytes, 0, true) },
    { form: 'base64-offset1', text: stableBase64(bytes, 1, false) },
    { form: 'base64-offset1', text: stableBase64(bytes, 1, true) },
    { form: 'base64-offset2', text: stableBase64(bytes, 2, false) },
    { form: 'base64-offset2', text: stableBase64(bytes, 2, true) },
    { form: 'hex', text: hex },
    { form: 'HEX', text: hex.toUpperCase() },
  ];
  const seen = new Set<string>();
  return candidates.filter(({ text }) => {
    if (text.length === 0 || seen.has(text)) return false;
    seen.add(text);
    return true;
  });
}
