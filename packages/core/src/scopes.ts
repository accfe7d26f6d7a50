/**
 * Scope patterns. A grant scope is a pattern; a requested scope is a literal.
 * - `*` at the end of a pattern matches the rest of the scope (one or more characters): `issues:*`.
 * - `*` elsewhere matches one or more characters within one `:`-separated segment: `repo:acme/*:read`.
 * Requested scopes must be literals: a `*` (or other unsafe character) in a requested scope is refused, so input
 * from a model can never turn into a wildcard at the broker or upstream.
 */

const literalScope = /^[A-Za-z0-9_.\-:/@+=#]+$/;
const patternScope = /^[A-Za-z0-9_.\-:/@+=#*]+$/;

export function isValidScopePattern(pattern: string): boolean {
  return patternScope.test(pattern) && !pattern.includes('**');
}

/**
 * A requested scope is a literal with no empty, `.` or `..` segment: `repo:acme/*:read` must not grant
 * `repo:acme/../victim:read`, which an upstream that normalises paths would read as another repository.
 */
export function isValidRequestedScope(scope: string): boolean {
  if (scope.length > 512 || !literalScope.test(scope)) return false;
  return scope.split(/[:/]/).every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

const compiled = new Map<string, RegExp>();

function compile(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (re) return re;
  const escape = (s: string) => s.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&');
  const body = pattern
    .split('*')
    .map(escape)
    .reduce((acc, piece, index, pieces) => {
      if (index === 0) return piece;
      // `[^:]+` is linear: no nested quantifiers, and segments are bounded by literal text.
      const star = index === pieces.length - 1 && piece === '' ? '.+' : '[^:]+';
      return acc + star + piece;
    }, '');
  re = new RegExp(`^${body}$`);
  compiled.set(pattern, re);
  return re;
}

export function scopeMatches(pattern: string, scope: string): boolean {
  if (!pattern.includes('*')) return pattern === scope;
  return compile(pattern).test(scope);
}

/** Returns the first requested scope no pattern allows, or undefined when all are allowed. */
export function firstUngrantedScope(
  patterns: readonly string[],
  requested: readonly string[],
): string | undefined {
  return requested.find((scope) => !patterns.some((pattern) => scopeMatches(pattern, scope)));
}
