// Shared fixtures for this package's tests (not exported from the package).
import type { Broker, BrokerLease, LeaseRequest } from './broker/types.js';
import { localBroker } from './broker/local-broker.js';
import { memoryAudit } from './audit/sinks.js';
import { createGuard } from './guard.js';
import type { GuardConfig } from './config.js';

export const GITHUB_TOKEN = 'ghp_canaryA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6';
export const DB_PASSWORD = 'pw-canary-7f3a9c2e-d41b-4b8e-9a6f';

/** Wraps a broker and counts what the guard asked of it. */
export function spyBroker(inner: Broker = localBroker({ credentials: { github: { value: GITHUB_TOKEN } } })) {
  const calls = { acquire: [] as LeaseRequest[], revoke: [] as LeaseRequest[], renew: [] as LeaseRequest[] };
  const broker: Broker = {
    kind: inner.kind,
    ...(inner.credentialNames ? { credentialNames: inner.credentialNames } : {}),
    acquire: (r) => {
      calls.acquire.push(r);
      return inner.acquire(r);
    },
    revoke: (l: BrokerLease, r) => {
      calls.revoke.push(r);
      return inner.revoke(l, r);
    },
    ...(inner.renew
      ? {
          renew: (l: BrokerLease, r: LeaseRequest, ttl: number) => {
            calls.renew.push(r);
            return inner.renew!(l, r, ttl);
          },
        }
      : {}),
  };
  return { broker, calls };
}

export function testGuard(overrides: Partial<GuardConfig> = {}) {
  const { broker, calls } = spyBroker();
  const audit = memoryAudit();
  const guard = createGuard({
    agent: { id: 'support-bot', name: 'Support bot' },
    broker,
    grants: { github: { scopes: ['issues:*', 'repo:acme/*:read'], maxTtl: '5m', hosts: ['127.0.0.1'] } },
    audit: { sink: audit },
    ...overrides,
  });
  return { guard, calls, audit };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
