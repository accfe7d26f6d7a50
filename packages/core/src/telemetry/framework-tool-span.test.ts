import { trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { frameworkToolSpan } from './framework-tool-span.js';

const tracer = new BasicTracerProvider().getTracer('framework');
const toolSpan = (callId: string, operation = 'execute_tool') =>
  tracer.startSpan(`${operation} read_issue`, {
    attributes: { 'gen_ai.operation.name': operation, 'gen_ai.tool.call.id': callId },
  });

describe('frameworkToolSpan', () => {
  it("adopts the framework's execute_tool span of the same tool call", () => {
    const span = toolSpan('call-1');
    expect(frameworkToolSpan(span, 'call-1')).toBe(span);
  });

  it('adopts nothing else: another call, another operation, no call id, an ended or non-recording span', () => {
    expect(frameworkToolSpan(toolSpan('call-1'), 'call-2')).toBeUndefined();
    expect(frameworkToolSpan(toolSpan('call-1', 'chat'), 'call-1')).toBeUndefined();
    expect(frameworkToolSpan(toolSpan('call-1'), undefined)).toBeUndefined();
    expect(frameworkToolSpan(undefined, 'call-1')).toBeUndefined();
    const ended = toolSpan('call-1');
    ended.end();
    expect(frameworkToolSpan(ended, 'call-1')).toBeUndefined();
    // What the API gives without an SDK: a non-recording span, never adopted.
    expect(
      frameworkToolSpan(trace.wrapSpanContext(toolSpan('call-1').spanContext()), 'call-1'),
    ).toBeUndefined();
  });
});
