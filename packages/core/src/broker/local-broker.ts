import { z } from 'zod';
import { InvalidConfigError } from '../errors.js';
import { formatIssues } from '../zod-issues.js';
import { createTokenMinter, type TokenVerifier } from './token-minter.js';
import type { Broker, BrokerLease, Injection, LeaseRequest } from './types.js';

export type LocalCredential =
  /** A static value, copied at construction. */
  | { value: string; inject?: Injection }
  /** Read once from `process.env[env]` at construction and, unless `keepInEnv`, deleted from it. */
  | { env: string; keepInEnv?: boolean; inject?: Injection }
  /** A fresh signed token per lease (`sub` agent, `scope`, `exp`, `jti` = lease id), checked by `broker.verifier`. */
  | { mint: true | { audience?: string }; inject?: Injection };

export interface LocalBrokerOptions {
  credentials: Record<string, LocalCredential>;
  /** Issuer of minted tokens (default `agent-lease`). */
  issuer?: string;
}

export interface LocalBroker extends Broker {
  /** Verifies minted lease tokens, rejecting expired ones and those of revoked leases. */
  readonly verifier: TokenVerifier;
  /** Names of the configured credentials (never their values). */
  readonly credentialNames: readonly string[];
}

const MIN_SECRET_LENGTH = 8;

const injection = z.union(
  [
    z.strictObject({ type: z.literal('bearer') }),
    z.strictObject({ type: z.literal('basic'), username: z.string().min(1) }),
    z.strictObject({
      type: z.literal('header'),
      name: z.string().regex(/^[A-Za-z0-9-]+$/),
      prefix: z.string().optional(),
    }),
    z.strictObject({ type: z.literal('query'), param: z.string().min(1) }),
  ],
  {
    error:
      'expected { type: "bearer" }, { type: "basic", username }, { type: "header", name, prefix? } or { type: "query", param }',
  },
);
const secretValue = z
  .string({ error: 'expected the secret as a string' })
  .min(
    MIN_SECRET_LENGTH,
    `expected at least ${MIN_SECRET_LENGTH} characters (shorter values cannot be redacted safely)`,
  );
const credentialSchemas = {
  value: z.strictObject({ value: secretValue, inject: injection.optional() }),
  env: z.strictObject({
    env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name'),
    keepInEnv: z.boolean({ error: 'expected true or false' }).optional(),
    inject: injection.optional(),
  }),
  mint: z.strictObject({
    mint: z.union([z.literal(true), z.strictObject({ audience: z.string().min(1).optional() })], {
      error: 'expected true or { audience }',
    }),
    inject: injection.optional(),
  }),
};
const credentialName = /^[A-Za-z0-9_.-]{1,64}$/;

/** Picks the credential's kind by its key, then validates it, so errors name the exact field. */
function validateOptions(config: unknown): string[] {
  if (typeof config !== 'object' || config === null) return ['(root): expected { credentials: { ... } }'];
  const { credentials, issuer, ...rest } = config as Record<string, unknown>;
  const issues = Object.keys(rest).map((k) => `(root): unknown key "${k}"`);
  if (issuer !== undefined && (typeof issuer !== 'string' || issuer === ''))
    issues.push('issuer: expected a non-empty string');
  if (typeof credentials !== 'object' || credentials === null || Array.isArray(credentials)) {
    return [
      ...issues,
      'credentials: expected an object mapping credential names to { value } | { env } | { mint: true }',
    ];
  }
  for (const [name, c] of Object.entries(credentials)) {
    if (!credentialName.test(name))
      issues.push(`credentials.${name}: expected a credential name of 1-64 letters, digits or _.-`);
    const kind =
      typeof c === 'object' && c !== null
        ? (['value', 'env', 'mint'] as const).find((k) => k in c)
        : undefined;
    if (!kind) {
      issues.push(`credentials.${name}: expected { value }, { env } or { mint: true }`);
      continue;
    }
    const result = credentialSchemas[kind].safeParse(c);
    if (!result.success) issues.push(...formatIssues(result.error, `credentials.${name}`));
  }
  return issues;
}

/**
 * @internal The guard's synchronous path through a `localBroker`: a static value is handed out and revoked without
 * a promise (an awaited promise per acquire and revoke was a measurable share of a guarded call).
 */
