import { diag, type Attributes, type Context, type Link, type SpanStatus } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor, TimedEvent } from '@opentelemetry/sdk-trace-base';
import { REDACTION_FAILED, toRedact, type Redact, type RedactSource } from './redact-source.js';
import { scrubAttributesInPlace } from './scrub-attributes.js';
import { ATTR_REDACTION_FAILED } from './semconv.js';

/** The fields the processor rewrites. `ReadableSpan` types them readonly; on the SDK's span they are plain fields. */
interface MutableSpan {
  name: string;
  status: SpanStatus;
  attributes: Attributes;
  events: TimedEvent[];
  links: Link[];
}

/**
 * Scrubs every registered value and rule match out of a span before any processor or exporter sees it: span
 * name, attribute keys and values (string arrays too), event names and attributes (`exception.message`,
 * `exception.stacktrace`), link attributes and the status message.
 *
 * It works in `onEnding` (sdk-trace-base >= 2.3.0), which the SDK runs for every processor before any `onEnd`,
 * so its position among exporting processors does not matter; register it after any other processor that adds
 * content in `onEnding`. On an SDK that never calls `onEnding` it scrubs in `onEnd` instead, which only protects
 * the processors registered after it: register it first. Give each tracer provider its own instance: which hook
 * scrubs is learned per instance.
 *
 * It writes the span's fields directly rather than through `setAttribute`/`setStatus`: one code path serves both
 * hooks, `setStatus` is ignored once the status is OK, and `setAttribute` cannot remove a key.
 * It never throws into `span.end()`: if scrubbing fails, the span's content is replaced by a marker.
 */
export class RedactingSpanProcessor implements SpanProcessor {
  private readonly redact: Redact;
  /**
   * Whether the SDK calls onEnding. An SDK that has it calls it for every span, before any onEnd of that span, so
   * one flag tells onEnd whether the span is already scrubbed. (A WeakSet of scrubbed spans added 0.5-1 µs per
   * span in the otel bench: every span became a weak entry for the GC to process.)
   */
  private sdkCallsOnEnding = false;
  private warnedFallback = false;

  constructor(guard: RedactSource) {
    this.redact = toRedact(guard);
  }

  onStart(_span: Span, _parentContext: Context): void {
    /* content is scrubbed once, at the end: attributes set later would escape a start-time pass anyway */
  }

  onEnding(span: Span): void {
    this.sdkCallsOnEnding = true;
    this.safeScrub(span);
  }

  onEnd(span: ReadableSpan): void {
    if (this.sdkCallsOnEnding) return;
    if (!this.warnedFallback) {
      this.warnedFallback = true;
      diag.warn(
        'RedactingSpanProcessor: the SDK did not call onEnding (sdk-trace-base < 2.3.0?); scrubbing in onEnd, ' +
          'which only protects processors registered after this one',
      );
    }
    this.safeScrub(span);
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  private safeScrub(span: MutableSpan): void {
    try {
      scrubSpan(this.redact, span);
    } catch (error) {
      failClosed(span, error);
    }
  }
}

export function scrubSpan(redact: Redact, span: MutableSpan): void {
  const name = redact(span.name);
  if (name !== span.name) span.name = name;
  scrubAttributesInPlace(redact, span.attributes);
  for (const event of span.events) {
    const eventName = redact(event.name);
    if (eventName !== event.name) event.name = eventName;
    scrubAttributesInPlace(redact, event.attributes);
  }
  for (const link of span.links) scrubAttributesInPlace(redact, link.attributes);
  const message = span.status.message;
  if (message !== undefined) {
    const clean = redact(message);
    if (clean !== message) span.status = { ...span.status, message: clean };
  }
}

/** Replaces everything that can hold text; logs only the error's class name (its message may hold a value). */
function failClosed(span: MutableSpan, error: unknown): void {
  try {
    diag.error(
      `RedactingSpanProcessor: scrubbing failed (${error instanceof Error ? error.name : typeof error}); ` +
        'span content replaced',
    );
    span.name = REDACTION_FAILED;
    clear(span.attributes);
    span.attributes[ATTR_REDACTION_FAILED] = true;
    span.events.length = 0;
    for (const link of span.links) if (link.attributes) clear(link.attributes);
    if (span.status.message !== undefined)
      span.status = { code: span.status.code, message: REDACTION_FAILED };
  } catch {
    /* never throw into span.end() */
  }
}

function clear(attributes: Attributes): void {
  // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- emptying the SDK's own attribute object
  for (const key of Object.keys(attributes)) delete attributes[key];
}
