/**
 * Faults and load (issue 9): 10,000 guarded calls at concurrency 100 with ~10% each of injected broker faults,
 * aborts, timeouts and throwing tool bodies. Afterwards: no live lease in the guard or at the broker, every issued
 * lease revoked exactly once, heap back to its starting level. The same against the Vault test server (a real
 * broker-side count of child tokens), and fail-closed audit: a failing sink denies every affected call.
 */
import { spawn } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  AuditUnavailableError,
  createGuard,
  memoryAudit,
  type AuditEvent,
  type AuditSink,
} from '@agent-lease/core';
import { vaultBroker } from '@agent-lease/vault';
import { createManualClock, startVaultServer, type FaultRule, type VaultServer } from '@agent-lease/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countingBroker, lifecycleViolations } from './support/counting-broker.js';
import { fateOf, runLoad } from './support/load-driver.js';

const CALLS = Number(process.env.LOAD_SUITE_CALLS ?? 10_000);
const VAULT_CALLS = Number(process.env.LOAD_SUITE_VAULT_CALLS ?? 2_000);
const CONCURRENCY = 100;

// A real full GC without --expose-gc on the command line.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs node with args; kills it after `ms` (a hung child is a failed check, never a hung suite). */
function runChild(args: string[], ms: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => {
      out += `\n[killed after ${ms} ms]`;
      child.kill('SIGKILL');
    }, ms);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

async function settledHeap(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc();
    await sleep(20);
  }
  return process.memoryUsage().heapUsed;
}

function loadGuard(
  broker: ReturnType<typeof countingBroker>,
  audit: AuditSink = memoryAudit({ capacity: 1000 }),
  grace = '10m',
) {
  return createGuard({
    agent: { id: 'load' },
    broker,
    grants: { svc: { scopes: ['load:*'], maxTtl: '1m' } },
    audit: { sink: audit },
    // Values stay registered this long after revocation: the in-process run checks lifecycles with every value
    // still registered; the child-process run below uses a short grace and measures the heap.
    redaction: { grace },
  });
}

describe('lease lifecycle under load and faults', () => {
  it(`${CALLS} calls, concurrency ${CONCURRENCY}: every fate as expected, nothing live, each lease revoked once`, async () => {
    const broker = countingBroker({ latencyMs: (id) => Number(id.split('-')[2]) % 3 });
    const guard = loadGuard(broker);
    const inject = (id: string) => broker.failFor.add(id);
    // Warm-up (JIT, caches, the audit ring fills to capacity), then the baseline.
    await runLoad(guard, {
      calls: 2_000,
      concurrency: CONCURRENCY,
      seed: 1,
      offset: 0,
      injectBrokerFault: inject,
    });
    await broker.idle();
    await sleep(150);
    const heapBefore = await settledHeap();

    const result = await runLoad(guard, {
      calls: CALLS,
      concurrency: CONCURRENCY,
      seed: 2,
      offset: 1,
      injectBrokerFault: inject,
    });
    await broker.idle(); // acquires an abort left behind finish, and the guard revokes what they return
    const violations = lifecycleViolations(broker, guard);
    await sleep(400); // the bodies of timed-out calls keep running for a while
    const heapAfter = await settledHeap();

    // Within the grace every value stays registered with the redactor: that, and nothing else, may remain.
    const growth = heapAfter - heapBefore;
    console.log(
      `[security-faults] ${CALLS} calls at concurrency ${CONCURRENCY} in ${(result.elapsedMs / 1000).toFixed(1)} s; ` +
        `fates ${JSON.stringify(result.fates)}; peak live leases ${result.peakLive}; ` +
        `issued ${broker.counts.issued} (with warm-up), heap ${(heapBefore / 2 ** 20).toFixed(1)} -> ` +
        `${(heapAfter / 2 ** 20).toFixed(1)} MiB (${(growth / 1024).toFixed(0)} KiB, ${(growth / CALLS).toFixed(1)} B/call)`,
    );
    expect(result.mismatches).toEqual([]);
    for (const fate of ['broker-fault', 'abort', 'timeout', 'throw'] as const) {
      expect(result.fates[fate] / CALLS).toBeGreaterThan(0.08);
    }
    expect(result.peakLive).toBeGreaterThan(10); // the load really overlapped
    expect(violations).toEqual([]);
    // The heap is only reported here: within the grace every value stays registered on purpose. "Back to its
    // starting level" is asserted in the child-process run below.
    await guard.close();
  }, 120_000);

  it('with a short redaction grace the same load completes and the heap returns to its start', async () => {
    // In a child process, so a hang (the redactor's head index once looped on out-of-order removals) fails the
    // test instead of the run, and the heap is measured after forced collections.
    const { code, out } = await runChild(
      ['--import', 'tsx', 'test/support/load-child.ts', String(CALLS)],
      60_000,
    );
    expect(code, out).toBe(0);
    expect(out).toMatch(/growth-bytes-per-call (\d+)/);
    expect(Number(/growth-bytes-per-call (\d+)/.exec(out)?.[1])).toBeLessThan(100);
  }, 90_000);

  it('deliberate break: a broker wrapper that skips one revoke fails the lifecycle check', async () => {
    const broker = countingBroker({ dropRevokeOfLease: 17 });
    const guard = loadGuard(broker);
    await runLoad(guard, {
      calls: 300,
      concurrency: 20,
      seed: 3,
      injectBrokerFault: (id) => broker.failFor.add(id),
    });
    await broker.idle();
    expect(lifecycleViolations(broker, guard)).toEqual(['broker still has 1 live lease(s)']);
    await guard.close();
  });

  it('deliberate break: a guard never closed while a call is stuck leaves a live lease, and the check sees it', async () => {
    const broker = countingBroker();
    const guard = loadGuard(broker);
    let release!: () => void;
    const stuck = guard.withLease(
      { tool: 't', needs: { credential: 'svc', scopes: ['load:x'] } },
      () => new Promise<void>((r) => (release = r)),
    );
    await sleep(5);
    expect(lifecycleViolations(broker, guard)).toEqual([
      'guard still holds 1 live lease(s)',
      'broker still has 1 live lease(s)',
    ]);
    release();
    await stuck;
    expect(lifecycleViolations(broker, guard)).toEqual([]);
    await guard.close();
  });
});

