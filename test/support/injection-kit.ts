// A guarded AI SDK agent loop with everything a reviewer needs to see: audit events, finished spans (scrubbed by
// the real RedactingSpanProcessor), broker calls, and what the scripted model was sent.
import {
  createGuard,
  localBroker,
  memoryAudit,
  type Broker,
  type GuardConfig,
  type LocalBrokerOptions,
} from '@agent-lease/core';
import { redactionMiddleware } from '@agent-lease/ai-sdk';
import { RedactingSpanProcessor } from '@agent-lease/otel';
import type { LanguageModelV4GenerateResult } from '@ai-sdk/provider';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { wrapLanguageModel } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';

export const usage = {
  inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 1, text: 1, reasoning: undefined },
};

/** One model step that calls tools (several calls run in parallel, as the SDK does). */
export function callTools(...calls: { tool: string; input: unknown }[]): LanguageModelV4GenerateResult {
  return {
    content: calls.map((c, i) => ({
      type: 'tool-call' as const,
      toolCallId: `call-${i + 1}`,
      toolName: c.tool,
      input: JSON.stringify(c.input),
    })),
    finishReason: { unified: 'tool-calls', raw: undefined },
    usage,
    warnings: [],
  };
}

export function answer(text: string): LanguageModelV4GenerateResult {
  return {
    content: [{ type: 'text', text }],
    finishReason: { unified: 'stop', raw: undefined },
    usage,
    warnings: [],
  };
}

export interface Kit {
  guard: ReturnType<typeof createGuard>;
  audit: ReturnType<typeof memoryAudit>;
  spans: InMemorySpanExporter;
  /** Credential names the broker was asked for, in order. */
  acquired: string[];
  revoked: string[];
  /** A scripted model behind the redaction middleware; `raw.doGenerateCalls` is what the provider received. */
  model(steps: LanguageModelV4GenerateResult[]): {
    model: ReturnType<typeof wrapLanguageModel>;
    raw: MockLanguageModelV4;
  };
  auditTypes(): string[];
  spanEvents(): { span: string; event: string; attributes: Record<string, unknown> }[];
}

export function injectionKit(
  credentials: LocalBrokerOptions['credentials'],
  config: Omit<GuardConfig, 'broker' | 'agent' | 'audit' | 'telemetry'>,
): Kit {
  const audit = memoryAudit();
  const spans = new InMemorySpanExporter();
  const acquired: string[] = [];
  const revoked: string[] = [];
  const inner = localBroker({ credentials });
  const broker: Broker = {
    kind: inner.kind,
    credentialNames: inner.credentialNames,
    acquire(request) {
      acquired.push(request.credential);
      return inner.acquire(request);
    },
    revoke(lease, request) {
      revoked.push(request.credential);
      return inner.revoke(lease, request);
    },
  };
  const ref: { guard?: { redact(t: string): string } } = {};
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [
      new RedactingSpanProcessor({ redact: (t: string) => ref.guard?.redact(t) ?? t }),
      new SimpleSpanProcessor(spans),
    ],
  });
  const guard = createGuard({
    agent: { id: 'injected-agent' },
    broker,
    audit: { sink: audit },
    telemetry: { tracerProvider },
    ...config,
  });
  ref.guard = guard;
  return {
    guard,
    audit,
    spans,
    acquired,
    revoked,
    model(steps) {
      const raw = new MockLanguageModelV4({ doGenerate: steps });
      return { model: wrapLanguageModel({ model: raw, middleware: redactionMiddleware(guard) }), raw };
    },
    auditTypes: () => audit.events().map((e) => e.type),
    spanEvents: () =>
      spans
        .getFinishedSpans()
        .flatMap((s) =>
          s.events.map((e) => ({ span: s.name, event: e.name, attributes: { ...(e.attributes ?? {}) } })),
        ),
  };
}
