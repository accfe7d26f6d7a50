/** One registered form; `alt1` is the same form in its other spelling (base64url, upper-case hex). */
export interface KnownForm {
  alt0: string;
  alt1?: string;
}

/** Shortest value the redactor accepts: shorter values would match ordinary text (and slow the sampler). */
export const MIN_SECRET_LENGTH = 8;

/**
 * Every form a value can take on the way out: raw; JSON-escaped (also with non-ASCII as \uXXXX);
 * encodeURIComponent and form encoding; base64 of the UTF-8 bytes, standalone and the three byte-offset-aligned
 * cores (so the value is found inside a larger blob such as `Basic base64(user:value)`), each with its url-safe
 * spelling; hex in both cases. Padding is not part of a form: `=` carries no information.
 */
export function knownForms(value: string): KnownForm[] {
  const out = new Map<string, KnownForm>();
  const add = (alt0: string, alt1?: string): void => {
    if (alt0.length < MIN_SECRET_LENGTH || out.has(alt0)) return;
    out.set(alt0, alt1 !== undefined && alt1 !== alt0 ? { alt0, alt1 } : { alt0 });
  };
  add(value);
  const json = JSON.stringify(value).slice(1, -1);
  add(json);
  add(json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  // Lone surrogates make encodeURIComponent throw; such a value cannot appear URL-encoded anyway.
  try {
    add(encodeURIComponent(value));
  } catch {
    /* no URL form */
  }
  add(new URLSearchParams([['', value]]).toString().slice(1));
  const bytes = Buffer.from(value, 'utf8');
  const n = bytes.length;
  const b64 = (s: string): [string, string] => [s, s.replace(/\+/g, '-').replace(/\//g, '_')];
  add(...b64(bytes.toString('base64').replace(/=+$/, '')));
  for (let k = 0; k < 3; k++) {
    const enc = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
    // Characters whose 6 bits come only from the value's bytes, whatever surrounds it.
    add(...b64(enc.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + n)) / 6))));
  }
  const hex = bytes.toString('hex');
  add(hex, hex.toUpperCase());
  return [...out.values()];
}
