import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import { z } from 'zod';
import type { AuditSink } from './audit/types.js';
import type { Broker } from './broker/types.js';
import { DURATION_EXPECTED, parseDuration, type Duration } from './duration.js';
import { InvalidConfigError } from './errors.js';
import { isValidHostPattern } from './hosts.js';
import type { MonitorStore } from './monitor/store.js';
import type { RedactorOptions, SecretRule } from './redaction/types.js';
import { isValidScopePattern } from './scopes.js';
import { formatIssues } from './zod-issues.js';

export interface GrantConfig {
  /** Scope patterns the agent may lease, e.g. `issues:*`, `repo:acme/*:read`. */
  scopes: readonly string[];
  /** Longest lease the agent may hold for this credential. */
  maxTtl: Duration;
  /** Hosts `lease.fetch` may send the credential to: `api.github.com`, `*.example.com`, `127.0.0.1:8080`. */
  hosts?: readonly string[];
}

export interface MonitorConfig {
  /** Leases per minute for the whole agent. */
  maxLeasesPerMinute?: number;
  /** Leases per minute for any one credential. */
  maxLeasesPerMinutePerCredential?: number;
  /** Distinct credentials the agent may lease within `window`. */
  maxDistinctCredentials?: number;
  /** Window for `maxDistinctCredentials` (default 10m). */
  window?: Duration;
  /** Learned baseline: after `warmup` leases, a never-seen credential or a rate `rateFactor` times the moving average is an anomaly. */
  baseline?: false | { warmup?: number; rateFactor?: number; minRate?: number };
  /** `lock` (default) locks the agent until `guard.unlock()`; `alert` only records the anomaly. */
  onAnomaly?: 'lock' | 'alert';
  store?: MonitorStore;
}

export interface GuardConfig {
  agent: { id: string; name?: string };
  broker: Broker;
  grants: Record<string, GrantConfig>;
  audit?: {
    sink?: AuditSink;
    /** Deny the call when the sink cannot record it (default true). */
    failClosed?: boolean;
    /** HMAC key for fingerprints (at least 32 bytes). Random per guard when absent. */
    hmacKey?: Uint8Array | string;
  };
  monitor?: MonitorConfig | false;
  redaction?: {
    placeholder?: RedactorOptions['placeholder'];
    rules?:
      | false
      | {
          builtin?: boolean;
          disable?: readonly string[];
          add?: readonly SecretRule[];
          allow?: readonly (string | RegExp)[];
        };
    /** How long a value stays registered after its lease ends, to catch late echoes (default 5m). */
    grace?: Duration;
  };
  /** Default timeout of a guarded call (default: none). */
  timeout?: Duration;
  telemetry?: { tracerProvider?: TracerProvider; meterProvider?: MeterProvider; toolSpans?: boolean };
  /** Clock for tests. */
  now?: () => number;
}

const duration = z.custom<Duration>((v) => parseDuration(v) !== undefined, DURATION_EXPECTED);
const positiveInt = (what: string) =>
  z
    .number({ error: `expected ${what}` })
    .int(`expected ${what}`)
    .positive(`expected ${what}`);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

const brokerSchema = z.custom<Broker>(
  (v) => isObject(v) && typeof v.acquire === 'function' && typeof v.revoke === 'function',
  'expected a broker such as localBroker({...}) or vaultBroker({...}) (an object with acquire and revoke)',
);
const sinkSchema = z.custom<AuditSink>(
  (v) => isObject(v) && typeof v.write === 'function',
  'expected an audit sink such as memoryAudit(), jsonlAudit(path) or callbackAudit(fn)',
);
const storeSchema = z.custom<MonitorStore>(
  (v) =>
    isObject(v) &&
    typeof v.recordLease === 'function' &&
    typeof v.getLock === 'function' &&
    typeof v.setLock === 'function',
  'expected a monitor store (see MonitorStore)',
);

const grantSchema = z.strictObject({
  scopes: z
    .array(
      z.string({ error: 'expected a scope pattern' }).refine(isValidScopePattern, {
        error: 'expected a scope pattern such as "issues:*" or "repo:acme/*:read"',
      }),
      { error: 'expected a list of scope patterns such as ["issues:*"]' },
    )
    .min(1, 'expected at least one scope pattern'),
  maxTtl: duration,
  hosts: z
    .array(
      z.string({ error: 'expected a host name' }).refine(isValidHostPattern, {
        error: 'expected a host such as "api.github.com", "*.example.com" or "127.0.0.1:8080"',
      }),
      { error: 'expected a list of hosts such as ["api.github.com"]' },
    )
    .optional(),
});

const credentialName = /^[A-Za-z0-9_.-]{1,64}$/;

