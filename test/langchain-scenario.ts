// The end-to-end scenario the LangChain leak suite runs with and without each protection.
import { createGuard, currentLease, localBroker, memoryAudit, type Guard } from '@agent-lease/core';
import {
  guardTools,
  langsmithAnonymizer,
  leaseMiddleware,
  redactAgentStream,
  redactCallbacks,
} from '@agent-lease/langchain';
import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import { awaitAllCallbacks } from '@langchain/core/callbacks/promises';
import { AIMessageChunk, HumanMessage, type BaseMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { LangChainTracer } from '@langchain/core/tracers/tracer_langchain';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { createAgent } from 'langchain';
import { Client } from 'langsmith';
import { z } from 'zod';
import { ScriptedChatModel } from './langchain-fixtures.js';

/** Leased to the tools; known to the guard only through the lease. */
export const LEASED = 'lc-canary-Zq8Rt5Wx2Mv9Kp4Ny7Hb3Jd6';
/** Pasted by the user into the prompt; nobody leased it, a built-in rule catches it. */
export const PASTED = 'sk-proj-Q7d9fK2mX4pL8sV3nB6tR1wY5zC0hJ7gE2aU9oI4';

export const STREAM_MODES = [
  'values',
  'updates',
  'messages',
  'tools',
  'custom',
  'tasks',
  'debug',
  'checkpoints',
] as const;
export type StreamModeName = (typeof STREAM_MODES)[number];

export interface Protections {
  /** guardTools around the tools. */
  wrapTools: boolean;
  /** leaseMiddleware in createAgent. */
  middleware: boolean;
  /** redactAgentStream around agent.stream. */
  streamHelper: boolean;
  /** redactCallbacks around the app's own handler, anonymizer on the LangSmith client. */
  tracing: boolean;
}

export const ALL: Protections = { wrapTools: true, middleware: true, streamHelper: true, tracing: true };

/** Every handler call, as a tracer or logger would record it. */
class Recorder extends BaseCallbackHandler {
  name = 'recorder';
  readonly events: unknown[] = [];
  constructor() {
    super();
    const methods = [
      'handleChatModelStart',
      'handleLLMNewToken',
      'handleLLMEnd',
      'handleLLMError',
      'handleChainStart',
      'handleChainEnd',
      'handleChainError',
      'handleToolStart',
      'handleToolEnd',
      'handleToolError',
      'handleToolEvent',
      'handleCustomEvent',
    ] as const;
    for (const m of methods) {
      (this as unknown as Record<string, (...a: unknown[]) => void>)[m] = (...args: unknown[]) => {
        this.events.push([m, ...args]);
      };
    }
  }
}

export interface ScenarioResult {
  /** Channel name -> everything seen on it. */
  channels: Record<string, unknown>;
  guard: Guard;
}

/** The text of the streamed model messages, tokens and tool-call argument pieces joined per message. */
function tokenText(items: unknown[]): string[] {
  const byId = new Map<string, string>();
  for (const item of items) {
    const [message] = item as [AIMessageChunk | BaseMessage];
    if (!AIMessageChunk.isInstance(message)) continue;
    const key = message.id ?? '';
    const args = (message.tool_call_chunks ?? []).map((c) => c.args ?? '').join('');
    byId.set(
      key,
      (byId.get(key) ?? '') + (typeof message.content === 'string' ? message.content : '') + args,
    );
  }
  return [...byId.values()];
}

export async function runScenario(p: Protections): Promise<ScenarioResult> {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const audit = memoryAudit();
  const guard = createGuard({
    agent: { id: 'leak-suite' },
    broker: localBroker({ credentials: { github: { value: LEASED, inject: { type: 'bearer' } } } }),
    grants: { github: { scopes: ['issues:*'], maxTtl: '1m', hosts: ['api.github.com'] } },
    audit: { sink: audit },
    telemetry: { tracerProvider: provider },
  });
  // Without the wrapper there is no lease: the body falls back to a raw value, as tools do today with process.env.
  const token = () => (p.wrapTools ? currentLease('github').reveal() : LEASED);

  const readIssue = tool(
    ({ repo }, config) => {
      (config as { writer?: (c: unknown) => void }).writer?.({
        progress: `fetching ${repo} with ${token()}`,
      });
      return [`issue 1 of ${repo}; auth=${token()}`, { headers: { authorization: `Bearer ${token()}` } }];
    },
    {
      name: 'read_issue',
      description: 'Reads an issue',
      schema: z.object({ repo: z.string(), note: z.string().optional() }),
      responseFormat: 'content_and_artifact',
    },
  );
  const closeIssue = tool(
    ({ repo }) => {
      throw new Error(`403 closing ${repo} with token ${token()}\n    at request (secret-stack.js:1:1)`);
    },
    { name: 'close_issue', description: 'Closes an issue', schema: z.object({ repo: z.string() }) },
  );
  const needs = { credential: 'github', scopes: (i: { repo: string }) => [`issues:write:${i.repo}`] };
  const tools = p.wrapTools
    ? guardTools(guard, [readIssue, closeIssue], { read_issue: needs, close_issue: needs })
    : [readIssue, closeIssue];

  const model = new ScriptedChatModel([
    {
      text: 'Let me look.',
      toolCalls: [
        { name: 'read_issue', args: { repo: 'acme/widgets', note: `key ${PASTED}` }, id: 'call_1' },
        { name: 'close_issue', args: { repo: 'acme/widgets' }, id: 'call_2' },
      ],
    },
    // A model that repeats what it should not (prompt injection): the worst case for output redaction.
    { text: `Done. The token was ${LEASED} and your key is ${PASTED}.` },
  ]);

  const recorder = new Recorder();
  const bodies: string[] = [];
  const client = new Client({
    apiKey: 'test-key',
    apiUrl: 'http://langsmith.invalid',
    autoBatchTracing: false,
    ...(p.tracing ? { anonymizer: langsmithAnonymizer(guard) } : {}),
    fetchImplementation: (_url: unknown, init?: { body?: unknown }) => {
      bodies.push(
        typeof init?.body === 'string' ? init.body : Buffer.from(init?.body as Uint8Array).toString(),
      );
      return Promise.resolve(
        new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } }),
      );
    },
  });
  const tracer = new LangChainTracer({ client, projectName: 'leak-suite' });

  const agent = createAgent({
    model,
    tools,
    systemPrompt: 'You manage GitHub issues.',
    middleware: p.middleware ? [leaseMiddleware(guard)] : [],
  });
  // With background callbacks LangGraph's "messages" stream drops the events a slow handler (the LangSmith
  // tracer) delays past the end of the run; in the foreground every event arrives and is checked.
  const background = process.env.LANGCHAIN_CALLBACKS_BACKGROUND;
  process.env.LANGCHAIN_CALLBACKS_BACKGROUND = 'false';
  const handlers = p.tracing ? [...redactCallbacks(guard, [recorder]), tracer] : [recorder, tracer];
  const raw = await agent.stream(
    { messages: [new HumanMessage(`Check acme/widgets. My OpenAI key is ${PASTED}`)] },
    { streamMode: [...STREAM_MODES], callbacks: handlers },
  );
  const stream = p.streamHelper ? redactAgentStream(guard, raw) : raw;
  const byMode: Record<string, unknown[]> = {};
  let error: unknown;
  try {
    for await (const item of stream) {
      const [mode, chunk] = item as [string, unknown];
      (byMode[mode] ??= []).push(chunk);
    }
  } catch (e) {
    error = e;
  }
  if (background === undefined) delete process.env.LANGCHAIN_CALLBACKS_BACKGROUND;
  else process.env.LANGCHAIN_CALLBACKS_BACKGROUND = background;
  await awaitAllCallbacks();
  await client.awaitPendingTraceBatches();
  await guard.close();

  const values = byMode.values ?? [];
  const last = values.at(-1) as { messages?: { type: string; status?: string }[] } | undefined;
  const messages = last?.messages ?? [];
  return {
    guard,
    channels: {
      prompt: model.calls,
      ...Object.fromEntries(STREAM_MODES.map((m) => [`stream:${m}`, byMode[m] ?? []])),
      // What a chat UI shows: the tokens joined. A secret split across tokens only appears here.
      'stream:messages text': tokenText(byMode.messages ?? []),
      'tool result': messages.filter((m) => m.type === 'tool' && m.status !== 'error'),
      'tool error': [messages.filter((m) => m.type === 'tool' && m.status === 'error'), error],
      callbacks: recorder.events,
      langsmith: bodies,
      spans: exporter.getFinishedSpans().map((s) => ({
        name: s.name,
        attributes: s.attributes,
        events: s.events,
        status: s.status,
      })),
      audit: audit.events(),
    },
  };
}
