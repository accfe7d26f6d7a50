import { z } from 'zod';
import { InvalidConfigError, type Injection } from './core.js';
import type { VaultBrokerEvent } from './events.js';

/** Configuration of `vaultBroker`, validated with zod so every problem is named by its path. */

const name = z.string().trim().min(1, 'expected a non-empty string');
const policies = z.array(name).min(1, 'expected at least one Vault policy name');

const injection = z.discriminatedUnion('type', [
  z.object({ type: z.literal('bearer') }).strict(),
  // For dynamic credentials the username may come from the issued credential (see `usernameField`).
  z.object({ type: z.literal('basic'), username: name.optional() }).strict(),
  z.object({ type: z.literal('header'), name, prefix: z.string().optional() }).strict(),
  z.object({ type: z.literal('query'), param: name }).strict(),
]);

const kv = z
  .object({
    /** KV v2 mount (default `secret`). */
    mount: name.default('secret'),
    /** Secret path below the mount, e.g. `agents/github` (read as `<mount>/data/<path>`). */
    path: name.refine(
      (p) => !p.startsWith('/') && !p.endsWith('/'),
      'expected a path without leading or trailing "/"',
    ),
    /** Which key of the secret's data is the credential value. */
    field: name,
    /** Read a pinned version instead of the latest. */
    version: z.number().int().positive().optional(),
    /** Policies of the per-call child token; must grant `read` on `<mount>/data/<path>`. */
    policies,
  })
  .strict();

const dynamic = z
  .object({
    /** Path that issues leased credentials on read, e.g. `database/creds/readonly`. */
    path: name.refine(
      (p) => !p.startsWith('/') && !p.endsWith('/'),
      'expected a path without leading or trailing "/"',
    ),
    /** Field of the issued credential that is the lease value (default `password`). */
    valueField: name.default('password'),
    /** Field holding the username, used for `inject: { type: 'basic' }` (default `username`). */
    usernameField: name.default('username'),
    /** Further fields that are secret and must be redacted (e.g. `secret_key`, `session_token`). */
    secretFields: z.array(name).default([]),
    /** Policies of the per-call child token; must grant `read` on `path`. */
    policies,
  })
  .strict();

const credential = z
  .object({
    kv: kv.optional(),
    dynamic: dynamic.optional(),
    inject: injection.optional(),
    /** Token role for this credential's child tokens (default: the broker's `tokenRole`). */
    tokenRole: name.optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if ((c.kv === undefined) === (c.dynamic === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'expected exactly one of "kv" or "dynamic"' });
    }
  });

const auth = z
  .object({
    token: name.optional(),
    appRole: z
      .object({ roleId: name, secretId: name, mount: name.default('approle') })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    if ((a.token === undefined) === (a.appRole === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'expected exactly one of "token" or "appRole"' });
    }
  });

const positiveMs = z.number().int().positive();

export const configSchema = z
  .object({
    endpoint: z.url({
      protocol: /^https?$/,
      error: 'expected an http(s) URL such as "https://vault.example.com:8200"',
    }),
    auth,
    credentials: z
      .record(name, credential)
      .refine((c) => Object.keys(c).length > 0, 'expected at least one credential'),
    /** Token role used to mint per-call child tokens (default `agent-lease`). */
    tokenRole: name.default('agent-lease'),
    /** Vault Enterprise / OpenBao namespace. */
    namespace: name.optional(),
    /** Timeout of every single HTTP request to Vault (default 5000 ms). */
    requestTimeoutMs: positiveMs.default(5000),
    retry: z
      .object({
        /** Attempts per request, first one included (default 3). */
        maxAttempts: z.number().int().min(1).max(10).default(3),
        baseDelayMs: positiveMs.default(100),
        maxDelayMs: positiveMs.default(2000),
        /** A Retry-After longer than this fails the call instead of waiting (default 5000 ms). */
        maxRetryAfterMs: positiveMs.default(5000),
      })
      .strict()
      .default({ maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 2000, maxRetryAfterMs: 5000 }),
    circuitBreaker: z
      .object({
        /** Consecutive failed calls (after retries) that open the circuit (default 3). */
        failureThreshold: z.number().int().min(1).default(3),
        /** How long calls fail fast before one probe is let through (default 5000 ms). */
        cooldownMs: positiveMs.default(5000),
      })
      .strict()
      .default({ failureThreshold: 3, cooldownMs: 5000 }),
    /**
     * Per-call tokens are children of a parent token the broker creates and revokes at close, so that none outlives
     * `close()`, not even one whose create response was lost (default `{ ttlMs: 3_600_000 }`, renewed while the
     * broker runs). Needs `update` on `auth/token/create`. `false` mints them from the broker's own token instead.
     */
    parentToken: z
      .union([
        z.literal(false),
        z.object({ ttlMs: z.number().int().min(60_000).default(3_600_000) }).strict(),
      ])
      .default({ ttlMs: 3_600_000 }),
    /** Renew the AppRole login token and the parent token after this fraction of their TTL (default 0.5). */
    renewFraction: z.number().gt(0).lt(1).default(0.5),
    /** Wait for the revocation in `revoke()` instead of running it in the background (default false). */
    awaitRevocation: z.boolean().default(false),
    /** Receives operational events. Events never carry tokens or secret values. */
    onEvent: z
      .custom<(event: VaultBrokerEvent) => void>((v) => typeof v === 'function', 'expected a function')
      .optional(),
  })
  .strict();

export type VaultBrokerConfig = z.output<typeof configSchema>;
export type VaultCredentialConfig = VaultBrokerConfig['credentials'][string];

/** Public input type. `inject` is the core's Injection, except that `basic` may omit the username for dynamic creds. */
export type VaultBrokerOptions = z.input<typeof configSchema>;
export type VaultInjection = Injection | { type: 'basic'; username?: string };

function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path
      .map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
      .join('.')
      .replace(/\.\[/g, '[');
    const where = path === '' ? '(root)' : path;
    if (issue.code === 'unrecognized_keys')
      return `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    return `${where}: ${issue.message}`;
  });
}

export function parseConfig(options: unknown): VaultBrokerConfig {
  const result = configSchema.safeParse(options);
  if (!result.success) throw new InvalidConfigError(formatIssues(result.error), 'vaultBroker config');
  return result.data;
}
