// Regression tests for the defects a security review of the core found; each failed before its fix.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLeakScanner } from '@agent-lease/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callbackAudit, memoryAudit } from './audit/sinks.js';
import type { AuditEvent } from './audit/types.js';
import { localBroker } from './broker/local-broker.js';
import type { Broker } from './broker/types.js';
import {
  AgentLockedError,
  AuditUnavailableError,
  HostNotAllowedError,
  LeaseDeniedError,
  LeaseTimeoutError,
} from './errors.js';
import { createGuard } from './guard.js';
import { currentLease } from './lease-context.js';
import { hostAllowed } from './hosts.js';
import { GITHUB_TOKEN, sleep, spyBroker, testGuard } from './test-utils.js';

const needs = { credential: 'github', scopes: ['issues:write'] };
const scanner = createLeakScanner({ github: GITHUB_TOKEN });

describe('a query-injected credential never follows a redirect to another host', () => {
  let granted: Server;
  let other: Server;
  let otherPort = 0;
  let grantedPort = 0;
  const received: string[] = [];
  beforeAll(async () => {
    const listen = (handler: Parameters<typeof createServer>[1]) => {
      const server = createServer(handler);
      return new Promise<Server>((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
    };
    other = await listen((req, res) => {
      received.push(req.url ?? '');
      res.end('other');
    });
    otherPort = (other.address() as AddressInfo).port;
    granted = await listen((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const key = url.searchParams.get('api_key') ?? '';
      // A server that keeps the query string on redirect, and one that copies the key under another name.
      const location = url.pathname.startsWith('/keep')
        ? `http://localhost:${otherPort}/landing${url.search}`
        : `http://localhost:${otherPort}/landing?copied=${encodeURIComponent(key)}`;
      res.writeHead(302, { location });
      res.end();
    });
    grantedPort = (granted.address() as AddressInfo).port;
  });
  afterAll(() => {
    granted.close();
    other.close();
  });

  const queryGuard = () =>
    createGuard({
      agent: { id: 'a' },
      broker: localBroker({
        credentials: { github: { value: GITHUB_TOKEN, inject: { type: 'query', param: 'api_key' } } },
      }),
      grants: { github: { scopes: ['issues:*'], maxTtl: '1m', hosts: ['127.0.0.1'] } },
    });

  it('drops the injected parameter from a redirect that keeps the query string', async () => {
    received.length = 0;
    const body = await queryGuard().withLease({ tool: 't', needs }, async () => {
      const res = await currentLease().fetch(`http://127.0.0.1:${grantedPort}/keep?page=2`);
      return res.text();
    });
    expect(body).toBe('other');
    expect(received).toEqual(['/landing?page=2']);
    expect(scanner.scan(received.join('\n'), 'redirect target')).toEqual([]);
  });

  it('refuses a redirect whose URL carries the value under another name', async () => {
    received.length = 0;
    const error = await queryGuard()
      .withLease({ tool: 't', needs }, () => currentLease().fetch(`http://127.0.0.1:${grantedPort}/copy`))
      .catch((e: unknown) => e);
    expect(HostNotAllowedError.isInstance(error)).toBe(true);
    expect(received).toEqual([]);
  });
});

describe('audit fails closed on every credential access', () => {
  const failingOn = (type: AuditEvent['type']) =>
    callbackAudit((e) => {
      if (e.type === type) throw new Error('sink down');
    });

  it('reveal() refuses the value when its audit record cannot be written', async () => {
    const { guard } = testGuard({ audit: { sink: failingOn('lease.revealed') } });
    const error = await guard
      .withLease({ tool: 't', needs }, (lease) => lease.reveal())
      .catch((e: unknown) => e);
    expect(AuditUnavailableError.isInstance(error)).toBe(true);
  });

  it('an unrecorded renewal ends the lease instead of extending it', async () => {
    const { guard, calls } = testGuard({ audit: { sink: failingOn('lease.renewed') } });
    await guard.withLease({ tool: 't', needs: { ...needs, ttl: '60ms' } }, async (lease) => {
      await sleep(150);
      expect(lease.active).toBe(false);
    });
    expect(calls.renew).toHaveLength(1);
    expect(calls.revoke).toHaveLength(1);
  });

  it('an unlock that cannot be recorded does not happen', async () => {
    const { guard } = testGuard({ audit: { sink: failingOn('agent.unlocked') } });
    await guard.lock('review');
    await expect(guard.unlock()).rejects.toSatisfy(AuditUnavailableError.isInstance);
    expect(await guard.isLocked()).toBe(true);
  });

  it('audit records are redacted: a model-supplied scope holding a secret is not written verbatim', async () => {
    const audit = memoryAudit();
    const { guard } = testGuard({ audit: { sink: audit } });
    // First a lease registers the value; then a model echoes it into a tool input that becomes a scope.
    await guard.withLease({ tool: 't', needs }, () => undefined);
    await guard
      .withLease(
        {
          tool: 't',
          needs: { credential: 'github', scopes: (i: { repo: string }) => [`repo:${i.repo}:read`] },
          input: { repo: GITHUB_TOKEN },
        },
        () => undefined,
      )
      .catch(() => undefined);
    expect(audit.events().some((e) => e.type === 'lease.denied')).toBe(true);
    expect(scanner.scan(JSON.stringify(audit.events()), 'audit')).toEqual([]);
  });
});

describe('timers', () => {
  it('a broker that renews into the past does not spin: the lease expires', async () => {
    const inner = localBroker({ credentials: { github: { value: GITHUB_TOKEN } } });
    const { broker, calls } = spyBroker({
      ...inner,
      kind: 'local',
      renew: () => Promise.resolve({ expiresAt: 0 }),
    });
    const guard = createGuard({
      agent: { id: 'a' },
      broker,
      grants: { github: { scopes: ['issues:*'], maxTtl: '1m' } },
    });
    await guard.withLease({ tool: 't', needs: { ...needs, ttl: '30ms' } }, async (lease) => {
      await sleep(200);
      expect(lease.active).toBe(false);
    });
    expect(calls.renew.length).toBeLessThanOrEqual(2);
  });

  it('a broker whose revoke never answers does not hold the call past its timeout for long', async () => {
    const inner = localBroker({ credentials: { github: { value: GITHUB_TOKEN } } });
    const stuck: Broker = { ...inner, kind: 'local', revoke: () => new Promise(() => undefined) };
    const guard = createGuard({
      agent: { id: 'a' },
      broker: stuck,
      grants: { github: { scopes: ['issues:*'], maxTtl: '1m' } },
      timeout: '50ms',
    });
    const started = Date.now();
    await expect(guard.withLease({ tool: 't', needs }, () => sleep(5_000))).rejects.toSatisfy(
      LeaseTimeoutError.isInstance,
    );
    expect(Date.now() - started).toBeLessThan(2_500);
  });
});

describe('close and lock', () => {
  it('close() waits for an acquisition in flight and revokes it before closing the broker and the sink', async () => {
    const order: string[] = [];
    const inner = localBroker({ credentials: { github: { value: GITHUB_TOKEN } } });
    const broker: Broker = {
      kind: 'slow',
      acquire: async (r) => {
        await sleep(80);
        order.push('acquire');
        return inner.acquire(r);
      },
      revoke: async (l, r) => {
        order.push('revoke');
        await inner.revoke(l, r);
      },
      close: () => {
        order.push('broker.close');
        return Promise.resolve();
      },
    };
    const guard = createGuard({
      agent: { id: 'a' },
      broker,
      grants: { github: { scopes: ['issues:*'], maxTtl: '1m' } },
      audit: {
        sink: { write: () => undefined, close: () => (order.push('audit.close'), Promise.resolve()) },
      },
    });
    const pending = guard.withLease({ tool: 't', needs }, () => 1).catch(() => 'refused');
    await sleep(10);
    await guard.close();
    order.push('closed');
    expect(order).toEqual(['acquire', 'revoke', 'broker.close', 'audit.close', 'closed']);
    expect(await pending).toBe('refused');
  });

  it('a locked agent is refused also for a tool that needs no credential', async () => {
    const { guard } = testGuard();
    await guard.lock('review');
    await expect(guard.withLease({ tool: 'no_needs' }, () => 1)).rejects.toSatisfy(
      AgentLockedError.isInstance,
    );
  });

  it('locking revokes the leases other calls hold', async () => {
    const { guard, calls } = testGuard();
    const pending = guard.withLease({ tool: 't', needs }, async (lease) => {
      await sleep(80);
      return lease.active;
    });
    await sleep(20);
    await guard.lock('incident');
    expect(calls.revoke).toHaveLength(1);
    expect(await pending).toBe(false);
  });

  it('aborting one call does not touch another call that reuses its tool call id', async () => {
    const { guard } = testGuard();
    const controller = new AbortController();
    const a = guard.withLease({ tool: 't', needs, toolCallId: 'call_0', signal: controller.signal }, () =>
      sleep(200),
    );
    const b = guard.withLease({ tool: 't', needs, toolCallId: 'call_0' }, async (lease) => {
      await sleep(60);
      return lease.active;
    });
    await sleep(20);
    controller.abort();
    await a.catch(() => undefined);
    expect(await b).toBe(true);
  });
});

describe('many parallel calls of one step', () => {
  it('share the caller signal without piling listeners on it (no MaxListenersExceededWarning)', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const { guard } = testGuard();
      const step = new AbortController();
      await Promise.all(
        Array.from({ length: 25 }, (_, i) =>
          guard.withLease({ tool: 't', needs, signal: step.signal, timeout: '5s' }, () => i),
        ),
      );
      await sleep(10);
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('scopes and grants', () => {
  it('a mid-pattern wildcard does not accept dot segments from input', async () => {
    const { guard, calls } = testGuard();
    for (const repo of ['acme/../victim', 'acme/.', 'acme//x']) {
      const error = await guard
        .withLease(
          {
            tool: 't',
            needs: { credential: 'github', scopes: (i: { repo: string }) => [`repo:${i.repo}:read`] },
            input: { repo },
          },
          () => 1,
        )
        .catch((e: unknown) => e);
      expect(LeaseDeniedError.isInstance(error)).toBe(true);
    }
    expect(calls.acquire).toHaveLength(0);
  });

  it("changing the caller's config object after createGuard does not widen the guard", async () => {
    const grants = { github: { scopes: ['issues:read'], maxTtl: '1m', hosts: ['127.0.0.1'] } };
    const guard = createGuard({ agent: { id: 'a' }, broker: spyBroker().broker, grants });
    grants.github.scopes.push('admin:*');
    await expect(
      guard.withLease({ tool: 't', needs: { credential: 'github', scopes: ['admin:org'] } }, () => 1),
    ).rejects.toSatisfy(LeaseDeniedError.isInstance);
  });

  it("changing a tool's needs object after its first call does not widen what it asks for", async () => {
    const { guard, calls } = testGuard();
    const toolNeeds = { credential: 'github', scopes: ['issues:read'] };
    await guard.withLease({ tool: 't', needs: toolNeeds }, () => 1);
    toolNeeds.scopes.push('repo:acme/x:read');
    await guard.withLease({ tool: 't', needs: toolNeeds }, () => 1);
    expect(calls.acquire.map((r) => r.scopes)).toEqual([['issues:read'], ['issues:read']]);
  });

  it('a host pattern can name the default port', () => {
    expect(hostAllowed(['api.example.com:443'], new URL('https://api.example.com/x'))).toBe(true);
    expect(hostAllowed(['api.example.com:443'], new URL('https://api.example.com:8443/x'))).toBe(false);
  });

  it('a lease that expired leaves guard.leases() at once', async () => {
    const broker = localBroker({ credentials: { github: { mint: true } } });
    const guard = createGuard({
      agent: { id: 'a' },
      broker,
      grants: { github: { scopes: ['issues:*'], maxTtl: '1m' } },
    });
    await guard.withLease({ tool: 't', needs: { ...needs, ttl: '30ms' } }, async () => {
      await sleep(80);
      expect(guard.leases()).toEqual([]);
    });
  });
});
