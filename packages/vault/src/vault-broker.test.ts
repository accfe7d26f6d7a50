import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLeakScanner, createManualClock } from '@agent-lease/testing';
import { BrokerUnavailableError, InvalidConfigError, LeaseAbortedError, type LeaseRequest } from './core.js';
import { ChildToken } from './child-token.js';
import { vaultBroker, type VaultBroker } from './vault-broker.js';
import type { VaultBrokerOptions } from './config.js';
import type { VaultBrokerEvent } from './events.js';
import {
  liveChildTokens,
  liveLeases,
  provision,
  realVaultConfigured,
  startTarget,
  vaultRequest,
  type Provisioned,
  type VaultTarget,
} from './test-fixture.js';

function leaseRequest(credential: string, overrides: Partial<LeaseRequest> = {}): LeaseRequest {
  return {
    leaseId: randomUUID(),
    credential,
    scopes: ['read'],
    ttlMs: 60_000,
    agent: { id: 'agent-1' },
    tool: 'search_issues',
    toolCallId: `call-${randomUUID()}`,
    ...overrides,
  };
}

/** A loopback URL where nothing listens: connections are refused at once. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

function brokerOptions(
  target: VaultTarget,
  p: Provisioned,
  extra: Partial<VaultBrokerOptions> = {},
): VaultBrokerOptions {
  return {
    endpoint: target.url,
    auth: { token: p.brokerToken },
    tokenRole: p.role,
    credentials: {
      github: {
        kv: { path: p.kvPath, field: 'token', policies: [p.policies.kv] },
        inject: { type: 'bearer' },
      },
      ...(target.dynamic
        ? {
            db: {
              dynamic: { path: p.dbPath, policies: [p.policies.db] },
              inject: { type: 'basic' as const },
            },
          }
        : {}),
    },
    retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 2000 },
    ...extra,
  };
}

describe('vaultBroker config', () => {
  it('names every problem precisely', () => {
    let error: unknown;
    try {
      vaultBroker({
        endpoint: 'ftp://vault',
        auth: { token: 'x', appRole: { roleId: 'a', secretId: 'b' } },
        credentials: { a: { kv: { path: '/p', field: 'f', policies: [] } }, b: {} },
        extra: true,
      } as unknown as VaultBrokerOptions);
    } catch (e) {
      error = e;
    }
    expect(InvalidConfigError.isInstance(error)).toBe(true);
    const issues = (error as InvalidConfigError).issues;
    expect(issues).toEqual(
      expect.arrayContaining([
        'endpoint: expected an http(s) URL such as "https://vault.example.com:8200"',
        'auth: expected exactly one of "token" or "appRole"',
        'credentials.a.kv.path: expected a path without leading or trailing "/"',
        'credentials.a.kv.policies: expected at least one Vault policy name',
        'credentials.b: expected exactly one of "kv" or "dynamic"',
        '(root): unknown key "extra"',
      ]),
    );
    // The message names fields, never the values given (the token here).
    expect((error as Error).message).not.toContain('"x"');
  });
});

const kinds = ['test-server', 'real'] as const;

describe.each(kinds)('vaultBroker against %s', (kind) => {
  const skip = kind === 'real' && !realVaultConfigured();
  let target: VaultTarget;
  let p: Provisioned;
  const brokers: VaultBroker[] = [];
  const make = (extra: Partial<VaultBrokerOptions> = {}): VaultBroker => {
    const b = vaultBroker(brokerOptions(target, p, extra));
    brokers.push(b);
    return b;
  };

  beforeAll(async () => {
    if (skip) return;
    target = await startTarget(kind);
    p = await provision(target);
  });
  afterEach(async () => {
    await Promise.all(brokers.splice(0).map((b) => b.close()));
    target.server?.faults.clear();
  });
  afterAll(async () => {
    if (!skip) await target.close();
  });

  it.skipIf(skip)(
    'issues a KV credential in 2 round trips with a least-privilege child token, and revokes it',
    async () => {
      const events: VaultBrokerEvent[] = [];
      const broker = make({ onEvent: (e) => events.push(e), awaitRevocation: true });
      await broker.ready(); // creates the parent of the per-call tokens, off the call's path
      expect(events.filter((e) => e.type === 'parent-token')).toHaveLength(1);
      const request = leaseRequest('github');
      const before = target.server?.requestLog.length ?? 0;
      const lease = await broker.acquire(request);
      expect(lease.value === p.kvValue).toBe(true); // a boolean: a failure never prints the secret
      expect(lease.inject).toEqual({ type: 'bearer' });
      expect(lease.renewable).toBe(false);
      expect(lease.expiresAt).toBeGreaterThan(Date.now() + 55_000);
      expect(lease.expiresAt).toBeLessThanOrEqual(Date.now() + 61_000);
      expect(events.find((e) => e.type === 'acquire')).toMatchObject({ roundTrips: 2 });
      if (target.server) {
        const sent = target.server.requestLog.slice(before);
        expect(sent.map((e) => `${e.method} ${e.path}`)).toEqual([
          `POST auth/token/create/${p.role}`,
          `GET secret/data/${p.kvPath}`,
        ]);
        // The request log HMACs strings like Vault's audit log; numbers are in clear.
        expect(sent[0]?.body).toMatchObject({
          num_uses: 2,
          renewable: false,
          ttl: target.server.hmac('60s'),
          explicit_max_ttl: target.server.hmac('60s'),
          policies: [target.server.hmac(p.policies.kv)],
          meta: {
            agent_id: target.server.hmac('agent-1'),
            tool: target.server.hmac('search_issues'),
            tool_call_id: target.server.hmac(request.toolCallId),
            lease_id: target.server.hmac(request.leaseId),
          },
        });
        const child = target.server.liveTokens().find((t) => t.path === `auth/token/create/${p.role}`);
        expect(child).toMatchObject({ policies: ['default', p.policies.kv], numUses: 1, renewable: false });
      }
      expect(await liveChildTokens(target, p)).toBe(1);
      // The handle holds the child token but prints and serializes as an empty shell.
      const child = (lease.handle as ChildToken).reveal();
      const scanner = createLeakScanner({ child, brokerToken: p.brokerToken });
      scanner.assertNoLeaks(`${inspect(lease.handle)} ${JSON.stringify(lease.handle)}`, 'lease handle');
      await broker.revoke(lease, request);
      await broker.revoke(lease, request); // idempotent
      expect(await liveChildTokens(target, p)).toBe(0);
      expect(broker.stats().revocations).toMatchObject({ revoked: 1 });
      scanner.assertNoLeaks(JSON.stringify(events), 'events');
    },
  );

  it.skipIf(skip)('the child token can read its own secret and nothing else', async () => {
    const broker = make();
    const lease = await broker.acquire(leaseRequest('github'));
    const token = (lease.handle as ChildToken).reveal();
    expect((await vaultRequest(target, 'GET', 'secret/data/other', undefined, token)).status).toBe(403);
    await broker.revoke(lease, leaseRequest('github'));
    await broker.close();
    expect(await liveChildTokens(target, p)).toBe(0);
  });

  it.skipIf(skip || (kind === 'real' && (process.env.VAULT_DATABASE_MOUNT ?? '') === ''))(
    'issues dynamic credentials whose lease dies with the child token',
    async () => {
      const broker = make();
      const request = leaseRequest('db', { ttlMs: 30_000 });
      const lease = await broker.acquire(request);
      expect(lease.value.length).toBeGreaterThanOrEqual(16);
      expect(lease.inject).toMatchObject({
        type: 'basic',
        username: expect.stringMatching(/^v-/) as unknown,
      });
      expect(await liveLeases(target, p)).toBe(1);
      // revoke() returns at once; close() waits for the background revocation.
      await broker.revoke(lease, request);
      await broker.close();
      expect(await liveLeases(target, p)).toBe(0);
      expect(await liveChildTokens(target, p)).toBe(0);
      if (target.server) expect(target.server.databaseUsers()).toHaveLength(0);
    },
  );

  it.skipIf(skip)(
    'fails with BrokerUnavailableError on a 403 without retrying, and leaks nothing',
    async () => {
      const events: VaultBrokerEvent[] = [];
      const broker = make({
        credentials: {
          github: { kv: { path: 'agent-lease-test-nope/x', field: 'token', policies: [p.policies.kv] } },
        },
        onEvent: (e) => events.push(e),
      });
      await broker.ready();
      const error = await broker.acquire(leaseRequest('github')).catch((e: unknown) => e);
      expect(BrokerUnavailableError.isInstance(error)).toBe(true);
      expect((error as Error).message).toBe('could not issue credential github: vault answered HTTP 403');
      // create + one read, no retry of a 403 (the background revocation is not on the call's path)
      expect(events.find((e) => e.type === 'acquire-failed')).toMatchObject({ roundTrips: 2 });
      const scanner = createLeakScanner({
        brokerToken: p.brokerToken,
        kv: p.kvValue,
        secretId: p.appRole.secretId,
      });
      const rendered = [
        inspect(error, { depth: 10, showHidden: true }),
        JSON.stringify(error),
        String((error as Error).stack),
      ].join('\n');
      scanner.assertNoLeaks(rendered, 'error');
      await broker.close();
      expect(await liveChildTokens(target, p)).toBe(0);
    },
  );

  it.skipIf(skip)('reports a missing field without the value, and revokes the token', async () => {
    const broker = make({
      credentials: { github: { kv: { path: p.kvPath, field: 'nope', policies: [p.policies.kv] } } },
    });
    await expect(broker.acquire(leaseRequest('github'))).rejects.toThrow(
      'vault secret for credential github has no string field "nope"',
    );
    await broker.close();
    expect(await liveChildTokens(target, p)).toBe(0);
  });

  it.skipIf(skip)('logs in with AppRole ahead of calls, so calls still take 2 round trips', async () => {
    const events: VaultBrokerEvent[] = [];
    const broker = make({ auth: { appRole: p.appRole }, onEvent: (e) => events.push(e) });
    await broker.ready();
    expect(events.filter((e) => e.type === 'login')).toHaveLength(1);
    const lease = await broker.acquire(leaseRequest('github'));
    expect(lease.value === p.kvValue).toBe(true); // a boolean: a failure never prints the secret
    expect(events.find((e) => e.type === 'acquire')).toMatchObject({ roundTrips: 2 });
    await broker.revoke(lease, leaseRequest('github'));
  });
});

describe('vaultBroker resilience (test server)', () => {
  let target: VaultTarget;
  let p: Provisioned;
  const brokers: VaultBroker[] = [];
  const make = (extra: Partial<VaultBrokerOptions> = {}): VaultBroker => {
    const b = vaultBroker(brokerOptions(target, p, extra));
    brokers.push(b);
    return b;
  };
  const server = () => target.server!;

  beforeAll(async () => {
    target = await startTarget('test-server');
    p = await provision(target);
  });
  afterEach(async () => {
    await Promise.all(brokers.splice(0).map((b) => b.close()));
    server().faults.clear();
    server().unseal();
  });
  afterAll(async () => {
    await target.close();
  });

  it('retries 503 and resets, and succeeds', async () => {
    const broker = make();
    await broker.ready();
    const sentBefore = broker.stats().requests;
    server().faults.inject({
      fault: { kind: 'status', status: 503 },
      count: 1,
      match: (r) => r.path.startsWith('auth/token/create'),
    });
    server().faults.inject({
      fault: { kind: 'reset' },
      count: 1,
      match: (r) => r.path.startsWith('secret/'),
    });
    const lease = await broker.acquire(leaseRequest('github'));
    expect(lease.value === p.kvValue).toBe(true); // a boolean: a failure never prints the secret
    expect(broker.stats().requests - sentBefore).toBe(4);
    await broker.revoke(lease, leaseRequest('github'));
  });

  it('honours Retry-After on 429', async () => {
    const broker = make();
    server().faults.inject({ fault: { kind: 'status', status: 429, retryAfterSeconds: 1 }, count: 1 });
    const start = performance.now();
    await broker.acquire(leaseRequest('github'));
    expect(performance.now() - start).toBeGreaterThanOrEqual(950);
  });

  it('fails instead of waiting for a Retry-After beyond maxRetryAfterMs', async () => {
    const broker = make();
    server().faults.inject({ fault: { kind: 'status', status: 429, retryAfterSeconds: 30 }, count: 1 });
    const start = performance.now();
    await expect(broker.acquire(leaseRequest('github'))).rejects.toThrow('vault answered HTTP 429');
    expect(performance.now() - start).toBeLessThan(500);
  });

  it('does not retry 400', async () => {
    const broker = make({
      credentials: { github: { kv: { path: p.kvPath, field: 'token', policies: ['not-in-role'] } } },
    });
    await broker.ready();
    await expect(broker.acquire(leaseRequest('github'))).rejects.toThrow('vault answered HTTP 400');
    expect(broker.stats().requests).toBe(2); // the parent token's create, then one create that is not retried
  });

  it('times out every request; a token created after the client gave up ends at close', async () => {
    const broker = make({ requestTimeoutMs: 100, retry: { maxAttempts: 1 } });
    await broker.ready();
    server().faults.inject({ fault: { kind: 'latency', ms: 400 }, count: 1 });
    const start = performance.now();
    const before = await liveChildTokens(target, p);
    await expect(broker.acquire(leaseRequest('github'))).rejects.toThrow('vault request timed out');
    expect(performance.now() - start).toBeLessThan(350);
    // The server still creates the token after the client gave up; the broker never learns it, but it is a
    // child of the broker's parent token, which close() revokes.
    await new Promise((r) => setTimeout(r, 400));
    expect(await liveChildTokens(target, p)).toBe(before + 1);
    await broker.close();
    expect(await liveChildTokens(target, p)).toBe(before);
  });

  it('fails with 503 while sealed, after retries', async () => {
    const broker = make();
    server().seal();
    await expect(broker.acquire(leaseRequest('github'))).rejects.toThrow('vault answered HTTP 503');
    expect(broker.stats().requests).toBe(3);
  });

  it('fails fast once Vault is unreachable (circuit breaker), then recovers', async () => {
    const events: VaultBrokerEvent[] = [];
    const broker = vaultBroker({
      ...brokerOptions(target, p),
      endpoint: await closedPortUrl(),
      circuitBreaker: { failureThreshold: 2, cooldownMs: 200 },
      onEvent: (e) => events.push(e),
    });
    brokers.push(broker);
    for (let i = 0; i < 2; i++)
      await expect(broker.acquire(leaseRequest('github'))).rejects.toThrow(
        /vault unreachable \(ECONNREFUSED\)/,
      );
    const sent = broker.stats().requests;
    const start = performance.now();
    const error = await broker.acquire(leaseRequest('github')).catch((e: unknown) => e);
    expect(performance.now() - start).toBeLessThan(20);
    expect((error as Error).message).toBe(
      'could not issue credential github: vault is unavailable (failing fast until it recovers)',
    );
    expect(broker.stats()).toMatchObject({ requests: sent, circuit: 'open' });
    expect(events).toContainEqual({ type: 'circuit', state: 'open' });
    await new Promise((r) => setTimeout(r, 220));
    expect(broker.stats().circuit).toBe('half-open');
  });

  it('aborts: before the call, and while waiting for Vault (the token is still revoked)', async () => {
    const broker = make();
    const before = await liveChildTokens(target, p);
    const controller = new AbortController();
    controller.abort();
    await expect(broker.acquire(leaseRequest('github', { signal: controller.signal }))).rejects.toSatisfy(
      LeaseAbortedError.isInstance,
    );
    const slow = new AbortController();
    server().faults.inject({
      fault: { kind: 'latency', ms: 300 },
      count: 1,
      match: (r) => r.path.startsWith('secret/'),
    });
    setTimeout(() => {
      slow.abort();
    }, 100);
    await expect(broker.acquire(leaseRequest('github', { signal: slow.signal }))).rejects.toSatisfy(
      LeaseAbortedError.isInstance,
    );
    expect(await liveChildTokens(target, p)).toBe(before + 1);
    await broker.close();
    expect(await liveChildTokens(target, p)).toBe(before);
  });

  it('logs in again when the AppRole token is revoked under it', async () => {
    const events: VaultBrokerEvent[] = [];
    const broker = make({ auth: { appRole: p.appRole }, onEvent: (e) => events.push(e) });
    await broker.ready();
    const login = server()
      .liveTokens()
      .find((t) => t.path === 'auth/approle/login');
    await vaultRequest(target, 'POST', 'auth/token/revoke-accessor', { accessor: login?.accessor });
    const lease = await broker.acquire(leaseRequest('github'));
    expect(lease.value === p.kvValue).toBe(true); // a boolean: a failure never prints the secret
    expect(events.filter((e) => e.type === 'login')).toHaveLength(2);
  });

  it('renews the AppRole token while it lives and logs in again before it expires', async () => {
    await vaultRequest(target, 'POST', `auth/approle/role/${p.role}`, {
      token_policies: [p.policies.broker],
      token_ttl: '2s',
      token_max_ttl: '3s',
    });
    const secretId = (
      (await vaultRequest(target, 'POST', `auth/approle/role/${p.role}/secret-id`)).body as {
        data: { secret_id: string };
      }
    ).data.secret_id;
    const events: VaultBrokerEvent[] = [];
    const broker = make({
      auth: { appRole: { roleId: p.appRole.roleId, secretId } },
      renewFraction: 0.5,
      requestTimeoutMs: 200,
      onEvent: (e) => events.push(e),
    });
    await broker.ready();
    await new Promise((r) => setTimeout(r, 3_500));
    expect(events.filter((e) => e.type === 'renew').length).toBeGreaterThanOrEqual(1);
    expect(events.filter((e) => e.type === 'login').length).toBeGreaterThanOrEqual(2);
    // The session always holds a live token.
    expect((await broker.acquire(leaseRequest('github'))).value === p.kvValue).toBe(true);
    await vaultRequest(target, 'POST', `auth/approle/role/${p.role}`, {
      token_ttl: '20m',
      token_max_ttl: '1h',
    });
  });

  it.each([
    ['with a parent token, it ends at close', { retry: { maxAttempts: 1 } }],
    ['without one, only its TTL ends it', { retry: { maxAttempts: 1 }, parentToken: false as const }],
  ])('a token created when the response was lost: %s', async (how, extra) => {
    // 'after' faults: Vault made the token, the broker never saw it.
    const clock = createManualClock(Date.now());
    const t = await startTarget('test-server', { clock });
    try {
      const q = await provision(t);
      const broker = vaultBroker({ ...brokerOptions(t, q), ...extra });
      brokers.push(broker);
      await broker.ready();
      t.server!.faults.inject({
        fault: { kind: 'reset' },
        count: 1,
        phase: 'after',
        match: (r) => r.path.startsWith('auth/token/create'),
      });
      await expect(broker.acquire(leaseRequest('github', { ttlMs: 30_000 }))).rejects.toThrow(
        BrokerUnavailableError,
      );
      expect(await liveChildTokens(t, q)).toBe(1);
      if (how.startsWith('with a parent')) {
        await broker.close();
        expect(t.server!.stats().tokens).toBe(1); // the broker's own token; no parent, no child
      } else {
        await broker.close();
        expect(await liveChildTokens(t, q)).toBe(1);
        clock.advance(30_000);
      }
      expect(await liveChildTokens(t, q)).toBe(0);
    } finally {
      await t.close();
    }
  });
});
