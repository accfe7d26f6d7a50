import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidSecretError } from '../errors.js';
import { createRedactor } from './index.js';
import { knownForms } from './known-forms.js';

const SECRET = 'pa$$w0rd/with+odd "chars" é and more';
const TOKEN = 'tok_4f9a8b7c6d5e4f3a2b1c';

function everyEncoding(v: string): Record<string, string> {
  const b = Buffer.from(v, 'utf8');
  const std = b.toString('base64');
  return {
    raw: v,
    json: JSON.stringify(v).slice(1, -1),
    uri: encodeURIComponent(v),
    form: new URLSearchParams([['', v]]).toString().slice(1),
    base64: std,
    base64url: std.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''),
    hex: b.toString('hex'),
    HEX: b.toString('hex').toUpperCase(),
  };
}

describe('known values', () => {
  it('redacts every encoding with the label placeholder', () => {
    const r = createRedactor({ rules: false });
    r.register(SECRET, 'db');
    for (const [name, enc] of Object.entries(everyEncoding(SECRET))) {
      const out = r.redact(`before ${enc} after`);
      expect(out, name).not.toContain(enc.replace(/=+$/, ''));
      expect(out, name).toMatch(/^before \[REDACTED:db\]=* after$/);
    }
  });

  it('finds the value inside a larger base64 blob at every byte offset (Basic auth)', () => {
    const r = createRedactor({ rules: false });
    r.register(TOKEN, 'api');
    for (const user of ['u', 'us', 'use', 'user1']) {
      const blob = Buffer.from(`${user}:${TOKEN}:trailer`).toString('base64');
      const out = r.redact(`Authorization: Basic ${blob}`);
      expect(out).toContain('[REDACTED:api]');
      // No 8-character window of the value's own base64 core survives.
      for (const f of knownForms(TOKEN)) expect(out.includes(f.alt0)).toBe(false);
    }
  });

  it('returns the identical string when clean', () => {
    const r = createRedactor();
    r.register(TOKEN, 'api');
    const text = 'nothing to see here, '.repeat(50);
    expect(Object.is(r.redact(text), text)).toBe(true);
  });

  it('refuses values shorter than 8 characters with InvalidSecretError', () => {
    const r = createRedactor();
    expect(() => r.register('1234567', 'short')).toThrow(InvalidSecretError);
    try {
      r.register('hunter2', 'short');
    } catch (e) {
      expect(InvalidSecretError.isInstance(e)).toBe(true);
      expect((e as Error).message).not.toContain('hunter2');
    }
    expect(() => r.register('12345678', 'ok')).not.toThrow();
    expect(r.size).toBe(1);
  });

  it('uses leftmost-longest and merges overlaps', () => {
    const r = createRedactor({ rules: false });
    r.register('abcdefgh12', 'short');
    r.register('abcdefgh1234567', 'long');
    expect(r.redact('x abcdefgh1234567 y')).toBe('x [REDACTED:long] y');
    expect(r.redact('x abcdefgh12 y')).toBe('x [REDACTED:short] y');
    r.register('zzzzabcdef', 'overlap');
    // zzzzabcdef overlaps abcdefgh1234567: one placeholder, nothing of either left visible.
    expect(r.redact('zzzzabcdefgh1234567!')).toBe('[REDACTED:overlap]!');
  });

  it('unregisters idempotently and keeps values registered twice', () => {
    const r = createRedactor({ rules: false });
    const a = r.register(TOKEN, 'first');
    const b = r.register(TOKEN, 'second');
    expect(r.redact(TOKEN)).toBe('[REDACTED:first]');
    a();
    a();
    expect(r.size).toBe(1);
    expect(r.redact(TOKEN)).toBe('[REDACTED:second]');
    b();
    expect(r.size).toBe(0);
    expect(r.redact(TOKEN) === TOKEN).toBe(true); // unregistered: passes through
  });

  it('catches a truncated tail of at least 8 characters, also before an ellipsis', () => {
    const r = createRedactor({ rules: false });
    r.register(TOKEN, 'api');
    expect(r.redact(`attr=${TOKEN.slice(0, 8)}`)).toBe('attr=[REDACTED:api]');
    expect(r.redact(`attr=${TOKEN.slice(0, 12)}...`)).toBe('attr=[REDACTED:api]...');
    expect(r.redact(`attr=${TOKEN.slice(0, 7)}`)).toBe(`attr=${TOKEN.slice(0, 7)}`);
    // Only at the end of the text.
    expect(r.redact(`${TOKEN.slice(0, 12)} more`)).toBe(`${TOKEN.slice(0, 12)} more`);
    const b64 = Buffer.from(TOKEN).toString('base64');
    expect(r.redact(`x ${b64.slice(0, 10)}`)).toBe('x [REDACTED:api]');
  });

  it('fingerprint placeholders are keyed, stable and equal across encodings', () => {
    const key = new Uint8Array(32).fill(7);
    const r1 = createRedactor({ placeholder: 'fingerprint', fingerprintKey: key, rules: false });
    const r2 = createRedactor({
      placeholder: 'fingerprint',
      fingerprintKey: new Uint8Array(32).fill(8),
      rules: false,
    });
    r1.register(TOKEN, 'api');
    r2.register(TOKEN, 'api');
    const a = r1.redact(TOKEN);
    const b = r1.redact(Buffer.from(TOKEN).toString('hex'));
    expect(a).toMatch(/^\[REDACTED:api:[0-9a-f]{16}\]$/);
    expect(b).toBe(a);
    expect(r2.redact(TOKEN)).not.toBe(a);
  });

  it('scan reports findings without the value', () => {
    const r = createRedactor({ rules: false });
    r.register(TOKEN, 'api');
    const text = `a ${TOKEN} b ${encodeURIComponent(SECRET)}`;
    const f = r.scan(text);
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ rule: 'known:api', start: 2, end: 2 + TOKEN.length });
    expect(JSON.stringify(f).includes(TOKEN)).toBe(false);
  });

  it('registers and unregisters one value in well under 1 ms with 5,000 live', () => {
    const r = createRedactor({ rules: false });
    for (let i = 0; i < 5000; i++) r.register(`live-secret-${i}-${(i * 7919).toString(36)}-padding`, `c${i}`);
    r.redact('index the 5,000 first');
    const times: number[] = [];
    for (let i = 0; i < 200; i++) {
      const extra = `extra-secret-${i}-xyzzy-${i * 31}`;
      const t = performance.now();
      const un = r.register(extra, 'extra');
      // register() only queues: the redact indexes the value, so the timing includes the index work.
      const out = r.redact(`a ${extra}`);
      un();
      times.push(performance.now() - t);
      expect(out).toBe('a [REDACTED:extra]');
    }
    times.sort((a, b) => a - b);
    expect(times[100]!).toBeLessThan(1);
    expect(r.size).toBe(5000);
    expect(r.redact('x live-secret-42-' + (42 * 7919).toString(36) + '-padding y')).toBe(
      'x [REDACTED:c42] y',
    );
    expect(r.redact('x extra-secret-7-xyzzy-217 y')).toBe('x extra-secret-7-xyzzy-217 y');
  });
});

