import { InvalidConfigError } from '@agent-lease/core';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { setupTracing, type TracingSetup } from './setup-tracing.js';
import { CANARIES, canaryRedactor, leakedCanaries } from './test-fixtures.js';

let current: TracingSetup | undefined;
afterEach(async () => {
  await current?.shutdown();
  current = undefined;
});

describe('setupTracing', () => {
  it('registers a provider whose spans (any tracer) are scrubbed, with async context propagation', async () => {
    const exporter = new InMemorySpanExporter();
    current = setupTracing({ guard: canaryRedactor(), exporter, serviceName: 'svc', batch: false });
    await trace.getTracer('third-party').startActiveSpan('parent', async (parent) => {
      await new Promise((r) => setTimeout(r, 1));
      trace
        .getTracer('other')
        .startSpan('child', { attributes: { arg: CANARIES.github } })
        .end();
      parent.end();
    });
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(['child', 'parent']);
    // AsyncLocalStorage carried the parent across the await.
    expect(spans[0]!.parentSpanContext?.spanId).toBe(spans[1]!.spanContext().spanId);
    expect(spans[0]!.attributes['arg']).toBe('[REDACTED:github]');
    expect(spans[0]!.resource.attributes['service.name']).toBe('svc');
    expect(leakedCanaries(spans.map((s) => s.attributes))).toEqual([]);
  });

  it('shutdown removes the globals it registered, so a second setup works', async () => {
    const first = setupTracing({
      guard: canaryRedactor(),
      exporter: new InMemorySpanExporter(),
      serviceName: 's',
    });
    await first.shutdown();
    expect(trace.getTracer('x').startSpan('y').isRecording()).toBe(false);
    current = setupTracing({
      guard: canaryRedactor(),
      exporter: new InMemorySpanExporter(),
      serviceName: 's',
    });
    expect(trace.getTracer('x').startSpan('y').isRecording()).toBe(true);
  });

  it('refuses to run beside another global provider (its spans would escape the scrubber)', () => {
    trace.setGlobalTracerProvider(new BasicTracerProvider());
    try {
      expect(() =>
        setupTracing({ guard: canaryRedactor(), exporter: new InMemorySpanExporter(), serviceName: 's' }),
      ).toThrow(InvalidConfigError);
    } finally {
      trace.disable();
    }
  });

  it('register: false leaves the globals alone', async () => {
    const exporter = new InMemorySpanExporter();
    current = setupTracing({
      guard: canaryRedactor(),
      exporter,
      serviceName: 's',
      register: false,
      batch: false,
    });
    expect(trace.getTracer('x').startSpan('y').isRecording()).toBe(false);
    current.provider.getTracer('x').startSpan(`n ${CANARIES.quoted}`).end();
    await current.provider.forceFlush();
    expect(exporter.getFinishedSpans()[0]!.name).toBe('n [REDACTED:quoted]');
  });

  it('names every bad option', () => {
    let error: unknown;
    try {
      setupTracing({ guard: {} as never, exporter: {} as SpanExporter, serviceName: '' });
    } catch (e) {
      error = e;
    }
    expect(InvalidConfigError.isInstance(error)).toBe(true);
    expect((error as InvalidConfigError).issues.map((i) => i.split(':')[0])).toEqual([
      'guard',
      'exporter',
      'serviceName',
    ]);
  });
});
