// The end-to-end scenario the AI SDK leak suite runs with and without each protection.
import { createGuard, currentLease, localBroker, memoryAudit, type Guard } from '@agent-lease/core';
import { guardTools, redactionMiddleware } from '@agent-lease/ai-sdk';
import { RedactingSpanProcessor } from '@agent-lease/otel';
import { OpenTelemetry } from '@ai-sdk/otel';
import type { LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { isStepCount, simulateReadableStream, streamText, tool, wrapLanguageModel } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { z } from 'zod';

/** Leased to the tools; known to the guard only through the lease. */
export const LEASED = 'aisdk-canary-Vb7Nq2Lx9Tf4Rk6Wm3';
/** Pasted by the user into the prompt; nobody leased it, a built-in rule catches it. */
export const PASTED = 'sk-proj-Y6B2cQgpFzOwtWOWkgfku3L5Mn1txRMpof50OIesNIXw';

export interface Protections {
  /** guardTools; without it the tools read the token from a closure, as an app without agent-lease does. */
  tools: boolean;
  middleware: boolean;
  processor: boolean;
}
export const ALL: Protections = { tools: true, middleware: true, processor: true };

const usage = {
  inputTokens: { total: 20, noCache: 20, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 8, text: 8, reasoning: undefined },
};

/** Splits text into 5-character deltas, so secrets arrive cut across chunks. */
function deltas(
  type: 'text-delta' | 'reasoning-delta',
  id: string,
  text: string,
): LanguageModelV4StreamPart[] {
  return (text.match(/[\s\S]{1,5}/g) ?? []).map((delta) => ({ type, id, delta }));
}

/**
 * A model that (1) calls a tool that echoes its credential and a tool that fails with it in the message, then
 * (2) streams an answer repeating both the leased value and the user's pasted key (a model that saw them
 * elsewhere, or a prompt-injected one).
 */
function scriptedModel() {
  return new MockLanguageModelV4({
    provider: 'scripted',
    modelId: 'scripted-agent',
    doStream: [
      {
        stream: simulateReadableStream({
          chunks: [
            { type: 'tool-call', toolCallId: 'c1', toolName: 'read_issue', input: '{"number":7}' },
            { type: 'tool-call', toolCallId: 'c2', toolName: 'post_comment', input: '{"text":"hi"}' },
            { type: 'finish', usage, finishReason: { unified: 'tool-calls', raw: undefined } },
          ] satisfies LanguageModelV4StreamPart[],
        }),
      },
      {
        stream: simulateReadableStream({
          chunks: [
            { type: 'reasoning-start', id: 'r' },
            ...deltas('reasoning-delta', 'r', `the user's key ${PASTED} works`),
            { type: 'reasoning-end', id: 'r' },
            { type: 'text-start', id: 't' },
            ...deltas('text-delta', 't', `Issue 7 read with ${LEASED}; your key ${PASTED} is fine.`),
            { type: 'text-end', id: 't' },
            { type: 'finish', usage, finishReason: { unified: 'stop', raw: undefined } },
          ] satisfies LanguageModelV4StreamPart[],
        }),
      },
    ],
  });
}

/** Runs the agent once and returns every channel a secret could reach, each as a JSON-able value. */
export async function runScenario(p: Protections) {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const exporter = new InMemorySpanExporter();
  const audit = memoryAudit();
  // The guard's own spans and the SDK's spans go to one provider, as in an app; the processor redacts with the
  // guard, which is created after the provider, so it reaches the guard through a late-bound source.
  const redactWith = { guard: undefined as Guard | undefined };
  const spanProcessors: SpanProcessor[] = [new SimpleSpanProcessor(exporter)];
  if (p.processor)
    spanProcessors.unshift(new RedactingSpanProcessor({ redact: (t) => redactWith.guard!.redact(t) }));
  const provider = new BasicTracerProvider({ spanProcessors });
  const guard = createGuard({
    agent: { id: 'support-bot' },
    broker: localBroker({ credentials: { tracker: { value: LEASED } } }),
    grants: { tracker: { scopes: ['issues:*'], maxTtl: '1m' } },
    audit: { sink: audit },
    telemetry: { tracerProvider: provider },
  });
  redactWith.guard = guard;

  try {
    // Without the wrapper, a tool holds the raw token itself (as it would read process.env).
    const token = () => (p.tools ? currentLease().reveal() : LEASED);
    const rawTools = {
      read_issue: tool({
        inputSchema: z.object({ number: z.number() }),
        execute: ({ number }) => ({ number, title: 'Flaky test', fetchedWith: token() }),
      }),
      post_comment: tool({
        inputSchema: z.object({ text: z.string() }),
        execute: (): string => {
          throw new Error(`401 from tracker for token ${token()}`);
        },
      }),
    };
    const tools = p.tools
      ? guardTools(guard, rawTools, {
          read_issue: { credential: 'tracker', scopes: ['issues:read'] },
          post_comment: { credential: 'tracker', scopes: ['issues:write'] },
        })
      : rawTools;
    const inner = scriptedModel();
    const model = p.middleware
      ? wrapLanguageModel({ model: inner, middleware: redactionMiddleware(guard) })
      : inner;
    const result = streamText({
      model,
      tools,
      instructions: 'You are a support bot.',
      prompt: `Read issue 7. My OpenAI key is ${PASTED}, use it if needed.`,
      stopWhen: isStepCount(3),
      telemetry: { integrations: [new OpenTelemetry({ tracer: provider.getTracer('gen_ai') })] },
    });
    const stream: unknown[] = [];
    for await (const part of result.stream) stream.push(part);
    const steps = await result.steps;
    await provider.forceFlush();

    const spans = exporter.getFinishedSpans().map((s) => ({
      name: s.name,
      attributes: s.attributes,
      events: s.events,
      status: s.status,
    }));
    const channels: Record<string, unknown> = {
      'provider prompt': inner.doStreamCalls.map((c) => c.prompt),
      stream,
      // What a chat UI shows: the deltas joined (a secret cut across deltas is whole again here).
      'streamed text': stream
        .map((part) => {
          const p = part as { type: string; text?: string };
          return p.type === 'text-delta' || p.type === 'reasoning-delta' ? (p.text ?? '') : '';
        })
        .join(''),
      text: await result.text,
      'tool result': steps.flatMap((s) => s.toolResults),
      'tool error': steps.flatMap((s) =>
        s.content.flatMap((c) =>
          c.type === 'tool-error'
            ? [{ error: c.error, message: String(c.error), stack: (c.error as Error).stack }]
            : [],
        ),
      ),
      steps: steps.map((s) => s.content),
      spans,
      audit: audit.events(),
    };
    return { channels, leasesAfter: guard.leases().length };
  } finally {
    await guard.close();
    await provider.shutdown();
    contextManager.disable();
    context.disable();
  }
}
