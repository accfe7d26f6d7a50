import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { basicAuthValue, builtinRules } from './builtin-rules.js';
import { RuleEngine } from './rule-engine.js';
import { ruleRejects } from './rule-rejects.js';

const RUNS = Number(process.env.STREAM_PROPERTY_RUNS ?? 300);

/** Each rejecting rule's own regex, sticky: the ground truth a reject must never contradict. */
const checked = Object.entries(ruleRejects).map(([id, reject]) => {
  const rule = builtinRules.find((r) => r.id === id);
  if (rule === undefined) throw new Error(`no built-in rule ${id}`);
  return { id, reject, re: new RegExp(rule.pattern.source, 'y') };
});

function matchesAt(re: RegExp, text: string, at: number): boolean {
  re.lastIndex = at;
  return re.test(text);
}

/**
 * Every position of `text`, and of a few of its prefixes (what a stream buffer holds before the rest arrives):
 * a reject may only say "cannot match" where the regex fails on the whole text. Returns how many it rejected.
 */
function checkSound(text: string, cuts: readonly number[]): number {
  let rejected = 0;
  for (const { id, reject, re } of checked)
    for (let at = 0; at < text.length; at++) {
      const matches = matchesAt(re, text, at);
      for (const cut of [text.length, ...cuts]) {
        if (cut <= at || !reject(text.slice(0, cut), at)) continue;
        rejected++;
        // The message names the rule and position only (the text is random, but keep the habit).
        if (matches) expect.fail(`${id} rejected a match at ${at} (prefix ${cut} of ${text.length})`);
      }
    }
  return rejected;
}

// Keywords, separators, every whitespace kind \s knows (ASCII, NBSP, line separator, BOM), quotes, URL parts,
// value characters and runs just under and over each rule's bounds.
const pieces = [
  'token',
  'TOKEN',
  'Token',
  'api_key',
  'API-KEY',
  'apikey',
  'private.key',
  'access_key',
  'secret',
  'SECRET',
  'aws',
  'AWS_',
  'session',
  'Access',
  'aws_secret_access_key',
  'AWS.SESSION-TOKEN',
  'secretaccesskey',
  'credential',
  'passw',
  'password',
  'PassWord',
  'passphrase',
  'pwd',
  'Bearer',
  'bEaReR',
  'beare',
  '://',
  ':/',
  'user',
  ':',
  '=',
  '=>',
  ':=',
  '==',
  ' ',
  '  ',
  '\t',
  '\n',
  '\r',
  '\u00a0',
  '\u2028',
  '\ufeff',
  '\u00e9',
  '\u{1F642}',
  '"',
  "'",
  '`',
  '@',
  '/',
  '?',
  '#',
  '<',
  '{',
  ',',
  ';',
  '$',
  '.',
  '-',
  '_',
  '~',
  '+',
  'abcdefgh',
  'Zx9+/_-.~',
  'a1B2c3D',
  'k'.repeat(23),
  'k'.repeat(24),
  'k'.repeat(25),
  'v'.repeat(15),
  'v'.repeat(16),
  'u'.repeat(127),
  'u'.repeat(128),
  'u'.repeat(129),
  'p'.repeat(255),
  'p'.repeat(256),
  'p'.repeat(257),
];

const texts = fc.array(fc.oneof(fc.constantFrom(...pieces), fc.string({ unit: 'binary', maxLength: 4 })), {
  maxLength: 24,
});

