import { AgentLockedError, currentLease, InvalidConfigError, LeaseDeniedError } from '@agent-lease/core';
import { createLeakScanner } from '@agent-lease/testing';
import {
  dynamicTool,
  generateText,
  isStepCount,
  jsonSchema,
  streamText,
  tool,
  ToolLoopAgent,
  type ToolExecutionOptions,
} from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { OpenTelemetry } from '@ai-sdk/otel';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { guardTools } from './guard-tools.js';
import { ToolExecutionError } from './tool-error.js';
import {
  finish,
  GITHUB_TOKEN,
  promptsOf,
  scriptedModel,
  streamOf,
  testGuard,
  textResult,
  toolCallResult,
} from './test-fixtures.js';

const leaks = createLeakScanner({ github: GITHUB_TOKEN });
const noLeak = (value: unknown, channel: string) => expect(leaks.scanValue(value, channel)).toEqual([]);

/** A tool that echoes its leased token (a careless API client that puts the auth header into its result). */
const readIssue = tool({
  description: 'Read an issue',
  inputSchema: z.object({ repo: z.string(), number: z.number() }),
  execute: ({ repo, number }) => ({
    repo,
    number,
    debug: `Authorization: Bearer ${currentLease('github').reveal()}`,
  }),
});

describe('guardTools with generateText', () => {
  it('runs execute inside a lease, redacts the result before the SDK stores it, and revokes', async () => {
    const { guard, audit } = testGuard();
    const seen: { toolCallId?: string; signal?: boolean; live?: number } = {};
    const tools = guardTools(
      guard,
      {
        read_issue: tool({
          inputSchema: z.object({ repo: z.string(), number: z.number() }),
          execute: (input, options) => {
            seen.toolCallId = options.toolCallId;
            seen.signal = options.abortSignal instanceof AbortSignal;
            seen.live = guard.leases().length;
            return readIssue.execute(input, options as ToolExecutionOptions<never>);
          },
        }),
      },
      { read_issue: { credential: 'github', scopes: ['issues:read'] } },
    );
    const model = scriptedModel('read_issue', { repo: 'acme/web', number: 7 });
    const result = await generateText({
      model,
      tools,
      prompt: 'read issue 7',
      stopWhen: isStepCount(3),
      abortSignal: new AbortController().signal,
    });

    expect(seen).toEqual({ toolCallId: 'call-1', signal: true, live: 1 });
    const output = result.steps[0]?.toolResults[0]?.output as { debug: string; number: number };
    expect(output.number).toBe(7);
    expect(output.debug).toMatch(/^Authorization: Bearer \[REDACTED/);
    noLeak(result.steps, 'steps');
    noLeak(promptsOf(model), 'next prompt');
    expect(guard.leases()).toEqual([]);
    const types = audit.events().map((e) => e.type);
    expect(types).toContain('lease.granted');
    expect(types).toContain('lease.revoked');
    await guard.close();
  });

  it('passes the validated input to scope functions', async () => {
    const { guard, audit } = testGuard();
    const tools = guardTools(
      guard,
      {
        comment: tool({
          inputSchema: z.object({ repo: z.string(), text: z.string() }),
          execute: ({ repo }) => `commented on ${repo}`,
        }),
      },
      { comment: { credential: 'github', scopes: ({ repo }) => [`issues:write:${repo}`] } },
    );
    await generateText({
      model: scriptedModel('comment', { repo: 'acme/web', text: 'hi' }),
      tools,
      prompt: 'x',
      stopWhen: isStepCount(3),
    });
    expect(audit.events().find((e) => e.type === 'lease.granted')?.scopes).toEqual(['issues:write:acme/web']);
    await guard.close();
  });

  it('gives the model a short actionable message when the lease is denied, and never runs the body', async () => {
    const { guard } = testGuard();
    const body = vi.fn(() => 'deleted');
    const tools = guardTools(
      guard,
      { delete_issue: tool({ inputSchema: z.object({ n: z.number() }), execute: body }) },
      { delete_issue: { credential: 'github', scopes: ['issues:delete'] } },
    );
    const model = scriptedModel('delete_issue', { n: 1 });
    const result = await generateText({ model, tools, prompt: 'x', stopWhen: isStepCount(3) });

    expect(body).not.toHaveBeenCalled();
    const error = result.steps[0]?.content.find((p) => p.type === 'tool-error')?.error;
    expect(LeaseDeniedError.isInstance(error)).toBe(true);
    const toolMessage = model.doGenerateCalls[1]?.prompt.find((m) => m.role === 'tool');
    expect(toolMessage?.content[0]).toMatchObject({
      type: 'tool-result',
      output: {
        type: 'error-text',
        value: 'LeaseDeniedError: credential github: scope issues:delete is not granted',
      },
    });
    await guard.close();
  });

  it('tells the model that a locked agent needs an operator', async () => {
    const { guard } = testGuard();
    await guard.lock('burst of leases');
    const tools = guardTools(
      guard,
      { read_issue: readIssue },
      { read_issue: { credential: 'github', scopes: ['issues:read'] } },
    );
    const model = scriptedModel('read_issue', { repo: 'a/b', number: 1 });
    const result = await generateText({ model, tools, prompt: 'x', stopWhen: isStepCount(3) });
    const error = result.steps[0]?.content.find((p) => p.type === 'tool-error')?.error;
    expect(AgentLockedError.isInstance(error)).toBe(true);
    expect(JSON.stringify(model.doGenerateCalls[1]?.prompt)).toContain(
      'is locked: burst of leases; an operator must unlock it',
    );
    await guard.close();
  });

  it('turns a thrown error into one redacted line, with no stack, for the model and the steps', async () => {
    const { guard } = testGuard();
    const tools = guardTools(
      guard,
      {
        read_issue: tool({
          inputSchema: z.object({ repo: z.string(), number: z.number() }),
          execute: (): string => {
            throw new Error(
              `upstream said 401 for token ${currentLease('github').reveal()}\n    at fetch (x.js:1:1)`,
            );
          },
        }),
      },
      { read_issue: { credential: 'github', scopes: ['issues:read'] } },
    );
    const model = scriptedModel('read_issue', { repo: 'a/b', number: 1 });
    const result = await generateText({ model, tools, prompt: 'x', stopWhen: isStepCount(3) });

    const error = result.steps[0]?.content.find((p) => p.type === 'tool-error')?.error;
    expect(error).toBeInstanceOf(ToolExecutionError);
    expect((error as Error).message).toMatch(/^Error: upstream said 401 for token \[REDACTED[^\]]*\]$/);
    noLeak([(error as Error).message, (error as Error).stack, (error as Error).cause], 'tool error');
    noLeak(promptsOf(model), 'next prompt');
    expect(promptsOf(model)).not.toContain('at fetch');
    expect(guard.leases()).toEqual([]);
    await guard.close();
  });

  it('gives a tool without needs redaction and a lease-free run', async () => {
    const { guard, audit } = testGuard();
    const tools = guardTools(guard, {
      echo: tool({ inputSchema: z.object({ s: z.string() }), execute: () => `config: ${GITHUB_TOKEN}` }),
    });
    // The value is only known to the redactor while registered: lease it once so it is.
    await guard.withLease(
      { tool: 'warm', needs: { credential: 'github', scopes: ['issues:read'] } },
      () => undefined,
    );
    const model = scriptedModel('echo', { s: 'x' });
    const result = await generateText({ model, tools, prompt: 'x', stopWhen: isStepCount(3) });
    expect(result.steps[0]?.toolResults[0]?.output).toMatch(/^config: \[REDACTED/);
    noLeak(promptsOf(model), 'next prompt');
    expect(audit.events().filter((e) => e.type === 'lease.granted')).toHaveLength(1);
    await guard.close();
  });

  it('gives every guarded call an execute_tool span, with or without needs', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const { guard } = testGuard({ telemetry: { tracerProvider: provider } });
    const tools = guardTools(guard, {
      echo: tool({ inputSchema: z.object({ s: z.string() }), execute: ({ s }) => s }),
    });
    await generateText({
      model: scriptedModel('echo', { s: 'x' }),
      tools,
      prompt: 'x',
      stopWhen: isStepCount(3),
    });
    const span = exporter.getFinishedSpans().find((s) => s.name === 'execute_tool echo');
    expect(span?.attributes).toMatchObject({ 'gen_ai.tool.name': 'echo', 'gen_ai.tool.call.id': 'call-1' });
    await guard.close();
    await provider.shutdown();
  });

  const echoes = {
    plain: tool({ inputSchema: z.object({ s: z.string() }), execute: ({ s }) => s }),
    streaming: tool({
      inputSchema: z.object({ s: z.string() }),
      async *execute({ s }) {
        yield 'partial';
        yield await Promise.resolve(s);
      },
    }),
  };
  it.each(Object.keys(echoes) as (keyof typeof echoes)[])(
    "with @ai-sdk/otel, adds to the SDK's execute_tool span (%s tool): one per call, lease spans under it",
    async (kind) => {
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
      try {
        const exporter = new InMemorySpanExporter();
        const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
        const { guard } = testGuard({ telemetry: { tracerProvider: provider } });
        const tools = guardTools(
          guard,
          { echo: echoes[kind] },
          { echo: { credential: 'github', scopes: ['issues:read'] } },
        );
        await generateText({
          model: scriptedModel('echo', { s: 'x' }),
          tools,
          prompt: 'x',
          stopWhen: isStepCount(3),
          telemetry: { integrations: [new OpenTelemetry({ tracer: provider.getTracer('gen_ai') })] },
        });
        const spans = exporter.getFinishedSpans();
        const toolSpans = spans.filter((s) => s.name === 'execute_tool echo');
        expect(toolSpans).toHaveLength(1);
        expect(toolSpans[0]!.attributes).toMatchObject({
          'gen_ai.tool.call.id': 'call-1',
          'gen_ai.agent.id': 'support-bot',
        });
        const leaseSpans = spans.filter((s) => s.name.startsWith('agent_lease.'));
        expect(leaseSpans.map((s) => s.name).sort()).toEqual([
          'agent_lease.acquire github',
          'agent_lease.revoke github',
        ]);
        for (const s of leaseSpans)
          expect(s.parentSpanContext?.spanId).toBe(toolSpans[0]!.spanContext().spanId);
        await guard.close();
        await provider.shutdown();
      } finally {
        context.disable();
      }
    },
  );

  it('leaves tools without execute untouched and never mutates the input', () => {
    const { guard } = testGuard();
    const clientSide = tool({ inputSchema: z.object({ q: z.string() }), outputSchema: z.string() });
    const original = readIssue.execute;
    const tools = guardTools(guard, { ask_user: clientSide, read_issue: readIssue });
    expect(tools.ask_user).toBe(clientSide);
    expect(readIssue.execute).toBe(original);
    expect(tools.read_issue.execute).not.toBe(original);
    expect(tools.read_issue.inputSchema).toBe(readIssue.inputSchema);
  });

  it('rejects needs for unknown tools, for tools without execute, and invalid needs, at wrap time', () => {
    const { guard } = testGuard();
    const clientSide = tool({ inputSchema: z.object({ q: z.string() }), outputSchema: z.string() });
    const wrap = (needs: Record<string, unknown>) => () =>
      guardTools(guard, { read_issue: readIssue, ask: clientSide }, needs as never);
    expect(wrap({ reed_issue: { credential: 'github', scopes: ['issues:read'] } })).toThrow(
      /reed_issue: there is no tool/,
    );
    expect(wrap({ ask: { credential: 'github', scopes: ['issues:read'] } })).toThrow(/no execute function/);
    expect(wrap({ read_issue: { credential: 'gitlab', scopes: ['issues:read'] } })).toThrow(
      InvalidConfigError,
    );
    expect(wrap({ read_issue: { credential: 'github', scopes: [] } })).toThrow(/at least one scope/);
  });

  it('wraps dynamic tools', async () => {
    const { guard } = testGuard();
    const tools = guardTools(
      guard,
      {
        lookup: dynamicTool({
          inputSchema: jsonSchema({ type: 'object' }),
          execute: () => ({ token: currentLease('github').reveal() }),
        }),
      },
      { lookup: { credential: 'github', scopes: ['issues:read'] } },
    );
    expect(tools.lookup.type).toBe('dynamic');
    const result = await generateText({
      model: scriptedModel('lookup', {}),
      tools,
      prompt: 'x',
      stopWhen: isStepCount(3),
    });
    const r = result.steps[0]?.toolResults[0];
    expect(r?.dynamic).toBe(true);
    expect((r?.output as { token: string }).token).toMatch(/^\[REDACTED/);
    await guard.close();
  });
});

describe('guardTools with streaming tools', () => {
  it('keeps the lease live while an async generator runs, redacts each yield, and revokes at the end', async () => {
    const { guard } = testGuard();
    const liveDuring: number[] = [];
    const tools = guardTools(
      guard,
      {
        progress: tool({
          inputSchema: z.object({}),
          async *execute() {
            for (let i = 1; i <= 3; i++) {
              liveDuring.push(guard.leases().length);
              await new Promise((r) => setTimeout(r, 1));
              yield { step: i, auth: currentLease('github').reveal() };
            }
          },
        }),
      },
      { progress: { credential: 'github', scopes: ['issues:read'] } },
    );
    const model = new MockLanguageModelV4({
      doStream: [
        streamOf([{ type: 'tool-call', toolCallId: 'c1', toolName: 'progress', input: '{}' }, finish]),
        streamOf([
          { type: 'text-start', id: 't' },
          { type: 'text-delta', id: 't', delta: 'ok' },
          { type: 'text-end', id: 't' },
          finish,
        ]),
      ],
    });
    const result = streamText({ model, tools, prompt: 'x', stopWhen: isStepCount(3) });
    const preliminary: unknown[] = [];
    for await (const part of result.stream) {
      if (part.type === 'tool-result' && part.preliminary === true) preliminary.push(part.output);
    }
    expect(liveDuring).toEqual([1, 1, 1]);
    expect(preliminary).toHaveLength(3);
    expect(preliminary[2]).toMatchObject({ step: 3, auth: expect.stringMatching(/^\[REDACTED/) as unknown });
    noLeak(preliminary, 'preliminary results');
    noLeak((await result.steps)[0]?.toolResults, 'steps');
    noLeak(promptsOf(model), 'next prompt');
    expect(guard.leases()).toEqual([]);
    await guard.close();
  });

  it('revokes when the consumer abandons the generator, and stops the source', async () => {
    const { guard, audit } = testGuard();
    let closed = false;
    const tools = guardTools(
      guard,
      {
        feed: tool({
          inputSchema: z.object({}),
          async *execute() {
            try {
              for (let i = 0; ; i++) yield await Promise.resolve(i);
            } finally {
              closed = true;
            }
          },
        }),
      },
      { feed: { credential: 'github', scopes: ['issues:read'] } },
    );
    const it = tools.feed.execute(
      {},
      { toolCallId: 't1', messages: [], context: undefined },
    ) as AsyncGenerator<number>;
    expect(guard.leases()).toEqual([]); // nothing is acquired before the first read
    expect((await it.next()).value).toBe(0);
    expect((await it.next()).value).toBe(1);
    expect(guard.leases()).toHaveLength(1);
    await it.return(undefined);
    expect(closed).toBe(true);
    expect(guard.leases()).toEqual([]);
    expect(audit.events().filter((e) => e.type === 'lease.revoked')).toHaveLength(1);
    await guard.close();
  });

  it('redacts an error thrown mid-stream and revokes', async () => {
    const { guard } = testGuard();
    const tools = guardTools(
      guard,
      {
        feed: tool({
          inputSchema: z.object({}),
          async *execute() {
            yield await Promise.resolve(1);
            throw new Error(`bad token ${currentLease().reveal()}`);
          },
        }),
      },
      { feed: { credential: 'github', scopes: ['issues:read'] } },
    );
    const it = tools.feed.execute(
      {},
      { toolCallId: 't1', messages: [], context: undefined },
    ) as AsyncGenerator<number>;
    await it.next();
    const error = await it.next().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ToolExecutionError);
    noLeak((error as Error).message, 'error');
    expect(guard.leases()).toEqual([]);
    await guard.close();
  });

  it('revokes a streaming tool when the call is aborted', async () => {
    const { guard } = testGuard();
    const tools = guardTools(
      guard,
      {
        feed: tool({
          inputSchema: z.object({}),
          async *execute() {
            yield 1;
            await new Promise((r) => setTimeout(r, 50));
            yield 2;
          },
        }),
      },
      { feed: { credential: 'github', scopes: ['issues:read'] } },
    );
    const controller = new AbortController();
    const it = tools.feed.execute(
      {},
      { toolCallId: 't1', messages: [], context: undefined, abortSignal: controller.signal },
    ) as AsyncGenerator<number>;
    await it.next();
    const pending = it.next();
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'LEASE_ABORTED' });
    expect(guard.leases()).toEqual([]);
    await guard.close();
  });

  it('reads an iterable returned by a plain function inside the lease and returns its last value', async () => {
    const { guard } = testGuard();
    async function* gen() {
      yield await Promise.resolve('a');
      yield `b ${currentLease().reveal()}`;
    }
    const tools = guardTools(
      guard,
      { feed: tool({ inputSchema: z.object({}), execute: () => gen() }) },
      { feed: { credential: 'github', scopes: ['issues:read'] } },
    );
    const out = await (tools.feed.execute(
      {},
      { toolCallId: 't1', messages: [], context: undefined },
    ) as Promise<string>);
    expect(out).toMatch(/^b \[REDACTED/);
    await guard.close();
  });
});

