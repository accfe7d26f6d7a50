import type { Link } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter, TimedEvent } from '@opentelemetry/sdk-trace-base';
import { toRedact, type Redact, type RedactSource } from './redact-source.js';
import { scrubAttributesCopy, scrubValue } from './scrub-attributes.js';
import { scrubResource, type Resource } from './scrubbed-resource.js';

type ExportCallback = Parameters<SpanExporter['export']>[1];
type Scope = ReadableSpan['instrumentationScope'];

/**
 * Wraps an exporter so it only ever receives scrubbed copies of the spans: the second layer behind
 * `RedactingSpanProcessor`, and the only one that reaches the resource (`process.command_args`, ...) and the
 * instrumentation scope. The originals are never modified (other processors may still hold them).
 *
 * Copies are built field by field: a `{ ...span }` spread loses `spanContext()` (a prototype method) and the
 * getters (`duration`, `ended`, `dropped*Count`), and the OTLP serializer then throws.
 * If scrubbing fails the batch is reported FAILED and nothing is exported (fail closed).
 */
export function redactingExporter(exporter: SpanExporter, guard: RedactSource): SpanExporter {
  if (typeof (exporter as Partial<SpanExporter> | undefined)?.export !== 'function') {
    throw new TypeError(
      'redactingExporter: expected a SpanExporter (an object with export(spans, callback))',
    );
  }
  const redact = toRedact(guard);
  const wrapped: SpanExporter = {
    export(spans: ReadableSpan[], resultCallback: ExportCallback): void {
      let copies: ReadableSpan[];
      try {
        // Registered values change between batches, so resources and scopes are cached per batch only. The
        // OTLP transformer groups spans by resource identity: one copy per original keeps the grouping.
        const resources = new Map<Resource, Resource>();
        const scopes = new Map<Scope, Scope>();
        copies = spans.map((span) => copySpan(redact, span, resources, scopes));
      } catch (error) {
        resultCallback({
          code: ExportResultCode.FAILED,
          error: new Error(
            `redactingExporter: scrubbing failed (${error instanceof Error ? error.name : typeof error}); batch dropped`,
          ),
        });
        return;
      }
      exporter.export(copies, resultCallback);
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
  return wrapped;
}

function copySpan(
  redact: Redact,
  span: ReadableSpan,
  resources: Map<Resource, Resource>,
  scopes: Map<Scope, Scope>,
): ReadableSpan {
  let resource = resources.get(span.resource);
  if (resource === undefined) {
    resource = scrubResource(redact, span.resource);
    resources.set(span.resource, resource);
  }
  let scope = scopes.get(span.instrumentationScope);
  if (scope === undefined) {
    scope = scrubScope(redact, span.instrumentationScope);
    scopes.set(span.instrumentationScope, scope);
  }
  const status =
    span.status.message === undefined
      ? span.status
      : { ...span.status, message: redact(span.status.message) };
  const spanContext = span.spanContext();
  const copy: ReadableSpan = {
    name: redact(span.name),
    kind: span.kind,
    spanContext: () => spanContext,
    ...(span.parentSpanContext !== undefined ? { parentSpanContext: span.parentSpanContext } : {}),
    startTime: span.startTime,
    endTime: span.endTime,
    status,
    attributes: scrubAttributesCopy(redact, span.attributes),
    links: span.links.map((link) => copyLink(redact, link)),
    events: span.events.map((event) => copyEvent(redact, event)),
    duration: span.duration,
    ended: span.ended,
    resource,
    instrumentationScope: scope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
  return copy;
}

function copyEvent(redact: Redact, event: TimedEvent): TimedEvent {
  const copy: TimedEvent = { time: event.time, name: redact(event.name) };
  if (event.attributes !== undefined) copy.attributes = scrubAttributesCopy(redact, event.attributes);
  if (event.droppedAttributesCount !== undefined) copy.droppedAttributesCount = event.droppedAttributesCount;
  return copy;
}

function copyLink(redact: Redact, link: Link): Link {
  const copy: Link = { context: link.context };
  if (link.attributes !== undefined) copy.attributes = scrubAttributesCopy(redact, link.attributes);
  if (link.droppedAttributesCount !== undefined) copy.droppedAttributesCount = link.droppedAttributesCount;
  return copy;
}

function scrubScope(redact: Redact, scope: Scope): Scope {
  const name = redact(scope.name);
  const version = scope.version === undefined ? undefined : scrubValue(redact, scope.version);
  if (name === scope.name && version === scope.version) return scope;
  return {
    name,
    ...(version !== undefined ? { version } : {}),
    ...(scope.schemaUrl !== undefined ? { schemaUrl: scope.schemaUrl } : {}),
  };
}
