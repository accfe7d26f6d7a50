import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLeakScanner } from '@agent-lease/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callbackAudit, memoryAudit } from './audit/sinks.js';
import type { AuditEvent } from './audit/types.js';
import { localBroker } from './broker/local-broker.js';
import type { Broker } from './broker/types.js';
import {
  AgentLeaseError,
  AgentLockedError,
  AuditUnavailableError,
  BrokerUnavailableError,
  GuardClosedError,
  HostNotAllowedError,
  LeaseAbortedError,
  LeaseDeniedError,
  LeaseTimeoutError,
  NoActiveLeaseError,
} from './errors.js';
import { createGuard } from './guard.js';
import { currentLease } from './lease-context.js';
import { GITHUB_TOKEN, sleep, spyBroker, testGuard } from './test-utils.js';

const needs = { credential: 'github', scopes: ['issues:write'], ttl: '60s' };
const scanner = createLeakScanner({ github: GITHUB_TOKEN });

describe('grants: denial happens before the broker is asked', () => {
  const denied: [string, Record<string, unknown>, unknown, string][] = [
    [
      'a scope outside the grant',
      { credential: 'github', scopes: ['issues:delete', 'admin:org'] },
      {},
      'scope admin:org is not granted',
    ],
    [
      'a credential with no grant',
      { credential: 'aws', scopes: ['s3:read'] },
      {},
      'no grant for this credential',
    ],
    [
      'a ttl above maxTtl',
      { credential: 'github', scopes: ['issues:read'], ttl: '10m' },
      {},
      "ttl 10m exceeds the grant's maxTtl 5m",
    ],
    [
      'a scope function widened by input',
      { credential: 'github', scopes: (i: { repo: string }) => [`repo:${i.repo}:read`] },
      { repo: 'evil/x' },
      'scope repo:evil/x:read is not granted',
    ],
    [
      'input that turns into a wildcard',
      { credential: 'github', scopes: (i: { repo: string }) => [`repo:${i.repo}:read`] },
      { repo: 'acme/*' },
      'the tool input produced an invalid scope',
    ],
    [
      'input that crosses a segment',
      { credential: 'github', scopes: (i: { repo: string }) => [`repo:${i.repo}:read`] },
      { repo: 'acme/x:write' },
      'scope repo:acme/x:write:read is not granted',
    ],
    [
      'a scope function that throws',
      {
        credential: 'github',
        scopes: () => {
          throw new Error('boom');
        },
      },
      {},
      'the tool input did not produce valid scopes',
    ],
    [
      'a scope function returning a non-string',
      { credential: 'github', scopes: () => [42] },
      {},
      'the tool input produced an invalid scope',
    ],
    [
      'a scope function returning nothing',
      { credential: 'github', scopes: () => [] },
      {},
      'the tool input did not produce valid scopes',
    ],
  ];

  it.each(denied)('denies %s', async (_name, toolNeeds, input, reason) => {
    const { guard, calls, audit } = testGuard();
    let ran = false;
    const error: unknown = await guard
      .withLease({ tool: 'create_issue', needs: toolNeeds as never, input }, () => {
        ran = true;
      })
      .catch((e: unknown) => e);
    expect(LeaseDeniedError.isInstance(error)).toBe(true);
    expect((error as LeaseDeniedError).reason).toBe(reason);
    expect(ran).toBe(false);
    expect(calls.acquire).toHaveLength(0);
    expect(audit.events().map((e) => e.type)).toEqual(['lease.denied']);
    expect(guard.leases()).toEqual([]);
  });

  it('grants a scope inside a mid-pattern wildcard, and the scopes reach the broker', async () => {
    const { guard, calls } = testGuard();
    await guard.withLease(
      {
        tool: 'read_repo',
        needs: { credential: 'github', scopes: (i: { repo: string }) => [`repo:${i.repo}:read`] },
        input: { repo: 'acme/widgets' },
      },
      () => 'ok',
    );
    expect(calls.acquire[0]?.scopes).toEqual(['repo:acme/widgets:read']);
    expect(calls.acquire[0]?.ttlMs).toBe(5 * 60_000);
  });

  it('rejects needs that name a credential without a grant when a tool is wrapped', () => {
    const { guard } = testGuard();
    expect(() => guard.checkNeeds('t', { credential: 'aws', scopes: ['x'] })).toThrow(
      'needs of tool t is invalid:\n  - credential: "aws" has no grant for agent support-bot',
    );
    expect(() => guard.checkNeeds('t', { credential: 'github', scopes: ['issues:*'] })).toThrow(
      'scopes: "issues:*" must be a literal scope; wildcards belong in grants',
    );
  });
});

