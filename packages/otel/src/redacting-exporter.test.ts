import { SpanStatusCode } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { redactingExporter } from './redacting-exporter.js';
import { CANARIES, canaryRedactor, leakedCanaries } from './test-fixtures.js';

const C = CANARIES;

function dump(spans: readonly ReadableSpan[]) {
  return spans.map((s) => ({
    name: s.name,
    attributes: s.attributes,
    events: s.events,
    links: s.links.map((l) => l.attributes),
    status: s.status,
    resource: s.resource.attributes,
    scope: s.instrumentationScope,
  }));
}

async function run(wrap: (e: InMemorySpanExporter) => SpanExporter) {
  const originals = new InMemorySpanExporter();
  const scrubbed = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'svc',
      'process.command_args': ['node', 'app.js', `--token=${C.cli}`],
    }),
    spanProcessors: [new SimpleSpanProcessor(originals), new SimpleSpanProcessor(wrap(scrubbed))],
  });
  const tracer = provider.getTracer(`lib-${C.github}`);
  const parent = tracer.startSpan(`chat ${C.quoted}`, { attributes: { prompt: C.quoted, list: [C.github] } });
  parent.addEvent(`evt ${C.github}`, { detail: C.github });
  parent.addLink({
    context: parent.spanContext(),
    attributes: { why: C.exception },
  });
  parent.recordException(new Error(`boom ${C.exception}`));
  parent.setStatus({ code: SpanStatusCode.ERROR, message: C.exception });
  parent.end();
  tracer.startSpan('second').end();
  await provider.forceFlush();
  // InMemorySpanExporter.shutdown() empties it: take the spans first.
  const out = { originals: originals.getFinishedSpans(), scrubbed: scrubbed.getFinishedSpans() };
  await provider.shutdown();
  return out;
}

describe('redactingExporter', () => {
  it('control: the unwrapped exporter receives every canary, resource and scope included', async () => {
    const { scrubbed } = await run((e) => e);
    expect(leakedCanaries(dump(scrubbed))).toEqual(['cli', 'exception', 'github', 'quoted']);
  });

  it('hands the exporter scrubbed copies and leaves the originals alone', async () => {
    const { originals, scrubbed } = await run((e) => redactingExporter(e, canaryRedactor()));
    expect(leakedCanaries(dump(scrubbed))).toEqual([]);
    // Other processors still see their own, untouched spans.
    expect(leakedCanaries(dump(originals))).toEqual(['cli', 'exception', 'github', 'quoted']);
    const [copy] = scrubbed;
    expect(copy!.name).toBe('chat [REDACTED:quoted]');
    expect(copy!.resource.attributes['process.command_args']).toEqual([
      'node',
      'app.js',
      '--token=[REDACTED:cli]',
    ]);
    expect(copy!.resource.attributes['service.name']).toBe('svc');
    expect(copy!.instrumentationScope.name).toBe('lib-[REDACTED:github]');
    expect(copy!.events[1]!.attributes!['exception.message']).toBe('boom [REDACTED:exception]');
    expect(copy!.status).toEqual({ code: SpanStatusCode.ERROR, message: '[REDACTED:exception]' });
  });

  it('copies every field a serializer reads (a spread would lose spanContext() and the getters)', async () => {
    const { originals, scrubbed } = await run((e) => redactingExporter(e, canaryRedactor()));
    const [orig, copy] = [originals[0]!, scrubbed[0]!];
    expect(copy.spanContext()).toEqual(orig.spanContext());
    expect(copy.parentSpanContext).toEqual(orig.parentSpanContext);
    for (const k of ['kind', 'startTime', 'endTime', 'duration', 'ended'] as const)
      expect(copy[k]).toEqual(orig[k]);
    for (const k of ['droppedAttributesCount', 'droppedEventsCount', 'droppedLinksCount'] as const)
      expect(copy[k]).toBe(orig[k]);
    expect(copy.links[0]!.context).toEqual(orig.links[0]!.context);
    expect(copy.events.map((e) => e.time)).toEqual(orig.events.map((e) => e.time));
  });

  it('keeps one resource copy per original resource in a batch (OTLP groups by identity)', async () => {
    // SimpleSpanProcessor exports one span per call; hand both to one export call.
    const sink = new InMemorySpanExporter();
    const wrapped = redactingExporter(sink, canaryRedactor());
    const { originals } = await run((e) => e);
    await new Promise<ExportResult>((resolve) => {
      wrapped.export(originals, resolve);
    });
    const [a, b] = sink.getFinishedSpans();
    expect(a!.resource).not.toBe(originals[0]!.resource);
    expect(a!.resource).toBe(b!.resource);
  });

  it('reports FAILED and exports nothing when scrubbing throws (fail closed)', async () => {
    const { originals } = await run((e) => e);
    const sink = new InMemorySpanExporter();
    const broken = redactingExporter(sink, {
      redact: () => {
        throw new Error(C.github);
      },
    });
    const result = await new Promise<ExportResult>((resolve) => {
      broken.export(originals, resolve);
    });
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(leakedCanaries(String(result.error?.message))).toEqual([]);
    expect(sink.getFinishedSpans()).toEqual([]);
  });

  it('rejects something that is not an exporter', () => {
    expect(() => redactingExporter({} as SpanExporter, canaryRedactor())).toThrow(TypeError);
  });
});
