import { createGuard, currentLease, localBroker, memoryAudit } from '@agent-lease/core';
import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { createAgent, createMiddleware, fakeModel } from 'langchain';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { guardTool } from './guard-tool.js';
import { leaseMiddleware } from './lease-middleware.js';
import { GITHUB_TOKEN, leaks, testGuard } from './test-fixtures.js';

const read = { credential: 'github', scopes: ['issues:read'] };

/** Registers the token with the guard's redactor (values stay registered for the grace period after revoke). */
async function lease(guard: ReturnType<typeof testGuard>['guard']) {
  await guard.withLease({ tool: 'warmup', needs: read }, () => undefined);
}

/** A conversation holding the secret in every place a message can carry it. */
function dirtyHistory(): BaseMessage[] {
  return [
    new HumanMessage(`my token is ${GITHUB_TOKEN}`),
    new AIMessage({
      content: [{ type: 'text', text: `calling with ${GITHUB_TOKEN}` }],
      tool_calls: [{ name: 'noop', args: { token: GITHUB_TOKEN }, id: 'c0', type: 'tool_call' }],
    }),
    new ToolMessage({ content: `echo ${GITHUB_TOKEN}`, artifact: { raw: GITHUB_TOKEN }, tool_call_id: 'c0' }),
    new HumanMessage({ content: [{ type: 'text', text: `again ${GITHUB_TOKEN}` }] }),
  ];
}

const noop = tool(() => 'ok', { name: 'noop', description: 'noop', schema: z.object({ token: z.string() }) });

