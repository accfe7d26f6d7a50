import { createLeakScanner } from '@agent-lease/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../errors.js';
import { localBroker } from './local-broker.js';
import { TokenVerificationError } from './token-minter.js';
import type { LeaseRequest } from './types.js';

const request = (over: Partial<LeaseRequest> = {}): LeaseRequest => ({
  leaseId: 'lease-1',
  credential: 'tracker',
  scopes: ['issues:read', 'issues:write:acme/widgets'],
  ttlMs: 60_000,
  agent: { id: 'support-bot' },
  tool: 'create_issue',
  toolCallId: 'c1',
  ...over,
});

const AUD = 'agent-lease:tracker';

describe('localBroker', () => {
  afterEach(() => {
    delete process.env.AGENT_LEASE_TEST_TOKEN;
  });

  it('copies static values at construction: later changes to the config do not leak in', async () => {
    const credentials = { tracker: { value: 'static-secret-123456' } };
    const broker = localBroker({ credentials });
    credentials.tracker.value = 'changed-afterwards-00';
    const lease = await broker.acquire(request());
    expect(lease.value).toBe('static-secret-123456');
    expect(lease.renewable).toBe(true);
    expect(lease.inject).toEqual({ type: 'bearer' });
  });

  it('reads an env credential once and removes it from process.env', async () => {
    process.env.AGENT_LEASE_TEST_TOKEN = 'env-secret-abcdef123';
    const broker = localBroker({ credentials: { tracker: { env: 'AGENT_LEASE_TEST_TOKEN' } } });
    expect(process.env.AGENT_LEASE_TEST_TOKEN).toBeUndefined();
    process.env.AGENT_LEASE_TEST_TOKEN = 'replaced-later-000000';
    expect((await broker.acquire(request())).value).toBe('env-secret-abcdef123');
  });

  it('refuses bad options with precise messages, and changes nothing', () => {
    process.env.AGENT_LEASE_TEST_TOKEN = 'env-secret-abcdef123';
    const bad: [unknown, string][] = [
      [
        { credentials: { t: { value: 'short' } } },
        'credentials.t.value: expected at least 8 characters (shorter values cannot be redacted safely)',
      ],
      [
        { credentials: { t: { env: 'MISSING_VAR_FOR_TEST' } } },
        'credentials.t.env: expected MISSING_VAR_FOR_TEST to be set to a secret of at least 8 characters',
      ],
      [
        { credentials: { t: { value: 'long-enough-1', inject: { type: 'cookie' } } } },
        'credentials.t.inject: expected { type: "bearer" }, { type: "basic", username }, { type: "header", name, prefix? } or { type: "query", param }',
      ],
      [
        { credentials: { t: { secret: 'x' } } },
        'credentials.t: expected { value }, { env } or { mint: true }',
      ],
    ];
    for (const [options, message] of bad) {
      try {
        localBroker(options as never);
        expect.unreachable();
      } catch (error) {
        expect(InvalidConfigError.isInstance(error)).toBe(true);
        expect((error as InvalidConfigError).issues).toContain(message);
      }
    }
    // A failed construction with an env credential leaves the environment as it was.
    expect(() =>
      localBroker({ credentials: { a: { env: 'AGENT_LEASE_TEST_TOKEN' }, b: { value: 'short' } } }),
    ).toThrow(InvalidConfigError);
    expect(process.env.AGENT_LEASE_TEST_TOKEN).toBe('env-secret-abcdef123');
  });

  describe('mint', () => {
    it('issues a signed token per lease with sub, scope, exp and jti, verified by the upstream', async () => {
      const broker = localBroker({ credentials: { tracker: { mint: true } } });
      const lease = await broker.acquire(request());
      expect(lease.renewable).toBe(false);
      const claims = await broker.verifier.verify(lease.value, {
        requiredScopes: ['issues:read'],
        audience: 'agent-lease:tracker',
      });
      expect(claims).toMatchObject({
        sub: 'support-bot',
        jti: 'lease-1',
        scope: ['issues:read', 'issues:write:acme/widgets'],
        credential: 'tracker',
      });
      expect(claims.exp).toBeGreaterThan(Date.now() / 1000);
      const other = await broker.acquire(request({ leaseId: 'lease-2' }));
      expect(other.value).not.toBe(lease.value);
    });

    it('rejects a missing scope, a revoked lease, an expired or tampered token', async () => {
      const broker = localBroker({ credentials: { tracker: { mint: true } } });
      const lease = await broker.acquire(request());
      const reason = (p: Promise<unknown>) =>
        p.then(
          () => 'accepted',
          (e: unknown) => (e as TokenVerificationError).reason,
        );
      expect(
        await reason(
          broker.verifier.verify(lease.value, { audience: AUD, requiredScopes: ['issues:delete'] }),
        ),
      ).toBe('insufficient_scope');
      expect(await reason(broker.verifier.verify(`${lease.value.slice(0, -2)}xx`, { audience: AUD }))).toBe(
        'invalid',
      );
      await broker.revoke(lease, request());
      expect(await reason(broker.verifier.verify(lease.value, { audience: AUD }))).toBe('revoked');
      const short = await broker.acquire(request({ leaseId: 'lease-3', ttlMs: 1 }));
      await new Promise((r) => setTimeout(r, 1100));
      expect(await reason(broker.verifier.verify(short.value, { audience: AUD }))).toBe('expired');
      const foreign = localBroker({ credentials: { tracker: { mint: true } } });
      expect(
        await reason(
          foreign.verifier.verify((await broker.acquire(request({ leaseId: 'l4' }))).value, {
            audience: AUD,
          }),
        ),
      ).toBe('invalid');
    });

    it("a token minted for one credential is refused by another credential's upstream", async () => {
      const broker = localBroker({ credentials: { tracker: { mint: true }, billing: { mint: true } } });
      const lease = await broker.acquire(request());
      await expect(broker.verifier.verify(lease.value, { audience: 'agent-lease:billing' })).rejects.toThrow(
        'lease token rejected: invalid',
      );
      await expect(broker.verifier.verify(lease.value, {} as never)).rejects.toThrow(
        'lease token rejected: invalid',
      );
      await expect(broker.verifier.verify(lease.value, { audience: AUD })).resolves.toMatchObject({
        credential: 'tracker',
      });
    });

    it('token errors never contain the token', async () => {
      const broker = localBroker({ credentials: { tracker: { mint: true } } });
      const lease = await broker.acquire(request());
      await broker.revoke(lease, request());
      const error = (await broker.verifier
        .verify(lease.value, { audience: AUD })
        .catch((e: unknown) => e)) as Error;
      expect(
        createLeakScanner({ token: lease.value }).scan(`${error.message}${error.stack ?? ''}`, 'error'),
      ).toEqual([]);
    });
  });
});
