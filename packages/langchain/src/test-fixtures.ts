// Shared fixtures for this package's tests (not exported from the package).
import { createGuard, localBroker, memoryAudit, type Guard } from '@agent-lease/core';

export const GITHUB_TOKEN = 'ghp_lcCanary9Xy8Wv7Ut6Sr5Qp4On3Ml2Kj1Ih0Gf';

export function testGuard(): { guard: Guard; audit: ReturnType<typeof memoryAudit> } {
  const audit = memoryAudit();
  const guard = createGuard({
    agent: { id: 'lc-test' },
    broker: localBroker({ credentials: { github: { value: GITHUB_TOKEN, inject: { type: 'bearer' } } } }),
    grants: { github: { scopes: ['issues:*'], maxTtl: '5m', hosts: ['api.github.com'] } },
    audit: { sink: audit },
  });
  return { guard, audit };
}

/** True when the secret, or a 12-character piece of it, appears in the JSON form of `value`. */
export function leaks(value: unknown, secret = GITHUB_TOKEN): boolean {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.includes(secret) || text.includes(secret.slice(0, 12)) || text.includes(secret.slice(-12));
}
