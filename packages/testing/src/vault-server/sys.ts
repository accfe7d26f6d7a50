import { duration } from './auth-token.js';
import { PolicyParseError, parsePolicy } from './policy.js';
import { badRequest, bool, notFound, str, type Reply, type Route, type RouteContext } from './routes.js';
import type { LeaseEntry } from './state.js';

/** sys/*: health, seal, ACL policies, capabilities, leases, response wrapping. */

export const VAULT_VERSION = '1.16.0';

function healthReply(ctx: RouteContext): Reply {
  const sealed = ctx.state.sealed;
  const code = (key: string, fallback: number): number => {
    const v = ctx.query.get(key);
    return v !== null && /^\d+$/.test(v) ? Number(v) : fallback;
  };
  const body: Record<string, unknown> = {
    initialized: true,
    sealed,
    standby: false,
    performance_standby: false,
    replication_performance_mode: 'disabled',
    replication_dr_mode: 'disabled',
    server_time_utc: Math.floor(ctx.state.now() / 1000),
    version: VAULT_VERSION,
    enterprise: false,
    echo_duration_ms: 0,
    clock_skew_ms: 0,
    ...(sealed
      ? {}
      : {
          cluster_name: 'vault-cluster-agent-lease-test',
          cluster_id: '00000000-0000-4000-8000-000000000001',
        }),
  };
  return { raw: body, status: sealed ? code('sealedcode', 503) : code('activecode', 200) };
}

function leaseData(ctx: RouteContext, lease: LeaseEntry): Record<string, unknown> {
  const iso = (ms: number | undefined): string | null =>
    ms === undefined ? null : new Date(ms).toISOString();
  return {
    id: lease.id,
    issue_time: iso(lease.issueTime),
    expire_time: iso(lease.expireAt),
    last_renewal: iso(lease.lastRenewal),
    renewable: lease.renewable,
    ttl: Math.max(0, Math.ceil((lease.expireAt - ctx.state.now()) / 1000)),
  };
}

function leaseIdFrom(ctx: RouteContext, urlPart: string | undefined): string {
  const id = str(ctx.body, 'lease_id') ?? (urlPart !== undefined && urlPart !== '' ? urlPart : undefined);
  if (id === undefined) throw badRequest('lease_id must be specified');
  return id;
}

function renewLease(ctx: RouteContext, urlPart: string | undefined): Reply {
  const id = leaseIdFrom(ctx, urlPart);
  if (id.startsWith('auth/')) throw badRequest('tokens cannot be renewed through this endpoint');
  ctx.state.sweep();
  const lease = ctx.state.leases.get(id);
  if (!lease) throw badRequest('lease not found');
  if (!lease.renewable) throw badRequest('lease is not renewable');
  const now = ctx.state.now();
  const increment = duration(ctx.body, 'increment') ?? lease.ttl;
  const warnings: string[] = [];
  let expireAt = now + (increment > 0 ? increment : lease.ttl) * 1000;
  if (expireAt > lease.maxExpireAt) {
    expireAt = lease.maxExpireAt;
    warnings.push('TTL exceeded the effective max_ttl; TTL value is capped accordingly');
  }
  lease.expireAt = expireAt;
  lease.lastRenewal = now;
  return {
    raw: {
      request_id: '',
      lease_id: lease.id,
      renewable: true,
      lease_duration: Math.ceil((expireAt - now) / 1000),
      data: null,
      wrap_info: null,
      warnings: warnings.length > 0 ? warnings : null,
      auth: null,
    },
  };
}

function revokeLease(ctx: RouteContext, urlPart: string | undefined): Reply {
  const id = leaseIdFrom(ctx, urlPart);
  ctx.state.revokeLease(id, 'explicit');
  // sync defaults to true in Vault's code; sync=false answers 202.
  return bool(ctx.body, 'sync') === false ? { status: 202, raw: null } : { empty: true };
}

function revokePrefix(ctx: RouteContext): Reply {
  const prefix = ctx.params[0] ?? '';
  if (prefix === '') throw badRequest('prefix is required');
  const { state } = ctx;
  state.sweep();
  for (const id of [...state.leases.keys()]) if (id.startsWith(prefix)) state.revokeLease(id, 'prefix');
  for (const t of [...state.tokens.values()])
    if (t.path.startsWith(prefix) && state.tokens.has(t.id)) state.revokeToken(t.id, 'prefix');
  return { empty: true };
}

function writePolicy(ctx: RouteContext, name: string): Reply {
  if (name === 'root') throw badRequest('cannot update "root" policy');
  let text = str(ctx.body, 'policy') ?? str(ctx.body, 'rules');
  if (text === undefined) throw badRequest("'policy' parameter not supplied or empty");
  // Vault accepts a base64-encoded policy as well.
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(text.trim()) && text.trim().length % 4 === 0) {
    text = Buffer.from(text.trim(), 'base64').toString('utf8');
  }
  try {
    ctx.state.policies.set(name.toLowerCase(), { text, rules: parsePolicy(text) });
  } catch (error) {
    if (error instanceof PolicyParseError) throw badRequest(error.message);
    throw error;
  }
  return { empty: true };
}

function policyRoute(legacy: boolean): Route['handler'] {
  return (ctx) => {
    const name = (ctx.params[0] ?? '').toLowerCase();
    if (ctx.op === 'WRITE') return writePolicy(ctx, name);
    if (ctx.op === 'DELETE') {
      if (name === 'default' || name === 'root') throw badRequest(`cannot delete "${name}" policy`);
      ctx.state.policies.delete(name);
      return { empty: true };
    }
    const policy = ctx.state.policies.get(name);
    if (!policy) throw notFound();
    return { data: legacy ? { name, rules: policy.text } : { name, policy: policy.text }, sys: true };
  };
}

