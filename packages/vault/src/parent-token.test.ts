import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BrokerUnavailableError, type LeaseRequest } from './core.js';
import type { VaultBrokerEvent } from './events.js';
import { vaultBroker, type VaultBroker } from './vault-broker.js';
import type { VaultBrokerOptions } from './config.js';
import {
  liveChildTokens,
  provision,
  startTarget,
  vaultRequest,
  type Provisioned,
  type VaultTarget,
} from './test-fixture.js';

const request = (): LeaseRequest => ({
  leaseId: randomUUID(),
  credential: 'github',
  scopes: [],
  ttlMs: 60_000,
  agent: { id: 'agent-1' },
  tool: 'search_issues',
  toolCallId: `call-${randomUUID()}`,
});

describe('the parent of the per-call tokens (test server)', () => {
  let target: VaultTarget;
  let p: Provisioned;
  const brokers: VaultBroker[] = [];
  const events: VaultBrokerEvent[] = [];
  const make = (extra: Partial<VaultBrokerOptions> = {}): VaultBroker => {
    const broker = vaultBroker({
      endpoint: target.url,
      auth: { token: p.brokerToken },
      tokenRole: p.role,
      credentials: { github: { kv: { path: p.kvPath, field: 'token', policies: [p.policies.kv] } } },
      retry: { maxAttempts: 2, baseDelayMs: 2, maxDelayMs: 5 },
      onEvent: (e) => events.push(e),
      ...extra,
    });
    brokers.push(broker);
    return broker;
  };
  const parents = () =>
    target
      .server!.liveTokens()
      .filter((t) => t.meta?.agent_lease === 'parent' && t.parentAccessor !== undefined);
  const created = () => events.filter((e) => e.type === 'parent-token').length;

  beforeAll(async () => {
    target = await startTarget('test-server');
    p = await provision(target);
  });
  afterEach(async () => {
    await Promise.all(brokers.splice(0).map((b) => b.close()));
    events.length = 0;
  });
  afterAll(async () => {
    await target.close();
  });

  it('is one token per broker, a child of the broker token, and every per-call token is its child', async () => {
    const broker = make();
    const leases = await Promise.all([broker.acquire(request()), broker.acquire(request())]);
    expect(created()).toBe(1);
    const [parent] = parents();
    expect(parents()).toHaveLength(1);
    const children = target.server!.liveTokens().filter((t) => t.path === `auth/token/create/${p.role}`);
    expect(children).toHaveLength(2);
    for (const child of children) expect(child.parentAccessor).toBe(parent?.accessor);
    for (const lease of leases) await broker.revoke(lease, request());
    await broker.close();
    expect(parents()).toHaveLength(0);
  });

  it('is created again when it was revoked under the broker, and the call still succeeds', async () => {
    const broker = make();
    await broker.ready();
    const [parent] = parents();
    await vaultRequest(target, 'POST', 'auth/token/revoke-accessor', { accessor: parent?.accessor });
    const lease = await broker.acquire(request());
    expect(lease.value === p.kvValue).toBe(true); // a boolean: a failure never prints the secret
    expect(created()).toBe(2);
    await broker.revoke(lease, request());
  });

  it('is not created again when a 403 is about the path, not the token', async () => {
    // A role the broker's policy does not cover: Vault answers 403 on every create. The broker checks that its
    // parent is alive (lookup-self) instead of minting a new parent per failing call.
    const broker = make({ tokenRole: `not-granted-${p.id}` });
    for (let i = 0; i < 3; i++)
      await expect(broker.acquire(request())).rejects.toThrow(
        'could not issue credential github: vault answered HTTP 403',
      );
    expect(created()).toBe(1);
    expect(parents()).toHaveLength(1);
  });

  it('names the missing grant when Vault refuses to create it', async () => {
    const policy = `agent-lease-role-only-${p.id}`;
    await vaultRequest(target, 'PUT', `sys/policies/acl/${policy}`, {
      policy: `path "auth/token/create/${p.role}" { capabilities = ["update"] }`,
    });
    const res = await vaultRequest(target, 'POST', 'auth/token/create', { policies: [policy], ttl: '10m' });
    const roleOnlyToken = (res.body as { auth: { client_token: string } }).auth.client_token;
    const broker = make({ auth: { token: roleOnlyToken } });
    const error = await broker.acquire(request()).catch((e: unknown) => e);
    expect(BrokerUnavailableError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(
      'could not issue credential github: vault refused to create the parent token (grant update on auth/token/create, or set parentToken: false)',
    );
    // parentToken: false works with that policy, at the price of per-call tokens bounded only by their TTL.
    const direct = make({ auth: { token: roleOnlyToken }, parentToken: false });
    const lease = await direct.acquire(request());
    expect(lease.value === p.kvValue).toBe(true); // a boolean: a failure never prints the secret
    await direct.revoke(lease, request());
    await direct.close();
    expect(await liveChildTokens(target, p)).toBe(0);
  });

  it('is not created after close, not even by a call that was in flight', async () => {
    const broker = make();
    target.server!.faults.inject({
      fault: { kind: 'latency', ms: 100 },
      count: 1,
      match: (r) => r.path === 'auth/token/create',
    });
    const inFlight = broker.acquire(request()).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 20));
    await broker.close();
    const outcome = await inFlight;
    expect(BrokerUnavailableError.isInstance(outcome)).toBe(true);
    expect(parents()).toHaveLength(0);
    expect(await liveChildTokens(target, p)).toBe(0);
  });
});