describe('fail-closed audit', () => {
  const needs = { credential: 'svc', scopes: ['load:x'] };

  it('a sink that always fails denies 100% of calls, before the broker is asked', async () => {
    const broker = countingBroker();
    const guard = loadGuard(broker, { write: () => Promise.reject(new Error('disk full')) });
    let ran = 0;
    const outcomes = await Promise.allSettled(
      Array.from({ length: 1000 }, (_, i) =>
        guard.withLease({ tool: 't', needs, toolCallId: `a-${i}` }, () => ran++),
      ),
    );
    expect(
      outcomes.filter((o) => o.status === 'rejected' && AuditUnavailableError.isInstance(o.reason)),
    ).toHaveLength(1000);
    expect(ran).toBe(0);
    expect(broker.counts.issued).toBe(0);
    await guard.close();
  });

  it('a sink that fails on lease.granted: every call denied, every lease revoked exactly once', async () => {
    const broker = countingBroker();
    const guard = loadGuard(broker, {
      write: (e: AuditEvent) => (e.type === 'lease.granted' ? Promise.reject(new Error('503')) : undefined),
    });
    let ran = 0;
    const outcomes = await Promise.allSettled(
      Array.from({ length: 1000 }, (_, i) =>
        guard.withLease({ tool: 't', needs, toolCallId: `g-${i}` }, () => ran++),
      ),
    );
    expect(outcomes.every((o) => o.status === 'rejected' && AuditUnavailableError.isInstance(o.reason))).toBe(
      true,
    );
    expect(ran).toBe(0);
    expect(broker.counts.issued).toBe(1000);
    expect(lifecycleViolations(broker, guard)).toEqual([]);
    await guard.close();
  });

  it('a sink that fails 10% of writes at random: exactly the calls that lost a record are denied', async () => {
    const broker = countingBroker();
    const lost = new Set<string>();
    let n = 0;
    const guard = loadGuard(broker, {
      write(e: AuditEvent) {
        const fail =
          (e.type === 'lease.requested' || e.type === 'lease.granted') && fateOf(n++, 9) === 'broker-fault';
        if (fail) {
          lost.add(e.toolCallId ?? '');
          throw new Error('sink timeout');
        }
      },
    });
    const ran = new Set<string>();
    const outcomes = await Promise.all(
      Array.from({ length: 2000 }, (_, i) =>
        guard
          .withLease({ tool: 't', needs, toolCallId: `r-${i}` }, () => ran.add(`r-${i}`))
          .then(
            () => ['ok', `r-${i}`] as const,
            (e: unknown) => [AuditUnavailableError.isInstance(e) ? 'denied' : 'other', `r-${i}`] as const,
          ),
      ),
    );
    const denied = new Set(outcomes.filter(([o]) => o === 'denied').map(([, id]) => id));
    expect(outcomes.filter(([o]) => o === 'other')).toEqual([]);
    expect(lost.size).toBeGreaterThan(100);
    expect([...lost].sort()).toEqual([...denied].sort()); // 100% of affected calls denied, no other call
    expect([...ran].filter((id) => lost.has(id))).toEqual([]);
    expect(lifecycleViolations(broker, guard)).toEqual([]);
    await guard.close();
  });
});

