import { createLeakScanner } from '@agent-lease/testing';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { AgentLockedError, LeaseDeniedError } from '../errors.js';
import { GITHUB_TOKEN, testGuard } from '../test-utils.js';

function setup(monitor?: { maxLeasesPerMinute: number }) {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    exportIntervalMillis: 60_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const { guard } = testGuard({
    telemetry: { tracerProvider, meterProvider },
    ...(monitor ? { monitor } : {}),
  });
  const metrics = async () => {
    await meterProvider.forceFlush();
    const out = new Map<string, number>();
    for (const rm of metricExporter.getMetrics())
      for (const sm of rm.scopeMetrics)
        for (const m of sm.metrics)
          for (const dp of m.dataPoints) {
            const v = typeof dp.value === 'number' ? dp.value : (dp.value as { count: number }).count;
            out.set(m.descriptor.name, v);
          }
    return out;
  };
  return { guard, spans, metrics };
}

const needs = { credential: 'github', scopes: ['issues:write'], ttl: '60s' };

describe('telemetry', () => {
  it('emits an execute_tool span with acquire and revoke children, GenAI names and fingerprinted ids', async () => {
    const { guard, spans } = setup();
    await guard.withLease({ tool: 'create_issue', needs, toolCallId: 'call-9' }, (lease) => lease.reveal());
    const finished = spans.getFinishedSpans();
    const byName = new Map(finished.map((s) => [s.name, s]));
    const tool = byName.get('execute_tool create_issue')!;
    const acquire = byName.get('agent_lease.acquire github')!;
    const revoke = byName.get('agent_lease.revoke github')!;
    expect(tool.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'create_issue',
      'gen_ai.tool.call.id': 'call-9',
      'gen_ai.agent.id': 'support-bot',
      'gen_ai.agent.name': 'Support bot',
    });
    expect(acquire.parentSpanContext?.spanId).toBe(tool.spanContext().spanId);
    expect(revoke.parentSpanContext?.spanId).toBe(tool.spanContext().spanId);
    expect(acquire.attributes).toMatchObject({
      'agent_lease.credential': 'github',
      'agent_lease.scopes': ['issues:write'],
      'agent_lease.ttl_ms': 60_000,
      'agent_lease.outcome': 'granted',
      'agent_lease.broker': 'local',
      'gen_ai.agent.id': 'support-bot',
    });
    expect(String(acquire.attributes['agent_lease.lease.id'])).toMatch(/^hmac-sha256:/);
    expect(revoke.attributes['agent_lease.outcome']).toBe('ok');
    const wire = JSON.stringify(
      finished.map((s) => ({ n: s.name, a: s.attributes, e: s.events, st: s.status })),
    );
    expect(createLeakScanner({ github: GITHUB_TOKEN }).scan(wire, 'spans')).toEqual([]);
  });

  it("adds to the framework's execute_tool span of the same call instead of nesting a second one", async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    try {
      const { guard, spans } = setup();
      // The framework (e.g. @ai-sdk/otel) has its own tracer and runs the tool inside its execute_tool span.
      const framework = new BasicTracerProvider({
        spanProcessors: [new SimpleSpanProcessor(spans)],
      }).getTracer('framework');
      const frameworkSpan = (callId: string) =>
        framework.startSpan('execute_tool create_issue', {
          attributes: {
            'gen_ai.operation.name': 'execute_tool',
            'gen_ai.tool.name': 'create_issue',
            'gen_ai.tool.call.id': callId,
          },
        });
      const inside = <T>(span: ReturnType<typeof frameworkSpan>, run: () => Promise<T>) =>
        context.with(trace.setSpan(context.active(), span), run);

      const ok = frameworkSpan('call-9');
      await inside(ok, () => guard.withLease({ tool: 'create_issue', needs, toolCallId: 'call-9' }, () => 1));
      // The guard does not end a span it did not start.
      expect(spans.getFinishedSpans().map((s) => s.name)).toEqual([
        'agent_lease.acquire github',
        'agent_lease.revoke github',
      ]);
      ok.end();
      const denied = frameworkSpan('call-10');
      await expect(
        inside(denied, () =>
          guard.withLease(
            {
              tool: 'create_issue',
              needs: { credential: 'github', scopes: ['admin:org'] },
              toolCallId: 'call-10',
            },
            () => 1,
          ),
        ),
      ).rejects.toSatisfy(LeaseDeniedError.isInstance);
      denied.end();
      // Another call's span is only a parent: the guard makes this call's own execute_tool span under it.
      const other = frameworkSpan('call-11');
      await inside(other, () =>
        guard.withLease({ tool: 'create_issue', needs, toolCallId: 'call-12' }, () => 1),
      );
      other.end();

      const finished = spans.getFinishedSpans();
      const toolSpans = finished.filter((s) => s.name.startsWith('execute_tool'));
      expect(toolSpans.map((s) => s.attributes['gen_ai.tool.call.id'])).toEqual([
        'call-9',
        'call-10',
        'call-12',
        'call-11',
      ]);
      const [adopted, adoptedDenied, own] = toolSpans;
      expect(adopted!.attributes).toMatchObject({
        'gen_ai.agent.id': 'support-bot',
        'gen_ai.agent.name': 'Support bot',
      });
      const acquires = finished.filter((s) => s.name === 'agent_lease.acquire github');
      expect(acquires.map((s) => s.parentSpanContext?.spanId)).toEqual([
        adopted!.spanContext().spanId,
        own!.spanContext().spanId,
      ]);
      expect(adoptedDenied!.attributes['error.type']).toBe('LEASE_DENIED');
      expect(adoptedDenied!.status.code).toBe(2);
      expect(own!.parentSpanContext?.spanId).toBe(toolSpans[3]!.spanContext().spanId);
      await guard.close();
    } finally {
      context.disable();
    }
  });

  it('records a denial as a span event, error status and error.type', async () => {
    const { guard, spans } = setup();
    await expect(
      guard.withLease(
        { tool: 'delete_repo', needs: { credential: 'github', scopes: ['admin:org'] } },
        () => 1,
      ),
    ).rejects.toSatisfy(LeaseDeniedError.isInstance);
    const tool = spans.getFinishedSpans().find((s) => s.name === 'execute_tool delete_repo')!;
    expect(tool.status).toEqual({ code: 2, message: 'credential github: scope admin:org is not granted' });
    expect(tool.attributes['error.type']).toBe('LEASE_DENIED');
    expect(tool.events.map((e) => [e.name, e.attributes?.['agent_lease.reason']])).toEqual([
      ['agent_lease.lease.denied', 'scope admin:org is not granted'],
    ]);
  });

  it('records a lock as a span event', async () => {
    const { guard, spans } = setup({ maxLeasesPerMinute: 1 });
    await guard.withLease({ tool: 't', needs }, () => 1);
    await expect(guard.withLease({ tool: 't', needs }, () => 1)).rejects.toSatisfy(
      AgentLockedError.isInstance,
    );
    const names = spans.getFinishedSpans().flatMap((s) => s.events.map((e) => e.name));
    expect(names).toContain('agent_lease.agent.locked');
  });

  it('counts granted, denied and revoked leases, live leases and acquire latency', async () => {
    const { guard, metrics } = setup();
    await guard.withLease({ tool: 't', needs }, () => 1);
    await guard.withLease({ tool: 't', needs }, () => 1);
    await guard
      .withLease({ tool: 't', needs: { credential: 'github', scopes: ['nope'] } }, () => 1)
      .catch(() => undefined);
    const m = await metrics();
    expect(m.get('agent_lease.leases.granted')).toBe(2);
    expect(m.get('agent_lease.leases.denied')).toBe(1);
    expect(m.get('agent_lease.leases.revoked')).toBe(2);
    expect(m.get('agent_lease.leases.active')).toBe(0);
    expect(m.get('agent_lease.acquire.duration')).toBe(2);
  });
});
