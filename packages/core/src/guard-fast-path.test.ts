// The guard's synchronous path through the embedded broker and the built-in stores must behave exactly like the
// asynchronous Broker / MonitorStore interfaces: same audit events in the same order, same spans, same errors.
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { callbackAudit, memoryAudit } from './audit/sinks.js';
import type { AuditEvent, AuditSink } from './audit/types.js';
import { localBroker, localFastPath } from './broker/local-broker.js';
import type { Broker } from './broker/types.js';
import { AgentLockedError } from './errors.js';
import { createGuard, type Guard } from './guard.js';
import { memoryMonitorStore } from './monitor/store.js';
import { GITHUB_TOKEN, sleep, spyBroker } from './test-utils.js';

const needs = { credential: 'github', scopes: ['issues:write'], ttl: '60s' };
const grants = { github: { scopes: ['issues:*'], maxTtl: '5m' } };

/** Runs the same calls against a guard; returns its audit trail and spans without ids and times. */
async function scenario(broker: Broker, sink: AuditSink = memoryAudit()) {
  const audit = memoryAudit();
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const guard = createGuard({
    agent: { id: 'bot' },
    broker,
    grants,
    audit: {
      sink: {
        write: (e) => {
          void audit.write(e);
          return sink.write(e);
        },
      },
    },
    telemetry: { tracerProvider },
  });
  const outcomes: string[] = [];
  const settle = (p: Promise<unknown>) =>
    p.then(
      (v) => outcomes.push(`ok ${JSON.stringify(v)}`),
      (e: unknown) => outcomes.push(`error ${(e as Error).name}: ${(e as Error).message}`),
    );
  await settle(guard.withLease({ tool: 'ok', needs, toolCallId: 'c1' }, (l) => l.reveal().length));
  await settle(
    guard.withLease({ tool: 'throws', needs, toolCallId: 'c2' }, () => {
      throw new Error(`boom ${GITHUB_TOKEN}`);
    }),
  );
  await settle(
    guard.withLease(
      { tool: 'denied', needs: { credential: 'github', scopes: ['repo:delete'] }, toolCallId: 'c3' },
      () => 1,
    ),
  );
  const aborting = new AbortController();
  await settle(
    guard.withLease({ tool: 'aborted', needs, toolCallId: 'c4', signal: aborting.signal }, async () => {
      aborting.abort(new Error('user left'));
      await sleep(5);
      return 'late';
    }),
  );
  await settle(guard.withLease({ tool: 'no-needs', toolCallId: 'c5' }, () => GITHUB_TOKEN));
  await guard.lock('manual');
  await settle(guard.withLease({ tool: 'locked', needs, toolCallId: 'c6' }, () => 1));
  await guard.unlock();
  const live = guard.leases();
  await guard.close();
  const events = audit.events().map(({ time: _t, leaseId, valueFingerprint, ...rest }: AuditEvent) => ({
    ...rest,
    hasLeaseId: leaseId !== undefined,
    hasValueFingerprint: valueFingerprint !== undefined,
  }));
  const strip = (s: ReadableSpan) => {
    const { 'agent_lease.lease.id': id, ...attributes } = s.attributes;
    return {
      name: s.name,
      attributes,
      hasLeaseId: id !== undefined,
      status: s.status,
      events: s.events.map((e) => ({ name: e.name, attributes: e.attributes })),
    };
  };
  const finished = spans.getFinishedSpans();
  const byId = new Map(finished.map((s) => [s.spanContext().spanId, s.name]));
  const tree = finished.map((s) => `${s.name} <- ${byId.get(s.parentSpanContext?.spanId ?? '') ?? 'root'}`);
  return { outcomes, events, spans: finished.map(strip), tree, live };
}