describe('queued registration and reused pattern ids', () => {
  const value = (i: number, tag: string): string => `${tag}-${i}-${(i * 2654435761).toString(36)}-secret`;

  it('a value unregistered before the index ever saw it is not redacted; the rest of the batch is', () => {
    const r = createRedactor({ rules: false });
    const un = [0, 1, 2].map((i) => r.register(value(i, 'q'), `c${i}`));
    un[1]!();
    expect(r.size).toBe(2);
    expect(r.redact(`${value(0, 'q')} ${value(1, 'q')} ${value(2, 'q')}`)).toBe(
      `[REDACTED:c0] ${value(1, 'q')} [REDACTED:c2]`,
    );
  });

  it('registering again after unregistering (still queued) keeps the value', () => {
    const r = createRedactor({ rules: false });
    r.register(TOKEN, 'first')();
    r.register(TOKEN, 'second');
    expect(r.redact(`x ${TOKEN}`)).toBe('x [REDACTED:second]');
  });

  it('churn: batches that refill freed ids find exactly the live values, in every encoding', () => {
    const r = createRedactor({ rules: false });
    const live = new Map<string, () => void>();
    const gone = new Set<string>();
    let next = 0;
    const add = (n: number): void => {
      for (let k = 0; k < n; k++, next++)
        live.set(value(next, 'churn'), r.register(value(next, 'churn'), 'c'));
    };
    add(300);
    r.redact('index');
    for (let round = 0; round < 3; round++) {
      // Drop every other live value, then queue a batch bigger than the freed ids (refill, then append).
      [...live.keys()]
        .filter((_, i) => i % 2 === 0)
        .forEach((v) => {
          live.get(v)!();
          live.delete(v);
          gone.add(v);
        });
      add(200);
      for (const v of [...live.keys()].slice(-40).concat([...live.keys()].slice(0, 40)))
        for (const f of knownForms(v)) expect(r.redact(`<${f.alt0}>`)).toMatch(/^<\[REDACTED:c\]=*>$/);
      for (const v of [...gone].slice(-40)) expect(r.redact(`<${v}>`)).toBe(`<${v}>`);
    }
    expect(r.size).toBe(live.size);
  });
});

