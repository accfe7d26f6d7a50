import { InvalidConfigError } from '@agent-lease/core';
import { context, propagation, trace, type Attributes } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type BufferConfig,
  type Sampler,
  type SpanExporter,
  type SpanLimits,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { redactingExporter } from './redacting-exporter.js';
import { RedactingSpanProcessor } from './redacting-span-processor.js';
import type { RedactSource } from './redact-source.js';

export interface SetupTracingOptions {
  /** The guard (or redactor) whose registered values and rules are scrubbed. */
  guard: RedactSource;
  /** Where spans go, e.g. an OTLP exporter. It is wrapped in `redactingExporter`. */
  exporter: SpanExporter;
  /** `service.name` of the resource. */
  serviceName: string;
  serviceVersion?: string;
  /** Extra resource attributes (merged over the SDK's default resource; scrubbed on export). */
  resourceAttributes?: Attributes;
  /** E.g. `{ attributeValueLengthLimit: 4096 }`. A value cut by the limit is still redacted (truncated tail). */
  spanLimits?: SpanLimits;
  sampler?: Sampler;
  /** BatchSpanProcessor settings, or `false` for a SimpleSpanProcessor (tests, short scripts). */
  batch?: BufferConfig | false;
  /**
   * Your own processors. They run before the redacting processor's `onEnding`, so anything they add is still
   * scrubbed, and (as every `onEnding` runs before any `onEnd`) processors that export in `onEnd` see scrubbed
   * spans.
   */
  spanProcessors?: SpanProcessor[];
  /**
   * Register globally (default true): tracer provider, AsyncLocalStorage context manager, W3C trace-context and
   * baggage propagators. With false, pass `provider` to whatever should trace (e.g. the guard's
   * `telemetry.tracerProvider`).
   */
  register?: boolean;
}

export interface TracingSetup {
  provider: BasicTracerProvider;
  /** Flushes and shuts the provider down, then removes the globals this call registered. */
  shutdown(): Promise<void>;
}

/**
 * One call for a Node app: a tracer provider whose spans are scrubbed twice, in the order that matters:
 * `[...spanProcessors, RedactingSpanProcessor(guard), BatchSpanProcessor(redactingExporter(exporter, guard))]`.
 *
 * Uses `BasicTracerProvider` plus the AsyncLocalStorage context manager and W3C propagators, which is what
 * `NodeTracerProvider.register()` sets up; sdk-trace-node pins an exact sdk-trace-base version and would add a
 * second SDK copy next to the app's.
 */
export function setupTracing(options: SetupTracingOptions): TracingSetup {
  const issues: string[] = [];
  const o = options as Partial<SetupTracingOptions> | undefined;
  if (typeof o?.guard?.redact !== 'function') issues.push('guard: expected a Guard or a Redactor');
  if (typeof o?.exporter?.export !== 'function') issues.push('exporter: expected a SpanExporter');
  if (typeof o?.serviceName !== 'string' || o.serviceName === '')
    issues.push('serviceName: expected a non-empty string');
  if (issues.length > 0) throw new InvalidConfigError(issues, 'setupTracing options');

  const resource = defaultResource().merge(
    resourceFromAttributes({
      ...(options.resourceAttributes ?? {}),
      'service.name': options.serviceName,
      ...(options.serviceVersion !== undefined ? { 'service.version': options.serviceVersion } : {}),
    }),
  );
  const exporter = redactingExporter(options.exporter, options.guard);
  const exporting =
    options.batch === false
      ? new SimpleSpanProcessor(exporter)
      : new BatchSpanProcessor(exporter, options.batch);
  const provider = new BasicTracerProvider({
    resource,
    ...(options.spanLimits ? { spanLimits: options.spanLimits } : {}),
    ...(options.sampler ? { sampler: options.sampler } : {}),
    spanProcessors: [...(options.spanProcessors ?? []), new RedactingSpanProcessor(options.guard), exporting],
  });

  const undo: (() => void)[] = [];
  if (options.register !== false) {
    if (!trace.setGlobalTracerProvider(provider)) {
      void provider.shutdown();
      // Spans from trace.getTracer() would go to the other provider, unscrubbed by this setup.
      throw new InvalidConfigError(
        [
          'a global tracer provider is already registered: add RedactingSpanProcessor to it, ' +
            'or pass register: false and use the returned provider',
        ],
        'setupTracing options',
      );
    }
    undo.push(() => {
      trace.disable();
    });
    const contextManager = new AsyncLocalStorageContextManager().enable();
    if (context.setGlobalContextManager(contextManager)) {
      undo.push(() => {
        context.disable();
      });
    } else {
      contextManager.disable();
    }
    const propagator = new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    });
    if (propagation.setGlobalPropagator(propagator)) {
      undo.push(() => {
        propagation.disable();
      });
    }
  }

  let done: Promise<void> | undefined;
  return {
    provider,
    shutdown() {
      done ??= provider.shutdown().finally(() => {
        for (const u of undo.reverse()) u();
      });
      return done;
    },
  };
}