describe('leaseMiddleware', () => {
  it('wrapModelCall: the model sees no secret in any message, lc_kwargs included', async () => {
    const { guard } = testGuard();
    await lease(guard);
    const model = fakeModel().respond(new AIMessage('fine'));
    const agent = createAgent({
      model,
      tools: [noop],
      systemPrompt: `system knows ${GITHUB_TOKEN}`,
      middleware: [leaseMiddleware(guard)],
    });
    const result = await agent.invoke({ messages: dirtyHistory() });
    const sent = model.calls[0]?.messages ?? [];
    expect(sent.length).toBe(5); // system + 4
    expect(JSON.stringify(sent)).toContain('[REDACTED');
    expect(leaks(sent)).toBe(false);
    expect(sent.map((m) => m.type)).toEqual(['system', 'human', 'ai', 'tool', 'human']);
    // beforeModel replaced the dirty messages in state (by id): the final state is clean too.
    expect(leaks(result.messages)).toBe(false);
    expect(result.messages).toHaveLength(5);
  });

  it('control: without the middleware the model receives the secret', async () => {
    const { guard } = testGuard();
    await lease(guard);
    const model = fakeModel().respond(new AIMessage('fine'));
    const agent = createAgent({ model, tools: [noop] });
    await agent.invoke({ messages: dirtyHistory() });
    expect(leaks(model.calls[0]?.messages)).toBe(true);
  });

  it('redacts the model reply (content and tool_calls args) before it reaches state and tools', async () => {
    const { guard } = testGuard();
    await lease(guard);
    const got: string[] = [];
    const echo = tool(
      ({ token }) => {
        got.push(token);
        return 'ok';
      },
      { name: 'noop', description: 'noop', schema: z.object({ token: z.string() }) },
    );
    const model = fakeModel()
      .respondWithTools([{ name: 'noop', args: { token: GITHUB_TOKEN }, id: 'c1' }])
      .respond(new AIMessage(`done ${GITHUB_TOKEN}`));
    const agent = createAgent({ model, tools: [echo], middleware: [leaseMiddleware(guard)] });
    const result = await agent.invoke({ messages: [new HumanMessage('go')] });
    expect(got).toHaveLength(1);
    expect(leaks(got)).toBe(false);
    expect(leaks(result.messages)).toBe(false);
  });

  it('wrapToolCall: a tool error becomes a redacted error ToolMessage and the agent carries on', async () => {
    const { guard } = testGuard();
    const failing = tool(
      () => {
        throw new Error(`upstream said ${currentLease().reveal()}\n    at secret stack`);
      },
      { name: 'fail', description: 'fail', schema: z.object({}) },
    );
    const unguarded = tool(
      () => {
        throw new Error(`plain failure ${GITHUB_TOKEN}`);
      },
      { name: 'plain', description: 'plain', schema: z.object({}) },
    );
    const model = fakeModel()
      .respondWithTools([
        { name: 'fail', args: {}, id: 'c1' },
        { name: 'plain', args: {}, id: 'c2' },
      ])
      .respond(new AIMessage('recovered'));
    const agent = createAgent({
      model,
      tools: [guardTool(guard, failing, read), unguarded],
      middleware: [leaseMiddleware(guard)],
    });
    const result = await agent.invoke({ messages: [new HumanMessage('go')] });
    const errors = result.messages.filter((m) => ToolMessage.isInstance(m));
    expect(errors.map((m) => [m.status, m.text.slice(0, 7)])).toEqual([
      ['error', 'Error: '],
      ['error', 'Error: '],
    ]);
    expect(errors[0]?.text).toContain('upstream said [REDACTED');
    expect(errors[0]?.text).not.toContain('secret stack');
    expect(leaks(result.messages)).toBe(false);
    expect(leaks(model.calls[1]?.messages)).toBe(false);
    expect(result.messages.at(-1)?.content).toBe('recovered');
  });

  it('control: any other wrapToolCall middleware makes the same tool error reject agent.invoke', async () => {
    const failing = tool(
      () => {
        throw new Error('boom');
      },
      { name: 'fail', description: 'fail', schema: z.object({}) },
    );
    const passthrough = createMiddleware({ name: 'Pass', wrapToolCall: (req, handler) => handler(req) });
    const model = fakeModel()
      .respondWithTools([{ name: 'fail', args: {}, id: 'c1' }])
      .respond(new AIMessage('x'));
    const agent = createAgent({ model, tools: [failing], middleware: [passthrough] });
    await expect(agent.invoke({ messages: [new HumanMessage('go')] })).rejects.toThrow('boom');
  });

  it('a denied lease reaches the model as an error it can act on', async () => {
    const { guard } = testGuard();
    const del = tool(() => 'deleted', { name: 'del', description: 'del', schema: z.object({}) });
    const model = fakeModel()
      .respondWithTools([{ name: 'del', args: {}, id: 'c1' }])
      .respond(new AIMessage('ok'));
    const agent = createAgent({
      model,
      tools: [guardTool(guard, del, { credential: 'github', scopes: ['repo:delete'] })],
      middleware: [leaseMiddleware(guard)],
    });
    const result = await agent.invoke({ messages: [new HumanMessage('go')] });
    const msg = result.messages.find((m) => ToolMessage.isInstance(m));
    expect(msg?.status).toBe('error');
    expect(msg?.content).toBe('Error: credential github: scope repo:delete is not granted');
  });

  it('records one execute_tool span per call: from the middleware for plain tools, from the tool when guarded', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const guard = createGuard({
      agent: { id: 'span-test' },
      broker: localBroker({ credentials: { github: { value: GITHUB_TOKEN } } }),
      grants: { github: { scopes: ['issues:*'], maxTtl: '1m' } },
      audit: { sink: memoryAudit() },
      telemetry: { tracerProvider: provider },
    });
    const plain = tool(() => 'p', { name: 'plain', description: 'p', schema: z.object({}) });
    const leased = tool(() => 'l', { name: 'leased', description: 'l', schema: z.object({}) });
    const model = fakeModel()
      .respondWithTools([
        { name: 'plain', args: {}, id: 'c1' },
        { name: 'leased', args: {}, id: 'c2' },
      ])
      .respond(new AIMessage('ok'));
    const agent = createAgent({
      model,
      tools: [plain, guardTool(guard, leased, read)],
      middleware: [leaseMiddleware(guard)],
    });
    await agent.invoke({ messages: [new HumanMessage('go')] });
    const names = exporter
      .getFinishedSpans()
      .map((s) => s.name)
      .filter((n) => n.startsWith('execute_tool'))
      .sort();
    expect(names).toEqual(['execute_tool leased', 'execute_tool plain']);
  });
});