export interface LocalFastPath {
  /** The lease, or undefined when it needs the asynchronous `acquire` (minted tokens, unknown credentials). */
  acquireNow(request: LeaseRequest): BrokerLease | undefined;
  revokeNow(request: LeaseRequest): void;
}

interface FastPathEntry extends LocalFastPath {
  acquire: Broker['acquire'];
  revoke: Broker['revoke'];
}
const fastPaths = new WeakMap<Broker, FastPathEntry>();

/**
 * @internal The fast path of a broker made by `localBroker`, as it was made. A copy (`{ ...broker }`) or a broker
 * whose `acquire` or `revoke` was replaced gets none: the replacement must be called.
 */
export function localFastPath(broker: Broker): LocalFastPath | undefined {
  const entry = fastPaths.get(broker);
  return entry && entry.acquire === broker.acquire && entry.revoke === broker.revoke ? entry : undefined;
}

type Source =
  | { kind: 'static'; value: string; inject: Injection }
  | { kind: 'mint'; audience: string; inject: Injection };

/**
 * The embedded broker: credentials held in memory, read once at construction, never from `process.env` at call
 * time. Static values are handed out per lease; `mint` credentials get a fresh, scoped, expiring token per lease.
 */
export function localBroker(config: LocalBrokerOptions): LocalBroker {
  const issues = validateOptions(config);
  const sources = new Map<string, Source>();
  if (issues.length === 0) {
    for (const [name, c] of Object.entries(config.credentials)) {
      const inject = c.inject ?? { type: 'bearer' };
      if ('value' in c) sources.set(name, { kind: 'static', value: c.value, inject });
      else if ('env' in c) {
        const value = process.env[c.env];
        if (value === undefined || value.length < MIN_SECRET_LENGTH) {
          issues.push(
            `credentials.${name}.env: expected ${c.env} to be set to a secret of at least ${MIN_SECRET_LENGTH} characters`,
          );
          continue;
        }
        sources.set(name, { kind: 'static', value, inject });
      } else {
        const audience = c.mint === true ? undefined : c.mint.audience;
        sources.set(name, { kind: 'mint', audience: audience ?? `agent-lease:${name}`, inject });
      }
    }
  }
  if (issues.length > 0) throw new InvalidConfigError(issues, 'localBroker options');
  // Remove env secrets only once every credential validated, so a failed construction changes nothing.
  for (const [name, c] of Object.entries(config.credentials)) {
    if ('env' in c && !c.keepInEnv && sources.has(name)) Reflect.deleteProperty(process.env, c.env);
  }

  const minter = createTokenMinter({ issuer: config.issuer ?? 'agent-lease' });
  const minted = new Map<string, number>();

  const staticLease = (request: LeaseRequest): BrokerLease | undefined => {
    const source = sources.get(request.credential);
    if (source?.kind !== 'static') return undefined;
    return {
      value: source.value,
      expiresAt: Date.now() + request.ttlMs,
      renewable: true,
      inject: source.inject,
    };
  };
  const revokeNow = (request: LeaseRequest): void => {
    const exp = minted.get(request.leaseId);
    if (exp !== undefined) {
      minted.delete(request.leaseId);
      minter.markRevoked(request.leaseId, exp);
    }
  };

  const broker: LocalBroker = {
    kind: 'local',
    verifier: minter.verifier,
    credentialNames: [...sources.keys()],
    async acquire(request): Promise<BrokerLease> {
      const fixed = staticLease(request);
      if (fixed) return fixed;
      const source = sources.get(request.credential);
      if (source?.kind !== 'mint') throw new Error(`unknown credential ${request.credential}`);
      const expiresAt = Date.now() + request.ttlMs;
      const value = await minter.mint(request, expiresAt, source.audience);
      minted.set(request.leaseId, Math.ceil(expiresAt / 1000));
      return { value, expiresAt, renewable: false, inject: source.inject };
    },
    renew(_lease, _request, ttlMs) {
      return Promise.resolve({ expiresAt: Date.now() + ttlMs });
    },
    revoke(_lease, request) {
      revokeNow(request);
      return Promise.resolve();
    },
  };
  // The methods are kept only to compare identity with the broker's later, never called from here.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const { acquire, revoke } = broker;
  fastPaths.set(broker, { acquire, revoke, acquireNow: staticLease, revokeNow });
  return broker;
}