describe('embedded broker fast path', () => {
  afterEach(() => {
    context.disable();
  });

  it('is taken for a localBroker as made, and not for a copy or a broker whose acquire or revoke was replaced', () => {
    const broker = localBroker({ credentials: { github: { value: GITHUB_TOKEN } } });
    expect(localFastPath(broker)).toBeDefined();
    expect(localFastPath({ ...broker })).toBeUndefined();
    const patched = localBroker({ credentials: { github: { value: GITHUB_TOKEN } } });
    patched.revoke = () => Promise.resolve();
    expect(localFastPath(patched)).toBeUndefined();
  });

  it('writes the same audit events, spans, results and errors as the asynchronous broker interface', async () => {
    const fast = await scenario(localBroker({ credentials: { github: { value: GITHUB_TOKEN } } }));
    const slow = await scenario(spyBroker().broker);
    expect(fast.outcomes).toEqual(slow.outcomes);
    expect(fast.events).toEqual(slow.events);
    expect(fast.spans).toEqual(slow.spans);
    expect(fast.tree).toEqual(slow.tree);
    expect(fast.live).toEqual([]);
    // The scenario covers what it claims to: each call's events, in order.
    expect(fast.events.map((e) => `${e.toolCallId ?? ''} ${e.type} ${e.outcome}`)).toEqual([
      'c1 lease.requested ok',
      'c1 lease.granted ok',
      'c1 lease.revealed ok',
      'c1 lease.revoked ok',
      'c2 lease.requested ok',
      'c2 lease.granted ok',
      'c2 lease.revoked ok',
      'c3 lease.denied denied',
      'c4 lease.requested ok',
      'c4 lease.granted ok',
      'c4 lease.revoked aborted',
      ' agent.locked locked',
      'c6 lease.denied denied',
      ' agent.unlocked unlocked',
    ]);
    expect(fast.outcomes[1]).not.toContain(GITHUB_TOKEN);
    expect(fast.outcomes[4]).toBe('ok "[REDACTED:github]"');
  });

  it('fails closed the same way when the audit sink cannot record the grant, or the revoke', async () => {
    for (const failing of ['lease.granted', 'lease.revoked']) {
      const sink = () =>
        callbackAudit((e) => {
          if (e.type === failing) throw new Error('disk full');
        });
      const fast = await scenario(localBroker({ credentials: { github: { value: GITHUB_TOKEN } } }), sink());
      const slow = await scenario(spyBroker().broker, sink());
      expect(fast.outcomes).toEqual(slow.outcomes);
      expect(fast.events).toEqual(slow.events);
      expect(fast.tree).toEqual(slow.tree);
      expect(fast.live).toEqual([]);
    }
  });

  it('waits for an asynchronous audit sink before the call settles, as the slow path does', async () => {
    const order: string[] = [];
    const sink = callbackAudit(async (e) => {
      await sleep(5);
      order.push(e.type);
    });
    const guard = createGuard({
      agent: { id: 'bot' },
      broker: localBroker({ credentials: { github: { value: GITHUB_TOKEN } } }),
      grants,
      audit: { sink },
    });
    await guard.withLease({ tool: 't', needs }, () => order.push('body'));
    order.push('settled');
    expect(order).toEqual(['lease.requested', 'lease.granted', 'body', 'lease.revoked', 'settled']);
  });

  it('minted credentials still go through the asynchronous acquire, and their tokens are refused after the call', async () => {
    const broker = localBroker({ credentials: { github: { mint: true } } });
    const guard = createGuard({ agent: { id: 'bot' }, broker, grants });
    let token = '';
    await guard.withLease({ tool: 't', needs }, (l) => {
      token = l.reveal(); // the result itself is redacted; the test keeps the token aside
    });
    expect(token.split('.')).toHaveLength(3);
    await expect(broker.verifier.verify(token, { audience: 'agent-lease:github' })).rejects.toThrow(
      'lease token rejected: revoked',
    );
  });

  it('reads the lock of a memory store without a promise, but asks a store whose getLock was replaced', async () => {
    const store = memoryMonitorStore();
    let asked = 0;
    const getLock = store.getLock.bind(store);
    store.getLock = (id) => {
      asked++;
      return getLock(id);
    };
    const guard: Guard = createGuard({
      agent: { id: 'bot' },
      broker: localBroker({ credentials: { github: { value: GITHUB_TOKEN } } }),
      grants,
      monitor: { store },
    });
    await guard.withLease({ tool: 't', needs }, () => 1);
    expect(asked).toBeGreaterThan(0);
    await store.setLock('bot', { reason: 'elsewhere', since: 0 });
    await expect(guard.withLease({ tool: 't', needs }, () => 1)).rejects.toSatisfy(
      AgentLockedError.isInstance,
    );
  });

  it("renews in the call's OpenTelemetry context, as a timer started by the call did", async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const spans = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
    const inner = localBroker({ credentials: { github: { value: GITHUB_TOKEN } } });
    const activeAtRenew: (string | undefined)[] = [];
    const broker: Broker = {
      ...inner,
      renew: (lease, request, ttlMs) => {
        activeAtRenew.push(trace.getActiveSpan()?.spanContext().spanId);
        return inner.renew!(lease, request, ttlMs);
      },
    };
    const guard = createGuard({ agent: { id: 'bot' }, broker, grants, telemetry: { tracerProvider } });
    await guard.withLease({ tool: 'long', needs: { ...needs, ttl: '150ms' } }, () => sleep(250));
    const tool = spans.getFinishedSpans().find((s) => s.name === 'execute_tool long')!;
    expect(activeAtRenew.length).toBeGreaterThan(0);
    expect(new Set(activeAtRenew)).toEqual(new Set([tool.spanContext().spanId]));
    await guard.close();
  });
});
