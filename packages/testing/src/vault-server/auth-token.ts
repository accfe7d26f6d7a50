import { DurationError, formatDuration, parseDuration } from './durations.js';
import {
  badRequest,
  bool,
  int,
  notFound,
  str,
  strList,
  type Reply,
  type Route,
  type RouteContext,
} from './routes.js';
import { SYSTEM_MAX_TTL, type TokenEntry, type TokenRole, type VaultState } from './state.js';

/** The token auth method: create (plain, orphan, role), lookup, renew, revoke, roles. */

export function duration(body: Record<string, unknown>, key: string): number | undefined {
  try {
    return parseDuration(body[key]);
  } catch (error) {
    if (error instanceof DurationError) throw badRequest(`${key}: ${error.message}`);
    throw error;
  }
}

function globMatch(glob: string, value: string): boolean {
  const re = new RegExp(
    `^${glob
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(value);
}

function remainingSeconds(state: VaultState, t: TokenEntry): number {
  return t.expireAt === undefined ? 0 : Math.max(0, Math.ceil((t.expireAt - state.now()) / 1000));
}

export function tokenLookupData(state: VaultState, t: TokenEntry, showId: boolean): Record<string, unknown> {
  const iso = (ms: number | undefined): string | null =>
    ms === undefined ? null : new Date(ms).toISOString();
  return {
    accessor: t.accessor,
    creation_time: Math.floor(t.issueTime / 1000),
    creation_ttl: t.creationTtl,
    display_name: t.displayName,
    entity_id: '',
    expire_time: iso(t.expireAt),
    explicit_max_ttl: t.explicitMaxTtl,
    id: showId ? t.id : '',
    issue_time: iso(t.issueTime),
    meta: t.meta,
    num_uses: t.numUses,
    orphan: t.orphan,
    path: t.path,
    policies: t.policies,
    renewable: t.renewable,
    ttl: remainingSeconds(state, t),
    type: 'service',
    ...(t.role !== undefined ? { role: t.role } : {}),
    ...(t.lastRenewal !== undefined
      ? { last_renewal: iso(t.lastRenewal), last_renewal_time: Math.floor(t.lastRenewal / 1000) }
      : {}),
  };
}

function readRole(ctx: RouteContext, name: string): TokenRole {
  const role = ctx.state.tokenRoles.get(name);
  if (!role) throw badRequest('unknown role');
  return role;
}

function createToken(kind: 'create' | 'orphan' | 'role') {
  return (ctx: RouteContext): Reply => {
    const { state, body } = ctx;
    const parent = ctx.token;
    if (!parent) throw badRequest('no token');
    const isRoot = parent.policies.includes('root');
    const sudo = isRoot || ctx.capabilities(ctx.path).has('sudo');
    if (parent.numUses > 0 || parent.exhausted)
      throw badRequest('restricted use token cannot generate child tokens');
    const role = kind === 'role' ? readRole(ctx, ctx.params[0] ?? '') : undefined;
    if (str(body, 'type') === 'batch' || role?.tokenType === 'batch')
      throw badRequest('batch tokens are not supported by this test server');
    const noParent = bool(body, 'no_parent') ?? false;
    if (noParent && kind === 'create' && !sudo)
      throw badRequest('root or sudo privileges required to create orphan token');
    const id = str(body, 'id');
    if (id !== undefined && !sudo) throw badRequest('root or sudo privileges required to specify token id');
    if (id !== undefined && state.tokens.has(id))
      throw badRequest('cannot create a token with a duplicate ID');
    const orphan = kind === 'orphan' || (kind === 'role' ? (role?.orphan ?? false) : noParent);

    const requested = strList(body, 'policies');
    const noDefault = (bool(body, 'no_default_policy') ?? false) || (role?.tokenNoDefaultPolicy ?? false);
    const parentPolicies = parent.policies.filter((p) => p !== 'default');
    let policies: string[];
    const sorted = (list: string[]): string => JSON.stringify([...new Set(list)].sort());
    if (role && (role.allowedPolicies.length > 0 || role.allowedPoliciesGlob.length > 0)) {
      policies = requested ?? role.allowedPolicies;
      const allowed = (p: string): boolean =>
        p === 'default' ||
        role.allowedPolicies.includes(p) ||
        role.allowedPoliciesGlob.some((g) => globMatch(g, p));
      if (!policies.every(allowed)) {
        throw badRequest(
          `token policies (${sorted(policies)}) must be subset of the role's allowed policies (${sorted(role.allowedPolicies)})`,
        );
      }
    } else {
      policies = requested ?? parentPolicies;
      if (!isRoot && !sudo && !policies.every((p) => p === 'default' || parentPolicies.includes(p))) {
        throw badRequest('child policies must be subset of parent');
      }
    }
    if (role) {
      for (const p of policies) {
        if (role.disallowedPolicies.includes(p) || role.disallowedPoliciesGlob.some((g) => globMatch(g, p))) {
          throw badRequest(`token policy ${JSON.stringify(p)} is disallowed by this role`);
        }
      }
    }
    if (policies.includes('root') && !isRoot)
      throw badRequest('root tokens may not be created from a non-root token');
    if (!noDefault && !policies.includes('root')) policies = [...policies, 'default'];
    policies = [...new Set(policies)].sort();
    const warnings = policies
      .filter((p) => p !== 'root' && p !== 'default' && !state.policies.has(p))
      .sort()
      .map((p) => `Policy ${JSON.stringify(p)} does not exist`);

    const numUses = int(body, 'num_uses') ?? 0;
    if (numUses < 0) throw badRequest('number of uses cannot be negative');
    const effectiveUses =
      role && role.tokenNumUses > 0 && (numUses === 0 || role.tokenNumUses < numUses)
        ? role.tokenNumUses
        : numUses;
    let explicitMax = duration(body, 'explicit_max_ttl') ?? 0;
    if (role && role.tokenExplicitMaxTtl > 0) {
      explicitMax =
        explicitMax === 0 ? role.tokenExplicitMaxTtl : Math.min(explicitMax, role.tokenExplicitMaxTtl);
    }
    const now = state.now();
    const rootChild = policies.includes('root') && (duration(body, 'ttl') ?? 0) === 0;
    let ttl = duration(body, 'ttl') ?? 0;
    if (ttl === 0) ttl = SYSTEM_MAX_TTL;
    const maxTtl = explicitMax > 0 ? Math.min(explicitMax, SYSTEM_MAX_TTL) : SYSTEM_MAX_TTL;
    if (ttl > maxTtl) {
      warnings.push(
        `TTL of ${JSON.stringify(formatDuration(ttl))} exceeded the effective max_ttl of ${JSON.stringify(formatDuration(maxTtl))}; TTL value is capped accordingly`,
      );
      ttl = maxTtl;
    }
    const meta = body.meta;
    if (meta !== undefined && meta !== null) {
      if (
        typeof meta !== 'object' ||
        Array.isArray(meta) ||
        !Object.values(meta).every((v) => typeof v === 'string')
      ) {
        throw badRequest('meta: expected a map of strings');
      }
    }
    const display = (str(body, 'display_name') ?? '').toLowerCase().replace(/[^a-z0-9-]/g, '-');
    const entry = state.createToken({
      ...(id !== undefined ? { id } : {}),
      policies,
      parent: orphan ? undefined : parent.id,
      meta: (meta as Record<string, string> | undefined) ?? null,
      displayName: display === '' ? 'token' : `token-${display}`,
      numUses: effectiveUses,
      renewable: (bool(body, 'renewable') ?? true) && (role?.renewable ?? true),
      creationTtl: rootChild ? 0 : ttl,
      explicitMaxTtl: explicitMax,
      period: 0,
      issueTime: now,
      expireAt: rootChild ? undefined : now + ttl * 1000,
      maxExpireAt: rootChild ? undefined : now + maxTtl * 1000,
      path:
        kind === 'orphan'
          ? 'auth/token/create-orphan'
          : role
            ? `auth/token/create/${role.name}${role.pathSuffix ? `/${role.pathSuffix}` : ''}`
            : 'auth/token/create',
      orphan,
      role: role?.name,
    });
    return { auth: entry, warnings };
  };
}