describe('rule rejects', () => {
  it('never reject a position where the rule matches, on whole texts and stream prefixes (property)', () => {
    let rejected = 0;
    let count = 0;
    fc.assert(
      fc.property(texts, fc.array(fc.nat(), { maxLength: 3 }), (parts, cutSeeds) => {
        const text = parts.join('');
        const cuts = cutSeeds.map((c) => (text.length === 0 ? 0 : c % text.length));
        rejected += checkSound(text, cuts);
        count++;
      }),
      { numRuns: RUNS },
    );
    // The rejects must actually fire on these texts, or the test would pass with rejects that do nothing.
    expect(rejected).toBeGreaterThan(count);
  });

  it('never reject a match on texts built to match (property)', () => {
    const ws = fc.constantFrom('', ' ', '  ', '\t', '\u00a0', '    ', '     ');
    const quote = fc.constantFrom('', '"', "'", '`');
    const value = fc.oneof(
      fc.stringMatching(/^[A-Za-z0-9_\-.~+/=:]{4,20}$/),
      // Around aws-secret-access-key's 40-character minimum.
      fc.stringMatching(/^[A-Za-z0-9+/=]{38,42}$/),
    );
    const assignment = fc
      .tuple(
        fc.constantFrom(
          'token',
          'API_KEY',
          'secret',
          'private_key',
          'access-key',
          'password',
          'pwd',
          'passphrase',
          'aws_secret_access_key',
          'AWS-Session.Token',
          'awssecretkey',
          'Secret_Access_Key',
        ),
        // Key suffixes short, or around the 24-character bound.
        fc.oneof(fc.stringMatching(/^[A-Za-z0-9_\-.]{0,3}$/), fc.stringMatching(/^[A-Za-z0-9_\-.]{23,25}$/)),
        quote,
        ws,
        fc.constantFrom('=', ':', '=>', ':=', '=:', '::'),
        ws,
        quote,
        value,
      )
      .map((p) => p.join(''));
    const bearer = fc.tuple(fc.constantFrom('Bearer', 'bearer'), ws, value, value).map((p) => p.join(''));
    const url = fc
      .tuple(
        fc.constantFrom('https://', 'x://'),
        fc.stringMatching(/^[A-Za-z0-9.%]{0,3}$/),
        fc.constantFrom('', ':'),
        value,
        fc.constantFrom('@', '', '/', '@h'),
      )
      .map((p) => p.join(''));
    let matched = 0;
    fc.assert(
      fc.property(
        fc.array(fc.oneof(assignment, bearer, url, fc.constantFrom(' ', '\n', 'x')), { maxLength: 6 }),
        (parts) => {
          const text = parts.join('');
          checkSound(text, [Math.floor(text.length / 2)]);
          for (const { re } of checked)
            for (let at = 0; at < text.length; at++) if (matchesAt(re, text, at)) matched++;
        },
      ),
      { numRuns: RUNS },
    );
    expect(matched).toBeGreaterThan(RUNS / 10);
  });

  it('reject the common non-matches: prose keywords, short or missing values, URLs without credentials', () => {
    const api = ruleRejects['generic-api-key']!;
    const password = ruleRejects['generic-password']!;
    const url = ruleRejects['url-credentials']!;
    const bearer = ruleRejects['authorization-bearer']!;
    const aws = ruleRejects['aws-secret-access-key']!;
    expect(api('the token was refreshed', 4)).toBe(true);
    expect(api('secret: none\n', 0)).toBe(true);
    expect(api('API_KEY=${API_KEY:?missing}\n', 0)).toBe(true);
    expect(api('token_with_a_very_long_name_over_the_limit = abcdefgh1234', 0)).toBe(true);
    expect(api('api_key = "sk12345678abcdef"', 0)).toBe(false);
    expect(api('token', 0)).toBe(false); // a stream's buffer may still grow
    expect(password('passwords are hashed', 0)).toBe(true);
    expect(password('password => abcdefgh1', 0)).toBe(false);
    expect(url('see https://example.com/a', 9)).toBe(true);
    expect(url('https://u:p@host', 5)).toBe(false);
    expect(bearer('Bearer token for x', 0)).toBe(true);
    expect(bearer('Bearer token', 0)).toBe(false); // the value may continue in the next write
    expect(bearer('Bearer abcdefghijklmnopq', 0)).toBe(false);
    expect(aws('SECRET_KEY=abc', 0)).toBe(true);
    expect(aws('client_secret: x', 7)).toBe(true);
    expect(aws('aws_region=us-east-1', 0)).toBe(true);
    expect(aws('secret_access_key=', 0)).toBe(false);
    expect(aws('AWS.Session', 0)).toBe(false);
    expect(aws('secret_acc', 0)).toBe(false); // the next write may complete "access"
  });

  it('leave the scan result unchanged on text the rejects see a lot of', () => {
    const text = [
      'the token was refreshed; api_key = "Zx9Q2mL7pT4vB8nC1k" and password: hunter2 hunter2',
      'Authorization: Bearer 0cX74GYQg8-GjcSApoYT2l3xp5Si5PM4uskK-ojx then bearer tokens expire',
      'postgres://app:QtE66jg3GL72cq@db/x and https://example.com/a https://u:pw0rd99@h',
    ].join('\n');
    const out: string[] = [];
    new RuleEngine().scan(text, (start, end, id) => out.push(`${id}@${start}-${end}`));
    const ref: string[] = [];
    new RuleEngine({}, false).scan(text, (start, end, id) => ref.push(`${id}@${start}-${end}`));
    expect(out).toEqual(ref);
    expect(out.length).toBe(4); // api_key, Bearer, postgres, https; not the 7-character password
  });
});

describe('basicAuthValue', () => {
  /** The Buffer-based check the byte decoder replaces. */
  const viaBuffer = (secret: string): boolean => {
    const raw = Buffer.from(secret.slice(0, 88), 'base64').toString('latin1');
    return raw.length >= 3 && raw.includes(':') && /^[\x20-\x7e]+$/.test(raw);
  };

  it('answers as decoding through a Buffer does, on credentials, words, padding and junk (property)', () => {
    const printable = fc.stringMatching(/^[\x20-\x7e]{0,70}$/);
    const b64 = (s: string): string => Buffer.from(s, 'latin1').toString('base64');
    const secrets = fc.oneof(
      printable.map(b64),
      // Bytes at and just outside the printable range (0x1f, 0x7f, 0x80) next to ':'.
      fc
        .array(fc.constantFrom(0x1f, 0x20, 0x21, 0x3a, 0x7d, 0x7e, 0x7f, 0x80), { maxLength: 30 })
        .map((b) => Buffer.from(b).toString('base64')),
      fc.tuple(printable, printable).map(([u, p]) => b64(`${u}:${p}`)),
      fc.tuple(printable, printable).map(([u, p]) => b64(`${u}:${p}`).replace(/=+$/, '')),
      fc
        .tuple(printable, fc.constantFrom('=', '==', '===', '=A', '=A='))
        .map(([s, pad]) => b64(s).replace(/=+$/, '') + pad),
      fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b).toString('base64')),
      fc.stringMatching(/^[A-Za-z0-9+/]{0,120}={0,2}$/),
      fc.stringMatching(/^[A-Za-z0-9+/=_\- .]{0,100}$/),
      fc.constantFrom('authentication', 'dXNlcjpwYXNz', 'dXNlcjpwYXNz'.repeat(9), 'dXM6', 'OjpA'),
    );
    let yes = 0;
    fc.assert(
      fc.property(secrets, (s) => {
        const want = viaBuffer(s);
        if (want) yes++;
        expect(basicAuthValue(s)).toBe(want);
      }),
      { numRuns: RUNS * 5 },
    );
    expect(yes).toBeGreaterThan(RUNS / 2);
  });
});
