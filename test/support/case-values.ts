// Deterministic credential values and encodings for the generated leak suite. Every case is derived from small
// integers (shape index, seed), so fast-check prints those and never a value: the value exists only in memory.
import { seededRandom } from '@agent-lease/testing';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const HEX = '0123456789abcdef';
const B64 = `${ALNUM}+/`;
const B64URL = `${ALNUM}-_`;
const SYMBOLS = `${ALNUM}!#$%&()*+,-./:;<=>?@[]^_{|}~`;
const NASTY = `${ALNUM}"\\'\` <>&%+=;\n\t`;
// Code points on purpose: an emoji's parts, split, are what a careless truncation produces too.
// eslint-disable-next-line @typescript-eslint/no-misused-spread
const UNICODE = [...'äöüßéçñøåЖжλπ中文字鍵密碼🔑🗝️😀ｱｲ'];

function pick(rand: () => number, alphabet: string | readonly string[], n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet[Math.floor(rand() * alphabet.length)]!;
  return out;
}

const int = (rand: () => number, lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

/** The value shapes real credentials take. Each builds a value of at least 8 characters from the PRNG. */
export const SHAPES = {
  alnum: (r) => pick(r, ALNUM, int(r, 16, 48)),
  'hex-key': (r) => pick(r, HEX, int(r, 32, 64)),
  'base64-blob': (r) => `${pick(r, B64, int(r, 20, 60))}==`,
  'github-pat': (r) => `ghp_${pick(r, ALNUM, 36)}`,
  'openai-key': (r) => `sk-proj-${pick(r, B64URL, 48)}`,
  'slack-bot': (r) => `xoxb-${pick(r, '0123456789', 11)}-${pick(r, ALNUM, 24)}`,
  jwt: (r) => `eyJ${pick(r, B64URL, 30)}.eyJ${pick(r, B64URL, 60)}.${pick(r, B64URL, 43)}`,
  'db-password': (r) => pick(r, SYMBOLS, int(r, 12, 32)),
  'json-hostile': (r) => `${pick(r, ALNUM, 4)}"\\${pick(r, NASTY, int(r, 8, 24))}`,
  unicode: (r) => `${pick(r, ALNUM, 3)}${pick(r, UNICODE, int(r, 6, 16))}${pick(r, ALNUM, 3)}`,
  'conn-string': (r) => `postgres://svc:${pick(r, ALNUM, 16)}@db.internal:5432/app`,
  'min-length': (r) => pick(r, ALNUM, 8),
  long: (r) => pick(r, B64, int(r, 300, 1200)),
  'pem-like': (r) => `-----BEGIN KEY-----\n${pick(r, B64, 64)}\n${pick(r, B64, 40)}\n-----END KEY-----`,
} satisfies Record<string, (rand: () => number) => string>;
export type ShapeName = keyof typeof SHAPES;
export const SHAPE_NAMES = Object.keys(SHAPES) as ShapeName[];

export function makeValue(shape: ShapeName, seed: number): string {
  return SHAPES[shape](seededRandom(seed));
}

/**
 * How a value is written on the way out. Each returns the text that goes into the channel, with some context
 * around it, as a tool, a model or a library would write it.
 */
export const ENCODINGS = {
  raw: (v) => `token=${v} end`,
  json: (v) => JSON.stringify({ auth: { token: v } }),
  'json-ascii': (v) =>
    JSON.stringify({ token: v }).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    ),
  url: (v) => `https://api.example.com/v1?key=${encodeURIComponent(v)}&x=1`,
  form: (v) => new URLSearchParams({ user: 'svc', password: v }).toString(),
  'base64@0': (v) => Buffer.from(v).toString('base64'),
  'base64@1': (v) => `Basic ${Buffer.from(`u:${v}`).toString('base64')}`,
  'base64@2': (v) => Buffer.from(`{"${v}"}`).toString('base64'),
  'base64url@1': (v) => Buffer.from(`x${v}`).toString('base64url'),
  hex: (v) => Buffer.from(v).toString('hex'),
  HEX: (v) => `0x${Buffer.from(v).toString('hex').toUpperCase()}`,
  // A value cut by a length limit: the head, then an ellipsis or the end of the field.
  'truncated-head': (v) => `${v.slice(0, Math.max(12, Math.ceil(v.length * 0.6)))}…`,
  // The rest of a value whose head went elsewhere (the second half of a split write).
  'truncated-tail': (v) => `…${v.slice(-Math.max(12, Math.ceil(v.length * 0.6)))}`,
} satisfies Record<string, (value: string) => string>;
export type EncodingName = keyof typeof ENCODINGS;
export const ENCODING_NAMES = Object.keys(ENCODINGS) as EncodingName[];

/** Splits text at `parts - 1` random positions (code units: a surrogate pair may be cut, as providers do). */
export function randomSplit(text: string, seed: number, maxParts = 12): string[] {
  const r = seededRandom(seed ^ 0x9e3779b9);
  const parts = 1 + Math.floor(r() * maxParts);
  const cuts = new Set<number>();
  for (let i = 1; i < parts; i++) cuts.add(Math.floor(r() * text.length));
  const sorted = [...cuts].sort((a, b) => a - b);
  const out: string[] = [];
  let from = 0;
  for (const c of sorted) {
    out.push(text.slice(from, c));
    from = c;
  }
  out.push(text.slice(from));
  return out;
}
