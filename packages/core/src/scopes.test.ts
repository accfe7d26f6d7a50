import { describe, expect, it } from 'vitest';
import { firstUngrantedScope, isValidRequestedScope, scopeMatches } from './scopes.js';

describe('scope patterns', () => {
  it.each([
    ['issues:*', 'issues:write:acme/widgets', true],
    ['issues:*', 'issues:', false],
    ['issues:*', 'pulls:write', false],
    ['repo:acme/*:read', 'repo:acme/widgets:read', true],
    ['repo:acme/*:read', 'repo:acme/widgets:write', false],
    ['repo:acme/*:read', 'repo:acme/w:write:read', false],
    ['repo:acme/*:read', 'repo:evil/acme/x:read', false],
    ['issues:read', 'issues:read', true],
    ['issues:read', 'issues:readx', false],
    ['a.b:*', 'aXb:c', false],
  ])('%s matches %s: %s', (pattern, scope, expected) => {
    expect(scopeMatches(pattern, scope)).toBe(expected);
  });

  it('reports the first requested scope no pattern allows', () => {
    expect(firstUngrantedScope(['issues:*'], ['issues:read', 'admin:org'])).toBe('admin:org');
    expect(firstUngrantedScope(['issues:*'], ['issues:read'])).toBeUndefined();
  });

  it('requested scopes must be literals', () => {
    expect(isValidRequestedScope('repo:acme/x:read')).toBe(true);
    for (const bad of ['repo:*', 'a b', '', 'x\ny', 'a'.repeat(513), 'ü'])
      expect(isValidRequestedScope(bad)).toBe(false);
  });
});
