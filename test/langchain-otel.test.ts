// Spans from an OpenTelemetry instrumentation of LangChain (OpenInference) carry raw callback payloads: the
// user's prompt in chain inputs, the model's raw output. @agent-lease/otel's RedactingSpanProcessor scrubs them.
import { createGuard, currentLease, localBroker, memoryAudit } from '@agent-lease/core';
import { guardTools, leaseMiddleware } from '@agent-lease/langchain';
import { RedactingSpanProcessor } from '@agent-lease/otel';
import { createLeakScanner } from '@agent-lease/testing';
import { LangChainInstrumentation } from '@arizeai/openinference-instrumentation-langchain';
import * as CallbackManagerModule from '@langchain/core/callbacks/manager';
import { HumanMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { createAgent } from 'langchain';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ScriptedChatModel } from './langchain-fixtures.js';
import { LEASED, PASTED } from './langchain-scenario.js';

const instrumentation = new LangChainInstrumentation();
instrumentation.manuallyInstrument(CallbackManagerModule);
afterAll(() => {
  instrumentation.disable();
});

async function run(redacting: boolean) {
  const guard = createGuard({
    agent: { id: 'otel-suite' },
    broker: localBroker({ credentials: { github: { value: LEASED } } }),
    grants: { github: { scopes: ['issues:*'], maxTtl: '1m' } },
    audit: { sink: memoryAudit() },
  });
  const exporter = new InMemorySpanExporter();
  const processors: SpanProcessor[] = [
    ...(redacting ? [new RedactingSpanProcessor(guard)] : []),
    new SimpleSpanProcessor(exporter),
  ];
  const provider = new BasicTracerProvider({ spanProcessors: processors });
  instrumentation.setTracerProvider(provider);

  const readIssue = tool(({ repo }) => `issue of ${repo}, token ${currentLease().reveal()}`, {
    name: 'read_issue',
    description: 'Reads an issue',
    schema: z.object({ repo: z.string() }),
  });
  const tools = guardTools(guard, [readIssue], {
    read_issue: { credential: 'github', scopes: (i) => [`issues:read:${i.repo}`] },
  });
  const model = new ScriptedChatModel([
    { text: 'Reading.', toolCalls: [{ name: 'read_issue', args: { repo: 'acme/widgets' }, id: 'call_1' }] },
    { text: `The token was ${LEASED}; your key is ${PASTED}.` },
  ]);
  const agent = createAgent({ model, tools, middleware: [leaseMiddleware(guard)] });
  await agent.invoke({ messages: [new HumanMessage(`Read acme/widgets. My key: ${PASTED}`)] });
  await provider.forceFlush();
  await guard.close();
  return exporter.getFinishedSpans().map((s) => ({
    name: s.name,
    attributes: s.attributes,
    events: s.events,
    status: s.status,
  }));
}

const scanner = createLeakScanner({ leased: LEASED, pasted: PASTED });

describe('OpenInference LangChain spans through @agent-lease/otel', () => {
  it('with RedactingSpanProcessor, no span carries a secret', async () => {
    const spans = await run(true);
    // The instrumentation really traced the agent: chain, LLM and tool spans with their payloads.
    const kinds = new Set(spans.map((s) => s.attributes['openinference.span.kind']));
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['CHAIN', 'LLM', 'TOOL']));
    expect(JSON.stringify(spans)).toContain('[REDACTED');
    expect(scanner.scanValue(spans, 'spans')).toEqual([]);
  });

  it('control: without it, the same spans leak the prompt and the raw model output', async () => {
    const spans = await run(false);
    const canaries = new Set(scanner.scanValue(spans, 'spans').map((f) => f.canary));
    expect([...canaries].sort()).toEqual(['leased', 'pasted']);
  });
});