function unwrap(ctx: RouteContext, wrappingToken: string | undefined): Reply {
  const bodyToken = str(ctx.body, 'token');
  const id = bodyToken ?? wrappingToken;
  ctx.state.sweep();
  const wrapped = id === undefined ? undefined : ctx.state.wrapped.get(id);
  if (id === undefined || !wrapped) throw badRequest('wrapping token is not valid or does not exist');
  ctx.state.wrapped.delete(id);
  return { raw: wrapped.body };
}

export function sysRoutes(wrappingTokenOf: (ctx: RouteContext) => string | undefined): Route[] {
  return [
    { pattern: /^sys\/health$/, ops: ['GET'], auth: 'none', handler: healthReply },
    {
      pattern: /^sys\/seal-status$/,
      ops: ['GET'],
      auth: 'none',
      handler: (ctx) => ({
        raw: {
          type: 'shamir',
          initialized: true,
          sealed: ctx.state.sealed,
          t: 1,
          n: 1,
          progress: 0,
          nonce: '',
          version: VAULT_VERSION,
          migration: false,
          recovery_seal: false,
          storage_type: 'inmem',
        },
      }),
    },
    {
      pattern: /^sys\/seal$/,
      ops: ['WRITE'],
      sudo: true,
      handler: (ctx) => {
        ctx.state.sealed = true;
        return { empty: true };
      },
    },
    {
      pattern: /^sys\/policies\/acl\/?$/,
      ops: ['LIST'],
      handler: (ctx) => ({ data: { keys: [...ctx.state.policies.keys(), 'root'].sort() }, sys: true }),
    },
    { pattern: /^sys\/policies\/acl\/(.+)$/, ops: ['GET', 'WRITE', 'DELETE'], handler: policyRoute(false) },
    {
      pattern: /^sys\/policy\/?$/,
      ops: ['GET', 'LIST'],
      handler: (ctx) => {
        const keys = [...ctx.state.policies.keys(), 'root'].sort();
        return { data: { keys, policies: keys }, sys: true };
      },
    },
    { pattern: /^sys\/policy\/(.+)$/, ops: ['GET', 'WRITE', 'DELETE'], handler: policyRoute(true) },
    {
      pattern: /^sys\/capabilities-self$/,
      ops: ['WRITE'],
      handler: (ctx) => {
        const paths = ctx.body.paths ?? (ctx.body.path === undefined ? undefined : [ctx.body.path]);
        if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string'))
          throw badRequest("'paths' must be specified");
        const data: Record<string, unknown> = {};
        for (const p of paths) {
          const caps = [...ctx.capabilities(p.replace(/^\//, ''))].sort();
          data[p] = caps.length === 0 ? ['deny'] : caps;
        }
        if (paths.length === 1) data.capabilities = data[paths[0] as string];
        return { data, sys: true };
      },
    },
    {
      pattern: /^sys\/leases\/lookup$/,
      ops: ['WRITE'],
      handler: (ctx) => {
        const id = leaseIdFrom(ctx, undefined);
        ctx.state.sweep();
        const lease = ctx.state.leases.get(id);
        if (!lease) throw badRequest('invalid lease');
        return { data: leaseData(ctx, lease), sys: true };
      },
    },
    {
      pattern: /^sys\/leases\/lookup\/(.*)$/,
      ops: ['LIST'],
      sudo: true,
      handler: (ctx) => {
        const prefix = (ctx.params[0] ?? '').replace(/\/?$/, '/');
        ctx.state.sweep();
        const keys = new Set<string>();
        for (const id of ctx.state.leases.keys()) {
          if (!id.startsWith(prefix)) continue;
          const rest = id.slice(prefix.length);
          const slash = rest.indexOf('/');
          keys.add(slash === -1 ? rest : rest.slice(0, slash + 1));
        }
        if (keys.size === 0) throw notFound();
        return { data: { keys: [...keys].sort() }, sys: true };
      },
    },
    {
      pattern: /^sys\/(?:leases\/)?renew(?:\/(.+))?$/,
      ops: ['WRITE'],
      handler: (ctx) => renewLease(ctx, ctx.params[0]),
    },
    {
      pattern: /^sys\/(?:leases\/)?revoke(?:\/(.+))?$/,
      ops: ['WRITE'],
      handler: (ctx) => revokeLease(ctx, ctx.params[0]),
    },
    { pattern: /^sys\/(?:leases\/)?revoke-prefix\/(.+)$/, ops: ['WRITE'], sudo: true, handler: revokePrefix },
    {
      pattern: /^sys\/wrapping\/unwrap$/,
      ops: ['WRITE'],
      auth: 'wrapping',
      handler: (ctx) => unwrap(ctx, wrappingTokenOf(ctx)),
    },
    {
      pattern: /^sys\/wrapping\/lookup$/,
      ops: ['WRITE'],
      // Unauthenticated in Vault, so a recipient can validate a wrapping token before unwrapping it.
      auth: 'none',
      handler: (ctx) => {
        const id = str(ctx.body, 'token') ?? wrappingTokenOf(ctx);
        ctx.state.sweep();
        const w = id === undefined ? undefined : ctx.state.wrapped.get(id);
        if (!w) throw badRequest('wrapping token is not valid or does not exist');
        return {
          data: {
            creation_path: w.creationPath,
            creation_time: new Date(w.creationTime).toISOString(),
            creation_ttl: w.ttl,
          },
          sys: true,
        };
      },
    },
    {
      pattern: /^sys\/wrapping\/wrap$/,
      ops: ['WRITE'],
      // The pipeline wraps the reply; without X-Vault-Wrap-TTL Vault refuses.
      handler: (ctx) => ({ data: ctx.body, sys: true }),
    },
  ];
}