describe('registration fast paths', () => {
  /** The straightforward Buffer-based encoder knownForms replaced, as the reference. */
  function referenceForms(value: string): string[] {
    const out = new Map<string, string | undefined>();
    const add = (a: string, b?: string): void => {
      if (a.length >= 8 && !out.has(a)) out.set(a, b !== undefined && b !== a ? b : undefined);
    };
    add(value);
    const json = JSON.stringify(value).slice(1, -1);
    add(json);
    add(json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
    try {
      add(encodeURIComponent(value));
    } catch {
      /* lone surrogate */
    }
    add(new URLSearchParams([['', value]]).toString().slice(1));
    const bytes = Buffer.from(value, 'utf8');
    const b64 = (s: string): [string, string] => [s, s.replace(/\+/g, '-').replace(/\//g, '_')];
    add(...b64(bytes.toString('base64').replace(/=+$/, '')));
    for (let k = 0; k < 3; k++) {
      const enc = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
      add(...b64(enc.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6))));
    }
    const hex = bytes.toString('hex');
    add(hex, hex.toUpperCase());
    return [...out].map(([a, b]) => `${a}|${b ?? ''}`);
  }

  it('knownForms equals the Buffer-based reference for any string', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 60 }),
          fc.string({ unit: 'grapheme', maxLength: 30 }),
          fc.stringMatching(/^[A-Za-z0-9!'()~* %+/=-]{0,50}$/),
        ),
        (v) => {
          expect(knownForms(v).map((f) => `${f.alt0}|${f.alt1 ?? ''}`)).toEqual(referenceForms(v));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('a string cached as clean is redacted once its secret is registered', () => {
    const r = createRedactor({ rules: false });
    const line = `token in a span attribute: ${TOKEN}`;
    expect(r.redact(line)).toBe(line);
    expect(r.redact(line)).toBe(line); // now served from the clean cache
    const un = r.register(TOKEN, 'api');
    expect(r.redact(line)).toBe('token in a span attribute: [REDACTED:api]');
    un();
    expect(r.redact(line)).toBe(line);
  });

  it('computes the fingerprint lazily but identically', () => {
    const key = new Uint8Array(32).fill(7);
    const a = createRedactor({ rules: false, placeholder: 'fingerprint', fingerprintKey: key });
    const b = createRedactor({ rules: false, placeholder: 'fingerprint', fingerprintKey: key });
    a.register(TOKEN, 'api');
    b.register(TOKEN, 'api');
    const out = a.redact(`x ${TOKEN}`);
    expect(out).toMatch(/^x \[REDACTED:api:[0-9a-f]{16}\]$/);
    expect(b.scan(`x ${TOKEN}`)[0]?.fingerprint).toBe(out.slice(-17, -1));
  });
});