describe('the Vault test server as broker: a real broker-side count', () => {
  let server: VaultServer;
  const clock = createManualClock(Date.now());
  let brokerToken = '';
  const role = 'agent-lease-load';

  async function vault(method: string, path: string, body?: unknown, token = server.rootToken) {
    const res = await fetch(`${server.url}/v1/${path}`, {
      method,
      headers: { 'x-vault-token': token, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    if (res.status >= 300) throw new Error(`provisioning ${method} ${path} answered ${res.status}`);
    const text = await res.text();
    return (text === '' ? {} : JSON.parse(text)) as { auth?: { client_token: string } };
  }

  beforeAll(async () => {
    server = await startVaultServer({ clock, seed: 7 });
    await vault('PUT', 'sys/policies/acl/broker', {
      policy: `path "auth/token/create/${role}" { capabilities = ["update"] }\npath "auth/token/create" { capabilities = ["update"] }`,
    });
    await vault('PUT', 'sys/policies/acl/tool-kv', {
      policy: 'path "secret/data/load/svc" { capabilities = ["read"] }',
    });
    await vault('POST', `auth/token/roles/${role}`, {
      allowed_policies: ['tool-kv'],
      orphan: false,
      renewable: false,
      token_explicit_max_ttl: '10m',
    });
    await vault('POST', 'secret/data/load/svc', { data: { token: 'vault-kv-value-Load7Tq2Wm9Zx4' } });
    brokerToken = (await vault('POST', 'auth/token/create', { policies: ['broker'], ttl: '24h' })).auth!
      .client_token;
  });
  afterAll(async () => {
    await server.close();
  });

  it(`${VAULT_CALLS} calls with 10% faults on acquire and revoke paths leave no child token behind`, async () => {
    const onAcquire = (r: { path: string }) =>
      r.path.startsWith('auth/token/create/') || r.path.startsWith('secret/data/');
    const onRevoke = (r: { path: string }) => r.path === 'auth/token/revoke-self';
    const mix: [FaultRule['fault'], number, 'before' | 'after'][] = [
      [{ kind: 'status', status: 500 }, 0.03, 'before'],
      [{ kind: 'status', status: 503 }, 0.03, 'before'],
      [{ kind: 'status', status: 429, retryAfterSeconds: 0 }, 0.02, 'before'],
      [{ kind: 'reset' }, 0.015, 'before'],
      [{ kind: 'reset' }, 0.01, 'after'],
    ];
    for (const match of [onAcquire, onRevoke])
      for (const [fault, fraction, phase] of mix) server.faults.inject({ fault, fraction, phase, match });

    const broker = vaultBroker({
      endpoint: server.url,
      auth: { token: brokerToken },
      tokenRole: role,
      credentials: { svc: { kv: { path: 'load/svc', field: 'token', policies: ['tool-kv'] } } },
      retry: { maxAttempts: 3, baseDelayMs: 2, maxDelayMs: 10, maxRetryAfterMs: 1000 },
      circuitBreaker: { failureThreshold: 50, cooldownMs: 20 },
    });
    const guard = createGuard({
      agent: { id: 'load-vault' },
      broker,
      grants: { svc: { scopes: ['load:*'], maxTtl: '1m' } },
      audit: { sink: memoryAudit({ capacity: 1000 }) },
    });
    const result = await runLoad(guard, { calls: VAULT_CALLS, concurrency: CONCURRENCY, seed: 5 });
    expect(guard.leases()).toEqual([]);
    await guard.close(); // waits for the broker's revocation queue

    const childTokens = () => server.liveTokens().filter((t) => t.meta?.lease_id !== undefined);
    const log = server.requestLog;
    const faulted = log.filter((e) => e.fault !== undefined).length;
    // A token whose create response was lost ('after' fault) exists only on the server, and so does one whose
    // create the broker aborted when its call was aborted or timed out. Both are children of the broker's parent
    // token, which close() revokes: none may be left at close, with no clock advance.
    const lostCreates = log.filter(
      (e) => e.path.startsWith('auth/token/create/') && e.faultPhase === 'after',
    ).length;
    const liveAtClose = childTokens().length;
    const tokensAtClose = server.stats().tokens; // 1 = the broker's own token
    console.log(
      `[security-faults] vault: ${VAULT_CALLS} calls in ${(result.elapsedMs / 1000).toFixed(1)} s, fates ${JSON.stringify(result.fates)}, ` +
        `${log.length} requests (${faulted} faulted, lost creates ${lostCreates}), live child tokens after close ${liveAtClose}, ` +
        `live tokens other than the broker's ${tokensAtClose - 1}`,
    );
    expect(faulted / log.length).toBeGreaterThan(0.05);
    expect(lostCreates).toBeGreaterThan(0);
    // Every call's own fate held, except that any call may meet a server fault (BROKER_UNAVAILABLE) and the
    // broker-fault fate is not injected here (the server's faults are random).
    expect(
      result.mismatches.filter((m) => !m.endsWith(':BROKER_UNAVAILABLE') && !m.includes(':broker-fault:')),
    ).toEqual([]);
    expect(liveAtClose).toBe(0);
    expect(tokensAtClose).toBe(1);
    expect(server.liveLeases()).toEqual([]);
  }, 120_000);
});
