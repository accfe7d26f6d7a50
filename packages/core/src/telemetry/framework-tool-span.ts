import type { Attributes, Span } from '@opentelemetry/api';
import * as sc from './semconv.js';

/** The fields of the SDK's `ReadableSpan` this check reads; the API's `Span` does not expose them. */
interface ReadableFields {
  readonly attributes?: Attributes;
  readonly ended?: boolean;
}

/**
 * The framework's own `execute_tool` span for this very tool call, when that is the active span: `@ai-sdk/otel`
 * makes one per tool call and runs `execute` inside it. The guard then adds to that span instead of nesting a
 * second `execute_tool` span under it, which GenAI dashboards would count as a second tool call (and which costs
 * a span per call).
 *
 * Matched on the GenAI attributes (`gen_ai.operation.name=execute_tool` and the same `gen_ai.tool.call.id`), read
 * through the OpenTelemetry SDK's `ReadableSpan` fields. A span that does not expose them (another SDK, a
 * non-recording span), has ended, or belongs to another call is never adopted: the guard makes its own, as before.
 */
export function frameworkToolSpan(
  span: Span | undefined,
  toolCallId: string | undefined,
): (Span & { readonly attributes: Attributes }) | undefined {
  if (span === undefined || toolCallId === undefined || !span.isRecording()) return undefined;
  const readable = span as Span & ReadableFields;
  if (readable.ended === true) return undefined;
  const attributes = readable.attributes;
  if (attributes === undefined) return undefined;
  return attributes[sc.ATTR_GEN_AI_OPERATION_NAME] === sc.GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL &&
    attributes[sc.ATTR_GEN_AI_TOOL_CALL_ID] === toolCallId
    ? (readable as Span & { readonly attributes: Attributes })
    : undefined;
}