const configSchema = z.strictObject({
  agent: z.strictObject(
    {
      id: z
        .string({ error: 'expected a non-empty agent id' })
        .regex(/^[A-Za-z0-9_.:@/-]{1,128}$/, 'expected 1-128 letters, digits or _.:@/-'),
      name: z.string({ error: 'expected a string' }).max(256, 'expected at most 256 characters').optional(),
    },
    { error: 'expected an object such as { id: "support-bot" }' },
  ),
  broker: brokerSchema,
  grants: z
    .record(z.string(), grantSchema, { error: 'expected an object mapping credential names to grants' })
    .superRefine((g, ctx) => {
      const names = Object.keys(g);
      if (names.length === 0) ctx.addIssue({ code: 'custom', message: 'expected at least one grant' });
      for (const name of names) {
        if (!credentialName.test(name)) {
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: 'expected a credential name of 1-64 letters, digits or _.-',
          });
        }
      }
    }),
  audit: z
    .strictObject(
      {
        sink: sinkSchema.optional(),
        failClosed: z.boolean({ error: 'expected true or false' }).optional(),
        hmacKey: z
          .union([z.instanceof(Uint8Array), z.string()])
          .refine((k) => (typeof k === 'string' ? Buffer.byteLength(k) : k.byteLength) >= 32, {
            error: 'expected a key of at least 32 bytes',
          })
          .optional(),
      },
      { error: 'expected an object such as { sink: memoryAudit(), failClosed: true }' },
    )
    .optional(),
  monitor: z
    .preprocess(
      // `false` turns the monitor off; anything else must be the object, so its field errors surface.
      (v) => (v === false ? undefined : v),
      z
        .strictObject(
          {
            maxLeasesPerMinute: positiveInt('a positive whole number of leases').optional(),
            maxLeasesPerMinutePerCredential: positiveInt('a positive whole number of leases').optional(),
            maxDistinctCredentials: positiveInt('a positive whole number of credentials').optional(),
            window: duration.optional(),
            baseline: z.preprocess(
              (v) => (v === false ? undefined : v),
              z
                .strictObject({
                  warmup: positiveInt('a positive whole number of leases').optional(),
                  rateFactor: z
                    .number({ error: 'expected a number above 1' })
                    .gt(1, 'expected a number above 1')
                    .optional(),
                  minRate: positiveInt('a positive whole number of leases per minute').optional(),
                })
                .optional(),
            ),
            onAnomaly: z.enum(['lock', 'alert'], { error: 'expected "lock" or "alert"' }).optional(),
            store: storeSchema.optional(),
          },
          { error: 'expected false or an object such as { maxLeasesPerMinute: 60, onAnomaly: "lock" }' },
        )
        .optional(),
    )
    .optional(),
  redaction: z
    .strictObject({
      placeholder: z
        .enum(['label', 'fingerprint'], { error: 'expected "label" or "fingerprint"' })
        .optional(),
      rules: z.preprocess(
        (v) => (v === false ? undefined : v),
        z
          .strictObject({
            builtin: z.boolean().optional(),
            disable: z.array(z.string()).optional(),
            add: z
              .array(
                z.custom<SecretRule>(
                  (r) => isObject(r) && typeof r.id === 'string' && r.pattern instanceof RegExp,
                  'expected a rule such as { id: "acme-token", pattern: /acme_[a-z0-9]{32}/ }',
                ),
              )
              .optional(),
            allow: z.array(z.union([z.string(), z.instanceof(RegExp)])).optional(),
          })
          .optional(),
      ),
      grace: duration.optional(),
    })
    .optional(),
  timeout: duration.optional(),
  telemetry: z
    .strictObject({
      tracerProvider: z
        .custom<TracerProvider>(
          (v) => isObject(v) && typeof v.getTracer === 'function',
          'expected a TracerProvider',
        )
        .optional(),
      meterProvider: z
        .custom<MeterProvider>(
          (v) => isObject(v) && typeof v.getMeter === 'function',
          'expected a MeterProvider',
        )
        .optional(),
      toolSpans: z.boolean({ error: 'expected true or false' }).optional(),
    })
    .optional(),
  now: z
    .custom<() => number>((v) => typeof v === 'function', 'expected a function returning epoch milliseconds')
    .optional(),
});

/** Validates the whole config and reports every problem at once, each naming its field. */
export function validateGuardConfig(config: unknown): GuardConfig {
  if (!isObject(config))
    throw new InvalidConfigError(['(root): expected a config object'], 'createGuard config');
  const result = configSchema.safeParse(config);
  if (!result.success) throw new InvalidConfigError(formatIssues(result.error), 'createGuard config');
  return config as unknown as GuardConfig;
}
