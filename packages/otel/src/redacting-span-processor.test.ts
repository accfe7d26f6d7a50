import { SpanStatusCode, trace, type Link } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanLimits,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { REDACTION_FAILED } from './redact-source.js';
import { RedactingSpanProcessor } from './redacting-span-processor.js';
import { ATTR_REDACTION_FAILED } from './semconv.js';
import { CANARIES, canaryRedactor, leakedCanaries } from './test-fixtures.js';

const C = CANARIES;
const providers: BasicTracerProvider[] = [];
afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.shutdown()));
});

function setup(order: (exporting: SpanProcessor) => SpanProcessor[], spanLimits?: SpanLimits) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: order(new SimpleSpanProcessor(exporter)),
    ...(spanLimits ? { spanLimits } : {}),
  });
  providers.push(provider);
  return { exporter, tracer: provider.getTracer('third-party-lib') };
}

/** A span with a canary in every place a span holds text. */
function leakySpan(tracer: ReturnType<BasicTracerProvider['getTracer']>): void {
  const link: Link = {
    context: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 },
    attributes: { 'link.note': `from ${C.github}` },
  };
  const span = tracer.startSpan(`execute_tool ${C.quoted}`, {
    attributes: { 'gen_ai.tool.call.arguments': JSON.stringify({ token: C.quoted }) },
    links: [link],
  });
  span.setAttribute(`header.${C.github}`, 'value-behind-a-secret-key');
  span.setAttribute('args', ['--verbose', `--token=${C.github}`]);
  span.setAttribute('count', 3);
  span.addEvent(`retry ${C.github}`, { 'http.url': `https://x.test/?key=${encodeURIComponent(C.quoted)}` });
  span.recordException(new Error(`vault said no to ${C.exception}`));
  span.addLink({ ...link, attributes: { 'later.link': C.exception } });
  span.setStatus({ code: SpanStatusCode.ERROR, message: `failed with ${C.exception}` });
  span.end();
}

function dump(spans: readonly ReadableSpan[]) {
  return spans.map((s) => ({
    name: s.name,
    attributes: s.attributes,
    events: s.events,
    links: s.links.map((l) => l.attributes),
    status: s.status,
  }));
}

