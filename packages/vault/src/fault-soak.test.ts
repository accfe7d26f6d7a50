import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createManualClock, type FaultRule } from '@agent-lease/testing';
import { BrokerUnavailableError, type BrokerLease, type LeaseRequest } from './core.js';
import { vaultBroker } from './vault-broker.js';
import {
  liveChildTokens,
  liveLeases,
  provision,
  startTarget,
  type Provisioned,
  type VaultTarget,
} from './test-fixture.js';

/**
 * 1,000 guard-style cycles (acquire, use, revoke) against the test server while ~10% of the requests on the
 * acquire path and on the revoke path fail: 500/502/503, 429 with Retry-After, connection resets, before or after
 * Vault performed the request. The broker interface is driven directly, as the guard does.
 */
const CYCLES = 1000;
const CONCURRENCY = 20;

let target: VaultTarget;
let p: Provisioned;
const clock = createManualClock(Date.now());
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  target = await startTarget('test-server', { clock, seed: 42 });
  p = await provision(target);
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await target.close();
});

it(`${CYCLES} acquire/revoke cycles with 10% injected faults leave no live token, lease or user`, async () => {
  const server = target.server!;
  const onAcquirePath = (r: { path: string }): boolean =>
    r.path.startsWith('auth/token/create/') ||
    r.path.startsWith('secret/data/') ||
    r.path.startsWith('database/creds/');
  const onRevokePath = (r: { path: string }): boolean => r.path === 'auth/token/revoke-self';
  // Rules draw one after another, so these fractions add up to about 10% of the requests on each path (measured below).
  const mix: [FaultRule['fault'], number, 'before' | 'after'][] = [
    [{ kind: 'status', status: 500 }, 0.025, 'before'],
    [{ kind: 'status', status: 502 }, 0.02, 'before'],
    [{ kind: 'status', status: 503 }, 0.02, 'before'],
    [{ kind: 'status', status: 429, retryAfterSeconds: 0 }, 0.02, 'before'],
    [{ kind: 'reset' }, 0.025, 'before'],
    [{ kind: 'reset' }, 0.015, 'after'],
  ];
  for (const match of [onAcquirePath, onRevokePath]) {
    for (const [fault, fraction, phase] of mix) server.faults.inject({ fault, fraction, phase, match });
  }

  const broker = vaultBroker({
    endpoint: target.url,
    auth: { token: p.brokerToken },
    tokenRole: p.role,
    credentials: {
      github: { kv: { path: p.kvPath, field: 'token', policies: [p.policies.kv] } },
      db: { dynamic: { path: p.dbPath, policies: [p.policies.db] } },
    },
    retry: { maxAttempts: 3, baseDelayMs: 2, maxDelayMs: 10, maxRetryAfterMs: 1000 },
    circuitBreaker: { failureThreshold: 5, cooldownMs: 20 },
  });

  let granted = 0;
  const failures: Record<string, number> = {};
  let next = 0;
  const started = performance.now();
  async function worker(): Promise<void> {
    while (next < CYCLES) {
      const i = next++;
      const request: LeaseRequest = {
        leaseId: randomUUID(),
        credential: i % 2 === 0 ? 'github' : 'db',
        scopes: [],
        ttlMs: 60_000,
        agent: { id: 'soak' },
        tool: 'soak_tool',
        toolCallId: `call-${i}`,
      };
      let lease: BrokerLease | undefined;
      try {
        lease = await broker.acquire(request);
        granted++;
      } catch (error) {
        expect(BrokerUnavailableError.isInstance(error)).toBe(true);
        const message = (error as Error).message;
        failures[message] = (failures[message] ?? 0) + 1;
      } finally {
        if (lease) await broker.revoke(lease, request);
      }
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  await broker.close();
  const elapsedMs = performance.now() - started;

  const log = server.requestLog;
  const faulted = log.filter((e) => e.fault !== undefined);
  const acquireRequests = log.filter(onAcquirePath);
  const revokeRequests = log.filter(onRevokePath);
  const faultShare = (list: typeof log): number =>
    list.filter((e) => e.fault !== undefined).length / list.length;
  // Tokens whose create response was lost ('after' faults) exist only on the server: the broker never learned
  // them. They are children of the broker's parent token, so revoking the parent at close ends them too.
  const lostCreates = log.filter(
    (e) => e.path.startsWith('auth/token/create/') && e.faultPhase === 'after',
  ).length;
  const stats = broker.stats();
  console.info(
    JSON.stringify({
      cycles: CYCLES,
      granted,
      failures,
      requests: stats.requests,
      faultedRequests: faulted.length,
      faultShareAcquire: Number(faultShare(acquireRequests).toFixed(3)),
      faultShareRevoke: Number(faultShare(revokeRequests).toFixed(3)),
      lostCreates,
      revocations: stats.revocations,
      elapsedMs: Math.round(elapsedMs),
    }),
  );

  // Faults are drawn at random with a 10% rate; over ~1,000 requests per path the share lands within 10% +- 2.5%
  // (binomial, > 2.5 standard deviations), which is what these bounds allow.
  expect(faultShare(acquireRequests)).toBeGreaterThan(0.075);
  expect(faultShare(revokeRequests)).toBeGreaterThan(0.075);
  expect(granted).toBeGreaterThan(CYCLES * 0.9);
  expect(stats.pendingRevocations).toBe(0);
  expect(stats.revocations.failed).toBe(0);
  expect(stats.revocations.revoked + stats.revocations.alreadyGone).toBeGreaterThanOrEqual(granted);
  expect(await liveLeases(target, p)).toBe(0);
  expect(server.databaseUsers()).toHaveLength(0);
  expect(lostCreates).toBeGreaterThan(0);
  // At close, with no clock advance: no child token, no parent, no lease; 1 = the broker's own token.
  expect(await liveChildTokens(target, p)).toBe(0);
  expect(server.stats()).toMatchObject({ leases: 0, databaseUsers: 0, tokens: 1 });
  expect(unhandled).toEqual([]);
}, 120_000);