export function renewToken(state: VaultState, t: TokenEntry, incrementSeconds: number | undefined): Reply {
  if (!t.renewable) throw badRequest('lease is not renewable');
  const now = state.now();
  if (t.expireAt === undefined) return { auth: t };
  if (t.maxExpireAt !== undefined && t.maxExpireAt <= now) throw badRequest('past the max TTL, cannot renew');
  const increment = incrementSeconds !== undefined && incrementSeconds > 0 ? incrementSeconds : t.creationTtl;
  let expireAt = now + increment * 1000;
  const warnings: string[] = [];
  if (t.maxExpireAt !== undefined && expireAt > t.maxExpireAt) {
    expireAt = t.maxExpireAt;
    warnings.push(
      `TTL of ${JSON.stringify(formatDuration(increment))} exceeded the effective max_ttl; TTL value is capped accordingly`,
    );
  }
  t.expireAt = expireAt;
  t.lastRenewal = now;
  return { auth: t, warnings };
}

function self(ctx: RouteContext): TokenEntry {
  if (!ctx.token) throw badRequest('no token');
  return ctx.token;
}

function byAccessor(ctx: RouteContext): TokenEntry {
  const accessor = str(ctx.body, 'accessor');
  if (accessor === undefined) throw badRequest('missing accessor');
  ctx.state.sweep();
  const id = ctx.state.accessors.get(accessor);
  const t = id === undefined ? undefined : ctx.state.tokens.get(id);
  if (!t) throw badRequest('invalid accessor');
  return t;
}