describe('lease lifecycle: revoked exactly once, whatever the call does', () => {
  it('on return: lease live during the call, revoked once after', async () => {
    const { guard, calls } = testGuard();
    const out = await guard.withLease({ tool: 'create_issue', needs, toolCallId: 'call-1' }, (lease) => {
      expect(guard.leases()).toHaveLength(1);
      expect(lease.active).toBe(true);
      expect(currentLease('github')).toBe(lease);
      expect(currentLease()).toBe(lease);
      return 42;
    });
    expect(out).toBe(42);
    expect(calls.revoke).toHaveLength(1);
    expect(guard.leases()).toEqual([]);
  });

  it('on throw: the error propagates, revoked once', async () => {
    const { guard, calls } = testGuard();
    await expect(
      guard.withLease({ tool: 'create_issue', needs }, () => {
        throw new Error('tool failed');
      }),
    ).rejects.toThrow('tool failed');
    expect(calls.revoke).toHaveLength(1);
    expect(guard.leases()).toEqual([]);
  });

  it('on abort: the call rejects at once with LeaseAbortedError and the lease is revoked while the body still runs', async () => {
    const { guard, calls } = testGuard();
    const controller = new AbortController();
    let held: { active: boolean } | undefined;
    const pending = guard.withLease({ tool: 'slow', needs, signal: controller.signal }, async (lease) => {
      held = lease;
      await sleep(200);
      return 'late';
    });
    await sleep(20);
    controller.abort();
    await expect(pending).rejects.toSatisfy(LeaseAbortedError.isInstance);
    expect(held?.active).toBe(false);
    expect(calls.revoke).toHaveLength(1);
    expect(guard.leases()).toEqual([]);
    await sleep(250);
    expect(calls.revoke).toHaveLength(1);
  });

  it('on an already aborted signal: no lease is acquired', async () => {
    const { guard, calls } = testGuard();
    const controller = new AbortController();
    controller.abort();
    await expect(guard.withLease({ tool: 't', needs, signal: controller.signal }, () => 1)).rejects.toSatisfy(
      LeaseAbortedError.isInstance,
    );
    expect(calls.acquire).toHaveLength(0);
  });

  it('on timeout: LeaseTimeoutError, revoked once', async () => {
    const { guard, calls } = testGuard({ timeout: '50ms' });
    await expect(
      guard.withLease({ tool: 'slow', needs }, async () => {
        await sleep(300);
      }),
    ).rejects.toSatisfy(LeaseTimeoutError.isInstance);
    expect(calls.revoke).toHaveLength(1);
    expect(guard.leases()).toEqual([]);
  });

  it('when the broker answers after the call was aborted, the late lease is revoked', async () => {
    const slow = localBroker({ credentials: { github: { value: GITHUB_TOKEN } } });
    const { broker, calls } = spyBroker({
      ...slow,
      kind: slow.kind,
      acquire: async (r) => {
        await sleep(100);
        return slow.acquire(r);
      },
      revoke: (l, r) => slow.revoke(l, r),
    });
    const guard = createGuard({
      agent: { id: 'a' },
      broker,
      grants: { github: { scopes: ['issues:*'], maxTtl: '5m' } },
    });
    const controller = new AbortController();
    const pending = guard.withLease({ tool: 't', needs, signal: controller.signal }, () => 1);
    await sleep(10);
    controller.abort();
    await expect(pending).rejects.toSatisfy(LeaseAbortedError.isInstance);
    await sleep(150);
    expect(calls.acquire).toHaveLength(1);
    expect(calls.revoke).toHaveLength(1);
    expect(guard.leases()).toEqual([]);
  });

  it('several needs: one lease each, all revoked, currentLease needs the name', async () => {
    const broker = localBroker({
      credentials: { github: { value: GITHUB_TOKEN }, db: { value: 'db-password-123456' } },
    });
    const { broker: spy, calls } = spyBroker(broker);
    const guard = createGuard({
      agent: { id: 'a' },
      broker: spy,
      grants: {
        github: { scopes: ['issues:*'], maxTtl: '5m' },
        db: { scopes: ['orders:read'], maxTtl: '1m' },
      },
    });
    await guard.withLease(
      { tool: 'sync', needs: [needs, { credential: 'db', scopes: ['orders:read'] }] },
      (_l, all) => {
        expect([...all.keys()]).toEqual(['github', 'db']);
        expect(() => currentLease()).toThrow(NoActiveLeaseError);
        expect(currentLease('db').credential).toBe('db');
      },
    );
    expect(calls.revoke.map((r) => r.credential).sort()).toEqual(['db', 'github']);
  });

  it('when the second lease is denied, the first is revoked', async () => {
    const { guard, calls } = testGuard();
    await expect(
      guard.withLease(
        { tool: 't', needs: [needs, { credential: 'github', scopes: ['admin:org'] }] },
        () => 1,
      ),
    ).rejects.toSatisfy(LeaseDeniedError.isInstance);
    expect(calls.acquire).toHaveLength(1);
    expect(calls.revoke).toHaveLength(1);
  });

  it('a lease cannot be used after its call ended', async () => {
    const { guard } = testGuard();
    const lease = await guard.withLease({ tool: 't', needs }, (l) => l);
    expect(() => lease.reveal()).toThrow(NoActiveLeaseError);
    await expect(lease.fetch('http://127.0.0.1:1/')).rejects.toThrow(NoActiveLeaseError);
    expect(lease.signal.aborted).toBe(true);
  });

  it('currentLease outside a guarded call is a clear error', () => {
    expect(() => currentLease('github')).toThrow(
      'currentLease() found no lease: it was called outside a guarded tool call, or in a tool that declares no needs; wrap the tool with guardTools/guardTool or guard.withLease and declare the credential in its needs',
    );
  });

  it('close() revokes live leases and refuses new calls', async () => {
    const { guard, calls } = testGuard();
    const pending = guard.withLease({ tool: 't', needs }, async () => {
      await sleep(100);
    });
    await sleep(20);
    await guard.close();
    expect(calls.revoke).toHaveLength(1);
    expect(guard.leases()).toEqual([]);
    // The call in flight is ended with the guard.
    await expect(pending).rejects.toSatisfy(GuardClosedError.isInstance);
    expect(calls.revoke).toHaveLength(1);
    await expect(guard.withLease({ tool: 't', needs }, () => 1)).rejects.toSatisfy(
      GuardClosedError.isInstance,
    );
  });

  it('a broker failure becomes BrokerUnavailableError without the upstream text', async () => {
    const broken: Broker = {
      kind: 'test',
      acquire: () => Promise.reject(new Error(`connect ECONNREFUSED token=${GITHUB_TOKEN}`)),
      revoke: () => Promise.resolve(),
    };
    const guard = createGuard({
      agent: { id: 'a' },
      broker: broken,
      grants: { github: { scopes: ['issues:*'], maxTtl: '1m' } },
    });
    const error = await guard.withLease({ tool: 't', needs }, () => 1).catch((e: unknown) => e);
    expect(BrokerUnavailableError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe('credential github: the test broker could not issue a lease');
    expect(scanner.scan((error as Error).message, 'error')).toEqual([]);
  });
});

describe('renewal', () => {
  it('renews a renewable lease while a long call runs', async () => {
    const { guard, calls, audit } = testGuard();
    const expiries: number[] = [];
    await guard.withLease({ tool: 'long', needs: { ...needs, ttl: '150ms' } }, async (lease) => {
      expiries.push(lease.expiresAt);
      await sleep(400);
      expiries.push(lease.expiresAt);
      expect(lease.active).toBe(true);
      lease.reveal();
    });
    expect(calls.renew.length).toBeGreaterThanOrEqual(2);
    expect(expiries[1]).toBeGreaterThan(expiries[0]! + 200);
    expect(audit.events().filter((e) => e.type === 'lease.renewed').length).toBe(calls.renew.length);
  });

  it('a non-renewable lease expires mid-call: the body can no longer use it', async () => {
    const broker = localBroker({ credentials: { github: { mint: true } } });
    const audit = memoryAudit();
    const guard = createGuard({
      agent: { id: 'a' },
      broker,
      grants: { github: { scopes: ['issues:*'], maxTtl: '5m' } },
      audit: { sink: audit },
    });
    await guard.withLease({ tool: 'long', needs: { ...needs, ttl: '100ms' } }, async (lease) => {
      await sleep(200);
      expect(lease.active).toBe(false);
      expect(() => lease.reveal()).toThrow('lease for github has expired');
    });
    expect(audit.events().map((e) => e.type)).toContain('lease.expired');
  });
});

describe('redaction hook', () => {
  it('redacts the leased value from the result and from errors, and keeps it registered for the grace period', async () => {
    const { guard } = testGuard({ redaction: { grace: '100ms' } });
    const out = await guard.withLease({ tool: 't', needs }, (lease) => ({
      echoed: `token=${lease.reveal()}`,
    }));
    expect(scanner.scan(JSON.stringify(out), 'result')).toEqual([]);
    expect(out.echoed).toContain('[REDACTED:github]');
    const error = await guard
      .withLease({ tool: 't', needs }, (lease) => {
        throw new Error(`upstream said ${lease.reveal()}`);
      })
      .catch((e: unknown) => e as Error);
    expect(scanner.scan(`${error.message}\n${error.stack ?? ''}`, 'error')).toEqual([]);
    expect(guard.redact(`late echo ${GITHUB_TOKEN}`)).toBe('late echo [REDACTED:github]');
    await sleep(150);
    // Unregistered: the known-value placeholder is gone (the built-in rules may still catch the token's shape).
    expect(guard.redact(`after grace ${GITHUB_TOKEN}`)).not.toContain('[REDACTED:github]');
  });

  it('describeError gives a short redacted message without a stack', async () => {
    const { guard } = testGuard();
    await guard.withLease({ tool: 't', needs }, (lease) => {
      const msg = guard.describeError(
        new Error(`bad token ${lease.reveal()}\n    at somewhere (file.js:1:1)`),
      );
      expect(msg).toBe('Error: bad token [REDACTED:github]');
    });
    expect(guard.describeError(new LeaseDeniedError('github', 'scope issues:delete is not granted'))).toBe(
      'credential github: scope issues:delete is not granted',
    );
  });
});

describe('audit', () => {
  it('records requested, granted, revealed and revoked with fingerprints, never the value', async () => {
    const { guard, audit } = testGuard();
    await guard.withLease(
      { tool: 'create_issue', needs, toolCallId: 'c1' },
      (lease) => lease.reveal().length,
    );
    const events = audit.events();
    expect(events.map((e) => e.type)).toEqual([
      'lease.requested',
      'lease.granted',
      'lease.revealed',
      'lease.revoked',
    ]);
    for (const e of events) {
      expect(e.agent).toEqual({ id: 'support-bot', name: 'Support bot' });
      expect(e.tool).toBe('create_issue');
      expect(e.toolCallId).toBe('c1');
      expect(e.credential).toBe('github');
      expect(e.leaseId).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    }
    expect(events[1]?.valueFingerprint).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(new Set(events.map((e) => e.leaseId)).size).toBe(1);
    expect(scanner.scan(JSON.stringify(events), 'audit')).toEqual([]);
  });

  it('fail-closed: a sink that cannot record the grant denies the call and revokes the lease', async () => {
    const { broker, calls } = spyBroker();
    const sink = callbackAudit((e: AuditEvent) => {
      if (e.type === 'lease.granted') throw new Error('disk full');
    });
    const guard = createGuard({
      agent: { id: 'a' },
      broker,
      grants: { github: { scopes: ['issues:*'], maxTtl: '1m' } },
      audit: { sink },
    });
    let ran = false;
    const error = await guard.withLease({ tool: 't', needs }, () => (ran = true)).catch((e: unknown) => e);
    expect(AuditUnavailableError.isInstance(error)).toBe(true);
    expect(ran).toBe(false);
    expect(calls.acquire).toHaveLength(1);
    expect(calls.revoke).toHaveLength(1);
    expect(guard.leases()).toEqual([]);
  });

  it('fail-closed: an async sink rejection on the request denies before the broker is asked', async () => {
    const { broker, calls } = spyBroker();
    const sink = callbackAudit(() => Promise.reject(new Error('SIEM down')));
    const guard = createGuard({
      agent: { id: 'a' },
      broker,
      grants: { github: { scopes: ['issues:*'], maxTtl: '1m' } },
      audit: { sink },
    });
    await expect(guard.withLease({ tool: 't', needs }, () => 1)).rejects.toSatisfy(
      AuditUnavailableError.isInstance,
    );
    expect(calls.acquire).toHaveLength(0);
  });

  it('failClosed: false lets the call proceed when the sink fails', async () => {
    const { broker } = spyBroker();
    const sink = callbackAudit(() => {
      throw new Error('disk full');
    });
    const guard = createGuard({
      agent: { id: 'a' },
      broker,
      grants: { github: { scopes: ['issues:*'], maxTtl: '1m' } },
      audit: { sink, failClosed: false },
    });
    await expect(guard.withLease({ tool: 't', needs }, () => 7)).resolves.toBe(7);
  });
});

describe('monitor: lock and unlock', () => {
  it('locks the agent on a burst; every later call is refused until unlock', async () => {
    const { guard, calls, audit } = testGuard({ monitor: { maxLeasesPerMinute: 3, onAnomaly: 'lock' } });
    for (let i = 0; i < 3; i++) await guard.withLease({ tool: 't', needs }, () => i);
    const error = await guard.withLease({ tool: 't', needs }, () => 4).catch((e: unknown) => e);
    expect(AgentLockedError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(
      'agent support-bot is locked: more than 3 leases per minute; an operator must unlock it',
    );
    expect(await guard.isLocked()).toBe(true);
    await expect(guard.withLease({ tool: 'other', needs }, () => 5)).rejects.toSatisfy(
      AgentLockedError.isInstance,
    );
    expect(calls.acquire).toHaveLength(3);
    await guard.unlock();
    expect(await guard.isLocked()).toBe(false);
    const types = audit.events().map((e) => e.type);
    expect(types).toContain('agent.locked');
    expect(types).toContain('agent.unlocked');
  });

  it('alert mode records the anomaly and lets the call through', async () => {
    const { guard, audit } = testGuard({ monitor: { maxLeasesPerMinute: 1, onAnomaly: 'alert' } });
    await guard.withLease({ tool: 't', needs }, () => 1);
    await expect(guard.withLease({ tool: 't', needs }, () => 2)).resolves.toBe(2);
    expect(audit.events().some((e) => e.outcome === 'anomaly' && e.reason === 'agent_rate')).toBe(true);
  });

  it('after warm-up, a never-seen credential locks the agent', async () => {
    const broker = localBroker({
      credentials: { github: { value: GITHUB_TOKEN }, aws: { value: 'aws-secret-1234567890' } },
    });
    const guard = createGuard({
      agent: { id: 'a' },
      broker,
      grants: { github: { scopes: ['issues:*'], maxTtl: '1m' }, aws: { scopes: ['s3:*'], maxTtl: '1m' } },
      monitor: { baseline: { warmup: 5 } },
    });
    for (let i = 0; i < 5; i++) await guard.withLease({ tool: 't', needs }, () => i);
    const error = await guard
      .withLease({ tool: 'exfil', needs: { credential: 'aws', scopes: ['s3:read'] } }, () => 1)
      .catch((e: unknown) => e);
    expect(AgentLockedError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('credential aws was never used before by this agent');
  });

  it('guard.lock() refuses calls until unlock', async () => {
    const { guard, calls } = testGuard();
    await guard.lock('operator review');
    await expect(guard.withLease({ tool: 't', needs }, () => 1)).rejects.toThrow(
      'agent support-bot is locked: operator review; an operator must unlock it',
    );
    expect(calls.acquire).toHaveLength(0);
    await guard.unlock();
    await expect(guard.withLease({ tool: 't', needs }, () => 1)).resolves.toBe(1);
  });
});

describe('lease.fetch: host allowlist and redirects', () => {
  let a: Server;
  let b: Server;
  let portA = 0;
  let portB = 0;
  const seen: { server: string; path: string; headers: IncomingHttpHeaders; url: string }[] = [];
  beforeAll(async () => {
    const listen = (name: string, handler: (path: string) => { status: number; location?: string }) => {
      const server = createServer((req, res) => {
        seen.push({ server: name, path: req.url ?? '', headers: req.headers, url: req.url ?? '' });
        const { status, location } = handler(req.url ?? '');
        res.writeHead(status, location ? { location } : {});
        res.end(name);
      });
      return new Promise<Server>((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
    };
    a = await listen('a', (path) => {
      if (path.startsWith('/to-b')) return { status: 302, location: `http://localhost:${portB}/landing` };
      if (path.startsWith('/same')) return { status: 307, location: '/final' };
      return { status: 200 };
    });
    b = await listen('b', () => ({ status: 200 }));
    portA = (a.address() as AddressInfo).port;
    portB = (b.address() as AddressInfo).port;
  });
  afterAll(() => {
    a.close();
    b.close();
  });

  it('injects the credential for a granted host', async () => {
    seen.length = 0;
    const { guard, audit } = testGuard();
    const res = await guard.withLease({ tool: 't', needs }, () =>
      currentLease('github').fetch(`http://127.0.0.1:${portA}/ok`),
    );
    expect(res.status).toBe(200);
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${GITHUB_TOKEN}`);
    expect(
      audit.events().some((e) => e.type === 'lease.used' && e.detail?.host === `127.0.0.1:${portA}`),
    ).toBe(true);
  });

  it('refuses a host that is not granted, sends nothing, and audits it', async () => {
    seen.length = 0;
    const { guard, audit } = testGuard();
    const error = await guard
      .withLease({ tool: 't', needs }, () => currentLease('github').fetch(`http://localhost:${portB}/steal`))
      .catch((e: unknown) => e);
    expect(HostNotAllowedError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(`credential github: host localhost:${portB} is not granted`);
    expect(seen).toHaveLength(0);
    expect(audit.events().some((e) => e.type === 'lease.host_blocked')).toBe(true);
  });

  it('refuses plain http to a non-loopback host even when it is granted', async () => {
    const guard = createGuard({
      agent: { id: 'a' },
      broker: localBroker({ credentials: { github: { value: GITHUB_TOKEN } } }),
      grants: { github: { scopes: ['issues:*'], maxTtl: '1m', hosts: ['api.github.com'] } },
    });
    await expect(
      guard.withLease({ tool: 't', needs }, () => currentLease().fetch('http://api.github.com/user')),
    ).rejects.toSatisfy(HostNotAllowedError.isInstance);
  });

  it('never forwards the credential across a redirect to another host, even a granted one', async () => {
    seen.length = 0;
    const { guard } = testGuard({
      grants: { github: { scopes: ['issues:*'], maxTtl: '5m', hosts: ['127.0.0.1', 'localhost'] } },
    });
    // The body is read inside the call: when the lease ends, its requests are aborted with it.
    const body = await guard.withLease({ tool: 't', needs }, async () => {
      const res = await currentLease('github').fetch(`http://127.0.0.1:${portA}/to-b`, {
        headers: { cookie: 'session=1' },
      });
      return res.text();
    });
    expect(body).toBe('b');
    expect(seen.map((s) => s.server)).toEqual(['a', 'b']);
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${GITHUB_TOKEN}`);
    expect(seen[1]?.headers.authorization).toBeUndefined();
    expect(seen[1]?.headers.cookie).toBeUndefined();
    expect(scanner.scan(JSON.stringify(seen[1]), 'redirect target')).toEqual([]);
  });

  it('keeps the credential on a same-host redirect', async () => {
    seen.length = 0;
    const { guard } = testGuard();
    await guard.withLease({ tool: 't', needs }, () =>
      currentLease('github').fetch(`http://127.0.0.1:${portA}/same`),
    );
    expect(seen.map((s) => s.path)).toEqual(['/same', '/final']);
    expect(seen[1]?.headers.authorization).toBe(`Bearer ${GITHUB_TOKEN}`);
  });

  it('injects as a query parameter, basic auth or a custom header as configured', async () => {
    const cases = [
      {
        inject: { type: 'query' as const, param: 'key' },
        check: (s: (typeof seen)[number]) => s.url.includes(`key=${GITHUB_TOKEN}`),
      },
      {
        inject: { type: 'basic' as const, username: 'bot' },
        check: (s: (typeof seen)[number]) =>
          s.headers.authorization === `Basic ${Buffer.from(`bot:${GITHUB_TOKEN}`).toString('base64')}`,
      },
      {
        inject: { type: 'header' as const, name: 'X-Api-Key', prefix: 'Token ' },
        check: (s: (typeof seen)[number]) => s.headers['x-api-key'] === `Token ${GITHUB_TOKEN}`,
      },
    ];
    for (const { inject, check } of cases) {
      seen.length = 0;
      const guard = createGuard({
        agent: { id: 'a' },
        broker: localBroker({ credentials: { github: { value: GITHUB_TOKEN, inject } } }),
        grants: { github: { scopes: ['issues:*'], maxTtl: '1m', hosts: ['127.0.0.1'] } },
      });
      await guard.withLease({ tool: 't', needs }, () => currentLease().fetch(`http://127.0.0.1:${portA}/x`));
      expect(check(seen[0]!)).toBe(true);
    }
  });
});

describe('errors', () => {
  it('are recognised by marker and carry a stable code', () => {
    const errors: [AgentLeaseError, string][] = [
      [new LeaseDeniedError('github', 'x'), 'LEASE_DENIED'],
      [new AgentLockedError('a', 'x'), 'AGENT_LOCKED'],
      [new HostNotAllowedError('github', 'evil.com'), 'HOST_NOT_ALLOWED'],
      [new BrokerUnavailableError('x'), 'BROKER_UNAVAILABLE'],
      [new AuditUnavailableError(), 'AUDIT_UNAVAILABLE'],
    ];
    for (const [error, code] of errors) {
      expect(error.code).toBe(code);
      expect(AgentLeaseError.isInstance(error)).toBe(true);
      // Any error with the same code but without the marker is not ours.
      expect(AgentLeaseError.isInstance(Object.assign(new Error('x'), { code }))).toBe(false);
    }
    expect(LeaseDeniedError.isInstance(new AgentLockedError('a', 'x'))).toBe(false);
    expect(AgentLockedError.isInstance(new AgentLockedError('a', 'x'))).toBe(true);
  });
});
