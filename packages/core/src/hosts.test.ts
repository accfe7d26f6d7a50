import { describe, expect, it } from 'vitest';
import { hostAllowed, isValidHostPattern, transportAllowed } from './hosts.js';

describe('host allowlist', () => {
  it.each([
    [['api.github.com'], 'https://api.github.com/user', true],
    [['api.github.com'], 'https://API.GitHub.com/user', true],
    [['api.github.com'], 'https://api.github.com.evil.com/', false],
    [['api.github.com'], 'https://evilapi.github.com/', false],
    [['*.example.com'], 'https://a.b.example.com/', true],
    [['*.example.com'], 'https://example.com/', false],
    [['*.example.com'], 'https://badexample.com/', false],
    [['127.0.0.1:8080'], 'http://127.0.0.1:8080/', true],
    [['127.0.0.1:8080'], 'http://127.0.0.1:9090/', false],
    [['api.github.com'], 'https://user:pw@api.github.com/', true],
    [[], 'https://api.github.com/', false],
  ])('%j allows %s: %s', (patterns, url, expected) => {
    expect(hostAllowed(patterns, new URL(url))).toBe(expected);
  });

  it('credentials travel over https, or http to loopback only', () => {
    expect(transportAllowed(new URL('https://x.com'))).toBe(true);
    expect(transportAllowed(new URL('http://x.com'))).toBe(false);
    expect(transportAllowed(new URL('http://127.0.0.1:1'))).toBe(true);
    expect(transportAllowed(new URL('http://localhost:1'))).toBe(true);
    expect(transportAllowed(new URL('ftp://127.0.0.1'))).toBe(false);
  });

  it('validates host patterns', () => {
    for (const ok of ['api.github.com', '*.example.com', '127.0.0.1:8080', '[::1]:80'])
      expect(isValidHostPattern(ok)).toBe(true);
    for (const bad of ['https://x.com', 'x.com/path', '*', 'a..b', 'x.*.com'])
      expect(isValidHostPattern(bad)).toBe(false);
  });
});