describe('RedactingSpanProcessor', () => {
  it('control: without it every canary in the span reaches the exporter', () => {
    const { exporter, tracer } = setup((exp) => [exp]);
    leakySpan(tracer);
    expect(leakedCanaries(dump(exporter.getFinishedSpans()))).toEqual(['exception', 'github', 'quoted']);
  });

  it.each([
    ['registered last', (exp: SpanProcessor, p: SpanProcessor) => [exp, p]],
    ['registered first', (exp: SpanProcessor, p: SpanProcessor) => [p, exp]],
  ])('scrubs name, attribute keys/values, arrays, events, exceptions, links and status (%s)', (_, order) => {
    const { exporter, tracer } = setup((exp) => order(exp, new RedactingSpanProcessor(canaryRedactor())));
    leakySpan(tracer);
    const [span] = exporter.getFinishedSpans();
    expect(leakedCanaries(dump(exporter.getFinishedSpans()))).toEqual([]);
    // The content is still there, with placeholders: the processor redacts, it does not drop.
    expect(span!.name).toBe('execute_tool [REDACTED:quoted]');
    expect(span!.attributes['header.[REDACTED:github]']).toBe('value-behind-a-secret-key');
    expect(span!.attributes['args']).toEqual(['--verbose', '--token=[REDACTED:github]']);
    expect(span!.attributes['count']).toBe(3);
    expect(span!.events.map((e) => e.name)).toEqual(['retry [REDACTED:github]', 'exception']);
    expect(span!.events[1]!.attributes!['exception.message']).toBe('vault said no to [REDACTED:exception]');
    expect(String(span!.events[1]!.attributes!['exception.stacktrace'])).toContain('[REDACTED:exception]');
    expect(span!.links.map((l) => l.attributes)).toEqual([
      { 'link.note': 'from [REDACTED:github]' },
      { 'later.link': '[REDACTED:exception]' },
    ]);
    expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'failed with [REDACTED:exception]' });
  });

  it('redacts a value cut by the attribute length limit (truncated tail)', () => {
    const { exporter, tracer } = setup((exp) => [exp, new RedactingSpanProcessor(canaryRedactor())], {
      attributeValueLengthLimit: 30,
    });
    const span = tracer.startSpan('call');
    // 'Authorization: Bearer ' is 22 characters: the limit keeps 8 characters of the canary.
    span.setAttribute('http.request.header', `Authorization: Bearer ${C.truncated}`);
    span.end();
    const attrs = exporter.getFinishedSpans()[0]!.attributes;
    expect(attrs['http.request.header']).toBe('Authorization: Bearer [REDACTED:truncated]');
    expect(leakedCanaries(attrs)).toEqual([]);
  });

  it('leaves a clean span untouched', () => {
    const { exporter, tracer } = setup((exp) => [exp, new RedactingSpanProcessor(canaryRedactor())]);
    const arr = ['a', 'b'];
    tracer.startSpan('clean', { attributes: { k: 'v', arr, n: 1 } }).end();
    const span = exporter.getFinishedSpans()[0]!;
    expect(span.name).toBe('clean');
    expect(span.attributes).toEqual({ k: 'v', arr: ['a', 'b'], n: 1 });
  });

  it('scrubs each span once when the SDK calls onEnding (onEnd does not scrub again)', () => {
    const seen: string[] = [];
    const p = new RedactingSpanProcessor({
      redact: (text: string) => {
        seen.push(text);
        return text;
      },
    });
    const { tracer } = setup((exp) => [p, exp]);
    tracer.startSpan('first').end();
    tracer.startSpan('second').end();
    expect(seen).toEqual(['first', 'second']);
  });

  describe('onEnd fallback (an SDK that never calls onEnding)', () => {
    // The same processor without its onEnding method: what an SDK older than 2.3.0 sees.
    const withoutOnEnding = (p: RedactingSpanProcessor): SpanProcessor => ({
      onStart: (s, c) => {
        p.onStart(s, c);
      },
      onEnd: (s) => {
        p.onEnd(s);
      },
      forceFlush: () => p.forceFlush(),
      shutdown: () => p.shutdown(),
    });

    it('scrubs in onEnd when registered first', () => {
      const p = withoutOnEnding(new RedactingSpanProcessor(canaryRedactor()));
      const { exporter, tracer } = setup((exp) => [p, exp]);
      leakySpan(tracer);
      expect(leakedCanaries(dump(exporter.getFinishedSpans()))).toEqual([]);
      expect(exporter.getFinishedSpans()[0]!.name).toBe('execute_tool [REDACTED:quoted]');
    });

    it('cannot protect a processor registered before it (why the docs say "first")', () => {
      const p = withoutOnEnding(new RedactingSpanProcessor(canaryRedactor()));
      const exporter = new InMemorySpanExporter();
      // A processor that serializes in onEnd, as SimpleSpanProcessor's exporter does.
      const seen: string[] = [];
      const snapshot: SpanProcessor = {
        onStart: () => undefined,
        onEnd: (s) => seen.push(JSON.stringify(dump([s]))),
        forceFlush: () => Promise.resolve(),
        shutdown: () => Promise.resolve(),
      };
      const provider = new BasicTracerProvider({
        spanProcessors: [snapshot, p, new SimpleSpanProcessor(exporter)],
      });
      providers.push(provider);
      leakySpan(provider.getTracer('x'));
      expect(leakedCanaries(seen.join('\n'))).not.toEqual([]);
      expect(leakedCanaries(dump(exporter.getFinishedSpans()))).toEqual([]);
    });
  });

  it('never throws into span.end(): a failing redactor replaces the content (fail closed)', () => {
    const broken = {
      redact: (text: string): string => {
        if (text.includes('boom')) throw new Error(`redactor broke on ${C.github}`);
        return text;
      },
    };
    const { exporter, tracer } = setup((exp) => [exp, new RedactingSpanProcessor(broken)]);
    const span = tracer.startSpan('boom span', { attributes: { secret: C.github, arr: [C.quoted] } });
    span.addEvent('e', { v: C.github });
    span.setStatus({ code: SpanStatusCode.ERROR, message: C.exception });
    expect(() => {
      span.end();
    }).not.toThrow();
    const out = exporter.getFinishedSpans()[0]!;
    expect(out.name).toBe(REDACTION_FAILED);
    expect(out.attributes).toEqual({ [ATTR_REDACTION_FAILED]: true });
    expect(out.events).toEqual([]);
    expect(out.status.message).toBe(REDACTION_FAILED);
    expect(leakedCanaries(dump([out]))).toEqual([]);
  });

  it('covers spans of every tracer on the provider, including through the global API', () => {
    const { exporter } = setup((exp) => [exp, new RedactingSpanProcessor(canaryRedactor())]);
    const provider = providers.at(-1)!;
    trace.setGlobalTracerProvider(provider);
    try {
      trace.getTracer('some-instrumentation').startActiveSpan('op', (span) => {
        span.setAttribute('gen_ai.input.messages', JSON.stringify([{ role: 'user', content: C.quoted }]));
        span.end();
      });
    } finally {
      trace.disable();
    }
    expect(exporter.getFinishedSpans()).toHaveLength(1);
    expect(leakedCanaries(dump(exporter.getFinishedSpans()))).toEqual([]);
  });
});
