import { asciiSet } from './ascii-set.js';

/**
 * Exact early rejects for the built-in rules whose prefilter candidates mostly fail (the key/value and URL rules
 * fire on words like "token", "password", "bearer" and on every `://`): a few table reads prove that the rule's
 * regex cannot match at a start, which is cheaper than the sticky regex try (whose call and match bookkeeping
 * dominate on such short failures). A reject is sound, never complete: `true` only when the regex is certain to
 * fail at `at`, `false` when unsure, including whenever deciding would need a character past the end of `text`
 * (a stream's buffer may still grow). Hand-written per rule from its pattern in builtin-rules.ts; each is tested
 * against the regex itself on random and adversarial text (rule-rejects.test.ts).
 */
export type RuleReject = (text: string, at: number) => boolean;

/** `\s` without the u flag, on one UTF-16 code unit. */
const SPACE = asciiSet(/\s/);
const WIDE_SPACE = /\s/;
function isSpace(c: number): boolean {
  return c < 128 ? SPACE[c] === 1 : WIDE_SPACE.test(String.fromCharCode(c));
}

/** The key characters `[A-Za-z0-9_\-.]`; every keyword of the generic rules is spelled with them only. */
const KEY = asciiSet(/[A-Za-z0-9_\-.]/);

/** The generic value class `[^\s"'\`,;<>(){}\[\]\\]` (non-ASCII characters belong unless whitespace). */
const VALUE = asciiSet(/[^\s"'`,;<>(){}[\]\\]/);

/**
 * After the separator token ending before `j`: `\s{0,4}["'\`]?` and 8 value characters. The value class excludes
 * whitespace and quotes, so the whitespace run and a quote are taken whole. 0: cannot match, 1: can, -1: unsure.
 */
function valueAfter(text: string, j: number): number {
  const n = text.length;
  let ws = 0;
  for (;;) {
    if (j >= n) return -1;
    const c = text.charCodeAt(j);
    if (!isSpace(c)) break;
    if (++ws > 4) return 0;
    j++;
  }
  const q = text.charCodeAt(j);
  if (q === 34 || q === 39 || q === 96) j++;
  for (let k = 0; k < 8; k++, j++) {
    if (j >= n) return -1;
    const c = text.charCodeAt(j);
    if (c < 128 ? VALUE[c] === 0 : isSpace(c)) return 0;
  }
  return 1;
}

/**
 * `keyword[A-Za-z0-9_\-.]{0,24}["']?\s{0,4}(?:=>|:=|[:=])\s{0,4}["'\`]?[value]{8,256}` where the keywords are
 * made of key characters and at most `maxKey - 24` long. What follows the key part (a quote, whitespace, '=' or
 * ':') is never a key character, so the key part is the whole run of key characters from `at`; the same holds
 * for the whitespace runs and quotes, which the next element cannot start with. So the only choice left to the
 * regex is the separator token ('=', ':', or the two-character '=>' / ':='), and both readings are checked.
 */
function keyAssignment(maxKey: number): RuleReject {
  return (text, at) => {
    const n = text.length;
    let i = at;
    const lim = at + maxKey;
    for (;;) {
      if (i >= n) return false;
      const c = text.charCodeAt(i);
      if (c >= 128 || KEY[c] === 0) break;
      if (i === lim) return true; // maxKey + 1 key characters
      i++;
    }
    let c = text.charCodeAt(i);
    if (c === 34 || c === 39) {
      if (++i >= n) return false;
      c = text.charCodeAt(i);
    }
    for (let k = 0; k < 4 && isSpace(c); k++) {
      if (++i >= n) return false;
      c = text.charCodeAt(i);
    }
    if (c !== 61 && c !== 58) return true; // '=' ':'
    const one = valueAfter(text, i + 1);
    if (one !== 0) return false;
    if (i + 1 >= n) return false;
    const d = text.charCodeAt(i + 1);
    // '=>' or ':='
    if ((c === 61 && d === 62) || (c === 58 && d === 61)) return valueAfter(text, i + 2) === 0;
    return true;
  };
}

/** `[^\s:@/?#"'<>]` and `[^\s@/?#"'<>]`. */
const URL_USER = asciiSet(/[^\s:@/?#"'<>]/);
const URL_PASS = asciiSet(/[^\s@/?#"'<>]/);

/**
 * Length of the run of `set` characters from `i` (non-ASCII ones belong unless whitespace), `max + 1` for any
 * longer run, or -1 when the text ends first.
 */
function runOf(set: Uint8Array, text: string, i: number, max: number): number {
  const n = text.length;
  for (let k = 0; ; k++) {
    if (i + k >= n) return -1;
    const c = text.charCodeAt(i + k);
    if (c < 128 ? set[c] === 0 : isSpace(c)) return k;
    if (k === max) return max + 1;
  }
}

/**
 * `://[^\s:@/?#"'<>]{1,128}:(?<secret>[^\s@/?#"'<>]{1,256})@`: the user part is the whole run after `://` (its
 * class excludes the ':' that must follow), the secret the whole run after ':' (its class excludes the '@').
 */
const urlCredentials: RuleReject = (text, at) => {
  if (at + 3 > text.length) return false;
  if (text.charCodeAt(at) !== 58 || text.charCodeAt(at + 1) !== 47 || text.charCodeAt(at + 2) !== 47)
    return true;
  const user = runOf(URL_USER, text, at + 3, 128);
  if (user === -1) return false;
  if (user === 0 || user > 128 || text.charCodeAt(at + 3 + user) !== 58) return true;
  const from = at + 4 + user;
  const pass = runOf(URL_PASS, text, from, 256);
  if (pass === -1) return false;
  return pass === 0 || pass > 256 || text.charCodeAt(from + pass) !== 64;
};

/** Case-insensitive ASCII `word` (lower case) at `i`: 1 present, 0 absent, -1 the text ends first. */
function wordAt(text: string, i: number, word: string): number {
  for (let k = 0; k < word.length; k++) {
    if (i + k >= text.length) return -1;
    // c | 32 equals a lower-case letter's code only for that letter and its upper case.
    if ((text.charCodeAt(i + k) | 32) !== word.charCodeAt(k)) return 0;
  }
  return 1;
}

/** `[A-Za-z0-9\-._~+/]`, the Bearer value's class. */
const BEARER_VALUE = asciiSet(/[A-Za-z0-9\-._~+/]/);

/**
 * `[Bb][Ee][Aa][Rr][Ee][Rr]\s{1,4}(?<secret>[A-Za-z0-9\-._~+/]{16,4096}=*)`: the value class excludes whitespace,
 * so the whitespace run after the keyword is taken whole (1 to 4), and 16 value characters must follow it.
 */
const bearer: RuleReject = (text, at) => {
  const word = wordAt(text, at, 'bearer');
  if (word !== 1) return word === 0;
  const n = text.length;
  let i = at + 6;
  let ws = 0;
  for (;;) {
    if (i >= n) return false;
    if (!isSpace(text.charCodeAt(i))) break;
    if (++ws > 4) return true;
    i++;
  }
  if (ws === 0) return true;
  for (let k = 0; k < 16; k++, i++) {
    if (i >= n) return false;
    const c = text.charCodeAt(i);
    if (c >= 128 || BEARER_VALUE[c] === 0) return true;
  }
  return false;
};

/** After an optional `[_\-.]` at `i`, one of `words`: 1, 0 or -1 as wordAt. */
function afterSeparator(text: string, i: number, words: readonly string[]): number {
  if (i >= text.length) return -1;
  const c = text.charCodeAt(i);
  // A separator character cannot start a word, so the optional separator is taken whenever present.
  if (c === 95 || c === 45 || c === 46) i++;
  let out = 0;
  for (const w of words) {
    const r = wordAt(text, i, w);
    if (r === 1) return 1;
    if (r === -1) out = -1;
  }
  return out;
}

/**
 * The key names of aws-secret-access-key: `(aws[_\-.]?)?secret[_\-.]?access…`, `aws[_\-.]?secret…` or
 * `aws[_\-.]?session…`. Its "secret" trigger fires on every other secret key (SECRET_KEY=, client_secret: …),
 * where the regex fails after a try and a wait for the value; here two words decide.
 */
const awsSecretKey: RuleReject = (text, at) => {
  const secret = wordAt(text, at, 'secret');
  if (secret === 1) return afterSeparator(text, at + 6, ['access']) === 0;
  const aws = wordAt(text, at, 'aws');
  if (aws === 1) return afterSeparator(text, at + 3, ['secret', 'session']) === 0;
  return secret === 0 && aws === 0;
};

/** Rejects by built-in rule id. */
export const ruleRejects: Readonly<Record<string, RuleReject>> = {
  // Longest keywords: private_key (11), passphrase (10); then up to 24 more key characters.
  'generic-api-key': keyAssignment(11 + 24),
  'generic-password': keyAssignment(10 + 24),
  'url-credentials': urlCredentials,
  'authorization-bearer': bearer,
  'aws-secret-access-key': awsSecretKey,
};
