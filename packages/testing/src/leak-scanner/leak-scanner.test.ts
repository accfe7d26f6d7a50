import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assertNoLeaks, createLeakScanner } from './leak-scanner.js';

const SECRET = 'sk-live_4f9a/Q+z "quoted" & spaced=ü€???>>>';
const scanner = createLeakScanner({ api: SECRET, other: 'ghp_0123456789abcdefXYZ' });

function forms(input: string): string[] {
  return scanner.scan(input, 'test').map((f) => `${f.canary}:${f.form}`);
}

describe('createLeakScanner', () => {
  it('finds every encoded form, wherever it sits', () => {
    const b = Buffer.from(SECRET, 'utf8');
    expect(forms(`x ${SECRET} y`)).toContain('api:raw');
    expect(forms(JSON.stringify({ v: SECRET }))).toContain('api:json');
    expect(forms(`https://h/?q=${encodeURIComponent(SECRET)}`)).toContain('api:url');
    expect(forms(`a=1&${new URLSearchParams({ q: SECRET }).toString()}`)).toContain('api:form');
    expect(forms(`Basic ${b.toString('base64')}`)).toContain('api:base64');
    expect(forms(b.toString('base64url'))).toContain('api:base64url');
    expect(forms(Buffer.concat([Buffer.from('u'), b]).toString('base64'))).toContain('api:base64-offset1');
    expect(forms(Buffer.concat([Buffer.from('us'), b]).toString('base64url'))).toContain(
      'api:base64-offset2',
    );
    expect(forms(b.toString('hex'))).toContain('api:hex');
    expect(forms(b.toString('hex').toUpperCase())).toContain('api:HEX');
  });

  it('finds a base64-embedded secret at any alignment inside a longer message', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }), (pre, post) => {
        const msg = Buffer.concat([pre, Buffer.from(SECRET), post]);
        expect(scanner.scan(msg.toString('base64'), 'b64').some((f) => f.canary === 'api')).toBe(true);
        expect(scanner.scan(msg.toString('base64url'), 'b64').some((f) => f.canary === 'api')).toBe(true);
      }),
    );
  });

  it('matches bytes exactly and reports byte offsets', () => {
    const bytes = Buffer.concat([Buffer.from([0, 1, 2, 0xff]), Buffer.from(SECRET, 'utf8')]);
    const found = scanner.scan(new Uint8Array(bytes), 'otlp');
    expect(found).toContainEqual({ canary: 'api', form: 'raw', channel: 'otlp', offset: 4 });
  });

  it('reports truncated heads and split tails', () => {
    const other = 'ghp_0123456789abcdefXYZ';
    expect(forms(`token=${other.slice(0, 12)}zzzz`)).toEqual(['other:truncated-tail']);
    expect(forms(`"${other.slice(0, 8)}"`)).toEqual(['other:truncated-tail']);
    expect(forms(`${other.slice(0, 9)}…`)).toEqual(['other:truncated-tail']);
    expect(forms(`[REDACTED]${other.slice(-12)}`)).toEqual(['other:truncated-tail']);
    // 8 chars mid-word, or fewer than 8 anywhere, is not a leak.
    expect(forms(`${other.slice(0, 8)}qq`)).toEqual([]);
    expect(forms(`"${other.slice(0, 7)}"`)).toEqual([]);
    // A full match is reported once as its form, not again as truncated.
    expect(forms(other)).toEqual(['other:raw']);
  });

  it('finds nothing in unrelated text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        fc.pre(!s.includes('ghp_') && !s.includes('sk-'));
        expect(scanner.scan(s, 'x').filter((f) => f.form !== 'truncated-tail')).toEqual([]);
      }),
    );
    expect(scanner.scan('the quick brown fox jumps over the lazy dog', 'x')).toEqual([]);
  });

  it('assertNoLeaks names channel, canary and form but never the value', () => {
    expect(() => {
      scanner.assertNoLeaks('clean', 'span.attributes');
    }).not.toThrow();
    let message = '';
    try {
      scanner.assertNoLeaks(`error: ${SECRET}`, 'span.status');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('span.status');
    expect(message).toContain('canary api (raw)');
    expect(createLeakScanner({ api: SECRET }).scan(message, 'msg')).toEqual([]);
    expect(() => {
      assertNoLeaks([]);
    }).not.toThrow();
  });

  it('rejects canaries too short to detect reliably', () => {
    expect(() => createLeakScanner({ short: 'abc' })).toThrow(/at least 8/);
  });

  it('scanValue scans JSON text', () => {
    expect(scanner.scanValue({ nested: [SECRET] }, 'log').map((f) => f.form)).toContain('json');
  });
});