function byToken(ctx: RouteContext): TokenEntry | undefined {
  const token = str(ctx.body, 'token');
  if (token === undefined) throw badRequest('missing token');
  return ctx.state.lookupToken(token);
}

function roleData(role: TokenRole): Record<string, unknown> {
  return {
    allowed_policies: role.allowedPolicies,
    allowed_policies_glob: role.allowedPoliciesGlob,
    disallowed_policies: role.disallowedPolicies,
    disallowed_policies_glob: role.disallowedPoliciesGlob,
    explicit_max_ttl: role.tokenExplicitMaxTtl,
    name: role.name,
    orphan: role.orphan,
    path_suffix: role.pathSuffix,
    renewable: role.renewable,
    token_explicit_max_ttl: role.tokenExplicitMaxTtl,
    token_no_default_policy: role.tokenNoDefaultPolicy,
    token_num_uses: role.tokenNumUses,
    token_period: role.tokenPeriod,
    token_type: role.tokenType === 'default-service' ? 'default-service' : role.tokenType,
  };
}

export const tokenRoutes: Route[] = [
  { pattern: /^auth\/token\/create$/, ops: ['WRITE'], handler: createToken('create') },
  { pattern: /^auth\/token\/create-orphan$/, ops: ['WRITE'], handler: createToken('orphan') },
  { pattern: /^auth\/token\/create\/([^/]+)$/, ops: ['WRITE'], handler: createToken('role') },
  {
    pattern: /^auth\/token\/lookup-self$/,
    ops: ['GET', 'WRITE'],
    handler: (ctx) => ({ data: tokenLookupData(ctx.state, self(ctx), true) }),
  },
  {
    pattern: /^auth\/token\/lookup$/,
    ops: ['WRITE', 'GET'],
    handler: (ctx) => {
      const t = byToken(ctx);
      if (!t) throw badRequest('bad token');
      return { data: tokenLookupData(ctx.state, t, true) };
    },
  },
  {
    // Vault: "This requires sudo capability, and access to it should be tightly controlled".
    pattern: /^auth\/token\/accessors\/?$/,
    ops: ['LIST'],
    sudo: true,
    handler: (ctx) => {
      ctx.state.sweep();
      return { data: { keys: [...ctx.state.tokens.values()].map((t) => t.accessor) } };
    },
  },
  {
    pattern: /^auth\/token\/lookup-accessor$/,
    ops: ['WRITE'],
    handler: (ctx) => ({ data: tokenLookupData(ctx.state, byAccessor(ctx), false) }),
  },
  {
    pattern: /^auth\/token\/renew-self$/,
    ops: ['WRITE'],
    handler: (ctx) => renewToken(ctx.state, self(ctx), duration(ctx.body, 'increment')),
  },
  {
    pattern: /^auth\/token\/renew$/,
    ops: ['WRITE'],
    handler: (ctx) => {
      const t = byToken(ctx);
      if (!t) throw badRequest('invalid token');
      return renewToken(ctx.state, t, duration(ctx.body, 'increment'));
    },
  },
  {
    pattern: /^auth\/token\/renew-accessor$/,
    ops: ['WRITE'],
    handler: (ctx) => {
      const reply = renewToken(ctx.state, byAccessor(ctx), duration(ctx.body, 'increment'));
      return reply;
    },
  },
  {
    pattern: /^auth\/token\/revoke-self$/,
    ops: ['WRITE'],
    handler: (ctx) => {
      ctx.state.revokeToken(self(ctx).id, 'explicit');
      return { empty: true };
    },
  },
  {
    pattern: /^auth\/token\/revoke$/,
    ops: ['WRITE'],
    handler: (ctx) => {
      const t = byToken(ctx);
      if (t) ctx.state.revokeToken(t.id, 'explicit');
      return { empty: true };
    },
  },
  {
    pattern: /^auth\/token\/revoke-accessor$/,
    ops: ['WRITE'],
    handler: (ctx) => {
      ctx.state.revokeToken(byAccessor(ctx).id, 'explicit');
      return { empty: true };
    },
  },
  {
    pattern: /^auth\/token\/revoke-orphan$/,
    ops: ['WRITE'],
    sudo: true,
    handler: (ctx) => {
      const t = byToken(ctx);
      if (t) ctx.state.revokeToken(t.id, 'explicit', true);
      return { empty: true };
    },
  },
  {
    pattern: /^auth\/token\/roles\/?$/,
    ops: ['LIST'],
    handler: (ctx) => {
      const keys = [...ctx.state.tokenRoles.keys()].sort();
      if (keys.length === 0) throw notFound();
      return { data: { keys } };
    },
  },
  {
    pattern: /^auth\/token\/roles\/([^/]+)$/,
    ops: ['GET', 'WRITE', 'DELETE'],
    exists: (ctx) => ctx.state.tokenRoles.has(ctx.params[0] ?? ''),
    handler: (ctx) => {
      const name = ctx.params[0] ?? '';
      const existing = ctx.state.tokenRoles.get(name);
      if (ctx.op === 'GET') {
        if (!existing) throw notFound();
        return { data: roleData(existing) };
      }
      if (ctx.op === 'DELETE') {
        ctx.state.tokenRoles.delete(name);
        return { empty: true };
      }
      const b = ctx.body;
      const role: TokenRole = {
        name,
        allowedPolicies: strList(b, 'allowed_policies') ?? existing?.allowedPolicies ?? [],
        disallowedPolicies: strList(b, 'disallowed_policies') ?? existing?.disallowedPolicies ?? [],
        allowedPoliciesGlob: strList(b, 'allowed_policies_glob') ?? existing?.allowedPoliciesGlob ?? [],
        disallowedPoliciesGlob:
          strList(b, 'disallowed_policies_glob') ?? existing?.disallowedPoliciesGlob ?? [],
        orphan: bool(b, 'orphan') ?? existing?.orphan ?? false,
        renewable: bool(b, 'renewable') ?? existing?.renewable ?? true,
        pathSuffix: str(b, 'path_suffix') ?? existing?.pathSuffix ?? '',
        tokenExplicitMaxTtl:
          duration(b, 'token_explicit_max_ttl') ??
          duration(b, 'explicit_max_ttl') ??
          existing?.tokenExplicitMaxTtl ??
          0,
        tokenNumUses: int(b, 'token_num_uses') ?? existing?.tokenNumUses ?? 0,
        tokenPeriod: duration(b, 'token_period') ?? existing?.tokenPeriod ?? 0,
        tokenNoDefaultPolicy: bool(b, 'token_no_default_policy') ?? existing?.tokenNoDefaultPolicy ?? false,
        tokenType: str(b, 'token_type') ?? existing?.tokenType ?? 'default-service',
      };
      ctx.state.tokenRoles.set(name, role);
      return { empty: true };
    },
  },
];