describe('guardTools in agents and with approvals', () => {
  it('never acquires a lease for a call the app denies in toolApproval', async () => {
    const { guard, audit } = testGuard();
    const body = vi.fn(() => 'ran');
    const tools = guardTools(
      guard,
      { read_issue: tool({ inputSchema: z.object({ n: z.number() }), execute: body }) },
      { read_issue: { credential: 'github', scopes: ['issues:read'] } },
    );
    const model = scriptedModel('read_issue', { n: 1 });
    const result = await generateText({
      model,
      tools,
      prompt: 'x',
      stopWhen: isStepCount(3),
      toolApproval: { read_issue: 'denied' },
    });
    expect(body).not.toHaveBeenCalled();
    expect(audit.events().filter((e) => e.type.startsWith('lease.'))).toEqual([]);
    expect(JSON.stringify(model.doGenerateCalls[1]?.prompt)).toContain('execution-denied');
    expect(result.text).toBe('done');
    await guard.close();
  });

  it('works as the tools of a ToolLoopAgent', async () => {
    const { guard } = testGuard();
    const tools = guardTools(
      guard,
      { read_issue: readIssue },
      { read_issue: { credential: 'github', scopes: ['issues:read'] } },
    );
    const model = new MockLanguageModelV4({
      doGenerate: [
        toolCallResult('read_issue', { repo: 'a/b', number: 1 }, 'c1'),
        toolCallResult('read_issue', { repo: 'a/b', number: 2 }, 'c2'),
        textResult('two issues read'),
      ],
    });
    const agent = new ToolLoopAgent({ model, tools, instructions: 'be brief' });
    const result = await agent.generate({ prompt: 'read 1 and 2' });
    expect(result.text).toBe('two issues read');
    expect(result.steps.flatMap((s) => s.toolResults)).toHaveLength(2);
    noLeak(result.steps, 'agent steps');
    noLeak(promptsOf(model), 'agent prompts');
    expect(guard.leases()).toEqual([]);
    await guard.close();
  });
});
