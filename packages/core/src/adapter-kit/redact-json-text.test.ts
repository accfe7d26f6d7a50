import { describe, expect, it } from 'vitest';
import { createRedactor } from '../redaction/index.js';
import { redactJsonText } from './redact-json-text.js';

const SECRET = 'sk-live-9f8e7d6c5b4a39281706';

function redactor() {
  const r = createRedactor({ rules: false });
  r.register(SECRET, 'api');
  return r;
}

describe('redactJsonText', () => {
  it('returns the same string when the JSON holds no secret', () => {
    const text = '{"city":"Paris","n":3}';
    expect(redactJsonText(redactor(), text)).toBe(text);
  });

  it('redacts a secret inside a JSON string and keeps valid JSON', () => {
    const out = redactJsonText(redactor(), JSON.stringify({ q: `token ${SECRET} here`, list: [SECRET] }));
    expect(out.includes(SECRET)).toBe(false);
    const parsed = JSON.parse(out) as { q: string; list: string[] };
    expect(parsed.q).toMatch(/^token \[REDACTED[^\]]*\] here$/);
    expect(parsed.list[0]).toMatch(/^\[REDACTED/);
  });

  it('finds a secret hidden behind unicode escapes', () => {
    // The secret is ASCII, so its UTF-16 code units are its characters.
    const escaped = SECRET.replace(/[\s\S]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    const out = redactJsonText(redactor(), `{"k":"${escaped}"}`);
    expect(JSON.parse(out)).toEqual({ k: expect.stringMatching(/^\[REDACTED/) as unknown });
  });

  it('redacts text that is not JSON as plain text', () => {
    const out = redactJsonText(redactor(), `{"k":"${SECRET}`);
    expect(out.includes(SECRET)).toBe(false);
    expect(out.startsWith('{"k":"[REDACTED')).toBe(true);
  });
});
