import { z } from 'zod';
import { DURATION_EXPECTED, parseDuration, type Duration } from './duration.js';
import { InvalidConfigError } from './errors.js';
import { isValidRequestedScope, isValidScopePattern } from './scopes.js';
import { formatIssues } from './zod-issues.js';

/**
 * What a tool needs: one credential, the scopes for this call, and how long.
 * `scopes` may be a function of the validated tool input; what it returns must still fall inside the grant.
 */
export interface ToolNeeds<Input = unknown> {
  credential: string;
  scopes: readonly string[] | ((input: Input) => readonly string[]);
  /** Defaults to the grant's `maxTtl`; a ttl above it is denied. */
  ttl?: Duration;
}

/** A tool may need several credentials; each gets its own lease. */
export type ToolNeedsSpec<Input = unknown> = ToolNeeds<Input> | readonly ToolNeeds<Input>[];

const needsSchema = z.strictObject({
  credential: z.string({ error: 'expected a credential name' }).min(1, 'expected a credential name'),
  scopes: z.union(
    [
      z
        .array(
          z
            .string()
            .refine(
              isValidScopePattern,
              'expected a literal scope such as "issues:read" (no spaces or "**")',
            ),
        )
        .min(1, 'expected at least one scope'),
      z.custom<(input: unknown) => readonly string[]>((v) => typeof v === 'function'),
    ],
    { error: 'expected a list of scopes or a function (input) => scopes' },
  ),
  ttl: z.custom<Duration>((v) => parseDuration(v) !== undefined, DURATION_EXPECTED).optional(),
});

/** Validates needs when a tool is wrapped, so a typo fails at startup rather than at the first call. */
export function normalizeNeeds<Input>(spec: ToolNeedsSpec<Input>, where: string): ToolNeeds<Input>[] {
  // Validated once per needs object: a tool passes the same object on every call, and parsing it again each time
  // was a measurable share of a guarded call. The frozen copy is what the guard uses, so a later change to the
  // caller's object cannot slip past validation.
  const cached = validated.get(spec);
  if (cached) return cached as ToolNeeds<Input>[];
  const list = (Array.isArray(spec) ? spec : [spec]) as ToolNeeds<Input>[];
  const issues: string[] = [];
  list.forEach((needs, index) => {
    const result = needsSchema.safeParse(needs);
    if (!result.success) {
      issues.push(...formatIssues(result.error, list.length > 1 ? `[${index}]` : ''));
    } else if (Array.isArray(needs.scopes)) {
      for (const scope of needs.scopes as readonly string[]) {
        if (!isValidRequestedScope(scope)) {
          issues.push(`scopes: "${scope}" must be a literal scope; wildcards belong in grants`);
        }
      }
    }
  });
  if (issues.length > 0) throw new InvalidConfigError(issues, where);
  const copy = Object.freeze(
    list.map((n) =>
      Object.freeze({
        ...n,
        scopes: typeof n.scopes === 'function' ? n.scopes : Object.freeze([...n.scopes]),
      }),
    ),
  ) as ToolNeeds<Input>[];
  validated.set(spec, copy as ToolNeeds[]);
  return copy;
}

const validated = new WeakMap<object, readonly ToolNeeds[]>();

export type ScopeResolution = { ok: true; scopes: string[] } | { ok: false; reason: string };

/** Runs the scope function on the input. Anything odd (throw, non-array, non-string, wildcard) is a denial. */
export function resolveScopes<Input>(needs: ToolNeeds<Input>, input: Input): ScopeResolution {
  let scopes: unknown;
  try {
    scopes = typeof needs.scopes === 'function' ? needs.scopes(input) : needs.scopes;
  } catch {
    return { ok: false, reason: 'the tool input did not produce valid scopes' };
  }
  if (!Array.isArray(scopes) || scopes.length === 0) {
    return { ok: false, reason: 'the tool input did not produce valid scopes' };
  }
  const out: string[] = [];
  for (const scope of scopes as unknown[]) {
    if (typeof scope !== 'string' || !isValidRequestedScope(scope)) {
      return { ok: false, reason: 'the tool input produced an invalid scope' };
    }
    out.push(scope);
  }
  return { ok: true, scopes: [...new Set(out)] };
}
