/**
 * One leak case = a credential value (shape, seed) x an encoding x the channel it is pushed into x an adapter.
 * The value is leased through the adapter's real tool wrapper and model middleware; telemetry goes through the
 * real @agent-lease/otel processors to in-memory exporters and the OTLP serializers (the bytes an exporter
 * sends). Every case then scans EVERY observable sink, not only the one it pushed into.
 */
import {
  createGuard,
  currentLease,
  memoryAudit,
  type Broker,
  type Guard,
  type MemoryAuditSink,
} from '@agent-lease/core';
import { guardTools, redactionMiddleware } from '@agent-lease/ai-sdk';
import { guardTool, leaseMiddleware, redactAgentStream } from '@agent-lease/langchain';
import { RedactingSpanProcessor, redactingExporter } from '@agent-lease/otel';
import { RedactingLogRecordProcessor } from '@agent-lease/otel/logs';
import { createLeakScanner } from '@agent-lease/testing';
import {
  AIMessage,
  AIMessageChunk,
  HumanMessage,
  SystemMessage,
  ToolMessage,
} from '@langchain/core/messages';
import { tool as lcTool } from '@langchain/core/tools';
import { SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type { Logger } from '@opentelemetry/api-logs';
import {
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { z } from 'zod';
import { ENCODINGS, makeValue, randomSplit, type EncodingName, type ShapeName } from './case-values.js';
import { exposedText } from './serialize.js';

export const ADAPTERS = ['ai-sdk', 'langchain'] as const;
export type AdapterName = (typeof ADAPTERS)[number];

/** Where a case pushes the encoded value. */
export const CHANNELS = [
  'prompt',
  'generated-text',
  'streamed-text',
  'tool-result',
  'tool-error',
  'span-attributes',
  'span-events',
  'span-status',
  'span-links',
  'log-records',
] as const;
/**
 * Channels with a known leak (see security-known-gaps.test.ts), kept out of the main property so it stays a
 * regression gate: `tool-input` is a model that writes the value into tool arguments that feed a scope function.
 */
export const KNOWN_GAP_CHANNELS = ['tool-input'] as const;
export type ChannelName = (typeof CHANNELS)[number] | (typeof KNOWN_GAP_CHANNELS)[number];

export interface LeakCase {
  adapter: AdapterName;
  channel: ChannelName;
  encoding: EncodingName;
  shape: ShapeName;
  seed: number;
}

/** A finding without the value: safe to print. */
export interface CaseLeak {
  /** Where the value was pushed. */
  pushed: ChannelName;
  /** Where it was seen. */
  seen: string;
  form: string;
}

/** What a deliberately broken run may switch off, to show the suite fails (see the suite's own tests). */
export interface Sabotage {
  /** Skip the RedactingSpanProcessor and the redacting exporter. */
  noSpanRedaction?: boolean;
  /** Skip the RedactingLogRecordProcessor. */
  noLogRedaction?: boolean;
  /** Pass the model stream through unredacted. */
  noStreamRedaction?: boolean;
}

const SERVICE = 'svc';
const CALL_ID = 'call-1';

/** A broker that leases whatever value the current case set: one guard serves thousands of values. */
function caseBroker(state: { value: string }): Broker {
  return {
    kind: 'case',
    credentialNames: [SERVICE],
    acquire: () => Promise.resolve({ value: state.value, expiresAt: Date.now() + 60_000, renewable: false }),
    revoke: () => Promise.resolve(),
  };
}

/** Which sink shows the value once it went through the channel. */
const SINK_OF: Record<ChannelName, string> = {
  prompt: 'app',
  'generated-text': 'app',
  'streamed-text': 'app',
  'tool-result': 'app',
  'tool-error': 'app',
  'span-attributes': 'spans',
  'span-events': 'spans',
  'span-status': 'spans',
  'span-links': 'spans',
  'log-records': 'logs',
  'tool-input': 'app',
};

export interface CaseResult {
  leaks: CaseLeak[];
  /** The pushed channel's sink shows a redaction placeholder: the case exercised what it claims. */
  carried: boolean;
}

export interface LeakEnv {
  readonly adapter: AdapterName;
  run(c: LeakCase): Promise<CaseResult>;
  close(): Promise<void>;
}

export function createLeakEnv(adapter: AdapterName, sabotage: Sabotage = {}): LeakEnv {
  const state = { value: 'placeholder-value-0000' };
  const spans = new InMemorySpanExporter();
  const logs = new InMemoryLogRecordExporter();
  const audit: MemoryAuditSink = memoryAudit({ capacity: 10_000 });
  // The processors need the guard and the guard needs the provider: redact through a late-bound reference.
  const ref: { guard?: Guard } = {};
  const source = { redact: (text: string) => ref.guard?.redact(text) ?? '[NO GUARD]' };
  const spanProcessors: SpanProcessor[] = sabotage.noSpanRedaction
    ? [new SimpleSpanProcessor(spans)]
    : [new RedactingSpanProcessor(source), new SimpleSpanProcessor(redactingExporter(spans, source))];
  const tracerProvider = new BasicTracerProvider({ spanProcessors });
  const loggerProvider = new LoggerProvider({
    processors: sabotage.noLogRedaction
      ? [new SimpleLogRecordProcessor({ exporter: logs })]
      : [new RedactingLogRecordProcessor(source), new SimpleLogRecordProcessor({ exporter: logs })],
  });
  const guard = createGuard({
    agent: { id: `leak-suite-${adapter}` },
    broker: caseBroker(state),
    grants: { [SERVICE]: { scopes: ['data:*'], maxTtl: '1m', hosts: ['api.example.com'] } },
    audit: { sink: audit },
    telemetry: { tracerProvider },
    // Values stay registered for late echoes; a short grace keeps the redactor's index small over 10k cases.
    redaction: { grace: '2s' },
  });
  ref.guard = guard;
  const tracer: Tracer = tracerProvider.getTracer('third-party-http-client');
  const logger: Logger = loggerProvider.getLogger('app');
  // Scopes from the validated input, as the README shows: `data:read:<q>` (a plain call asks `q: 'x'`).
  const needs = { credential: SERVICE, scopes: (i: { q: string }) => [`data:read:${i.q}`] };

  /** The tool body: reveals the lease and pushes the encoded value into the case's channel. */
  function body(c: LeakCase): unknown {
    const enc = ENCODINGS[c.encoding](currentLease(SERVICE).reveal());
    switch (c.channel) {
      case 'tool-result':
        return { status: 200, body: enc, headers: [['x-debug', enc]] };
      case 'tool-error': {
        const cause = new Error(enc);
        throw Object.assign(new Error(`upstream rejected ${enc}`, { cause }), {
          config: { headers: { auth: enc } },
        });
      }
      case 'span-attributes':
        tracer.startActiveSpan('GET', (span) => {
          span.setAttribute('http.request.header.authorization', enc);
          span.setAttributes({ 'url.full': enc, 'app.tokens': [enc, 'x'] });
          span.end();
        });
        return 'ok';
      case 'span-events':
        tracer.startActiveSpan('GET', (span) => {
          span.addEvent('retry', { 'http.request.body': enc });
          span.recordException(new Error(enc));
          span.end();
        });
        return 'ok';
      case 'span-status':
        tracer.startActiveSpan('GET', (span) => {
          span.setStatus({ code: SpanStatusCode.ERROR, message: enc });
          span.end();
        });
        return 'ok';
      case 'span-links': {
        const other = tracer.startSpan('upstream');
        other.end();
        tracer.startActiveSpan(
          'GET',
          { links: [{ context: other.spanContext(), attributes: { why: enc } }] },
          (span) => {
            span.addLink({ context: other.spanContext(), attributes: { 'link.note': enc } });
            span.end();
          },
        );
        return 'ok';
      }
      case 'log-records':
        logger.emit({
          body: `calling upstream with ${enc}`,
          attributes: { 'http.header': enc, nested: { k: enc } },
        });
        logger.emit({ body: { request: { auth: enc } }, eventName: 'upstream.call' });
        return 'ok';
      default:
        return 'ok';
    }
  }

  // --- AI SDK ---
  const aiTools = guardTools(
    guard,
    {
      fetch_data: {
        inputSchema: z.object({ q: z.string() }),
        execute: (_input: { q: string }) => body(current),
      },
    },
    { fetch_data: needs },
  );
  const aiMiddleware = redactionMiddleware(guard, { auditFindings: false });
  // --- LangChain ---
  const lcGuarded = guardTool(
    guard,
    lcTool(() => body(current), {
      name: 'fetch_data',
      description: 'reads data',
      schema: z.object({ q: z.string() }),
    }),
    needs,
  );
  const lcMiddleware = leaseMiddleware(guard);

  let current: LeakCase = { adapter, channel: 'tool-result', encoding: 'raw', shape: 'alnum', seed: 0 };

  /** Runs the tool through the adapter; returns what the app and the model get back (result or error). */
  async function callTool(q = 'x'): Promise<unknown> {
    if (adapter === 'ai-sdk') {
      const execute = (aiTools.fetch_data as { execute: (i: unknown, o: unknown) => Promise<unknown> })
        .execute;
      try {
        return await execute({ q }, { toolCallId: CALL_ID, messages: [] });
      } catch (error) {
        return { error, modelSees: String(error) };
      }
    }
    try {
      return await lcGuarded.invoke({ name: 'fetch_data', args: { q }, id: CALL_ID, type: 'tool_call' });
    } catch (error) {
      return { error };
    }
  }

  /** Leases the value (so the guard knows it), then lets the model side carry the encoded value. */
  async function modelSide(c: LeakCase, enc: string): Promise<unknown> {
    await callTool(); // the lease that registers the value; the tool body returns 'ok'
    const text = `Here is what I found: ${enc}`;
    if (adapter === 'ai-sdk') {
      if (c.channel === 'prompt') {
        const prompt = [
          { role: 'system', content: `Context: ${enc}` },
          { role: 'user', content: [{ type: 'text', text }] },
          {
            role: 'assistant',
            content: [{ type: 'tool-call', toolCallId: CALL_ID, toolName: 'fetch_data', input: { q: enc } }],
          },
          {
            role: 'tool',
            content: [
              {
                type: 'tool-result',
                toolCallId: CALL_ID,
                toolName: 'fetch_data',
                output: { type: 'text', value: enc },
              },
            ],
          },
        ];
        const tp = aiMiddleware.transformParams as (o: { params: unknown }) => Promise<unknown>;
        return tp({ type: 'generate', params: { prompt }, model: {} } as never);
      }
      if (c.channel === 'generated-text') {
        const wg = aiMiddleware.wrapGenerate as unknown as (o: {
          doGenerate: () => Promise<unknown>;
        }) => Promise<unknown>;
        return wg({
          doGenerate: () =>
            Promise.resolve({
              content: [
                { type: 'text', text },
                { type: 'reasoning', text: enc },
                {
                  type: 'tool-call',
                  toolCallId: CALL_ID,
                  toolName: 'fetch_data',
                  input: JSON.stringify({ q: enc }),
                },
              ],
              finishReason: { unified: 'stop', raw: undefined },
              usage: {},
              warnings: [],
            }),
        });
      }
      // streamed-text
      const pieces = randomSplit(text, c.seed);
      const parts = [
        { type: 'text-start', id: 't1' },
        ...pieces.map((delta) => ({ type: 'text-delta', id: 't1', delta })),
        { type: 'text-end', id: 't1' },
        { type: 'finish', usage: {}, finishReason: { unified: 'stop', raw: undefined } },
      ];
      const ws = aiMiddleware.wrapStream as unknown as (o: { doStream: () => Promise<unknown> }) => Promise<{
        stream: ReadableStream<{ type: string; delta?: string }>;
      }>;
      const source = () => Promise.resolve({ stream: ReadableStream.from(parts) });
      const { stream } = sabotage.noStreamRedaction
        ? { stream: ReadableStream.from(parts) }
        : await ws({ doStream: source });
      const out: { type: string; delta?: string }[] = [];
      for await (const p of stream) out.push(p);
      // What a chat UI shows: the deltas joined (a split value only appears here).
      return { parts: out, shown: out.map((p) => p.delta ?? '').join('') };
    }
    // LangChain
    if (c.channel === 'prompt' || c.channel === 'generated-text') {
      let sent: unknown;
      const wrap = lcMiddleware.wrapModelCall as (
        r: unknown,
        h: (r: unknown) => Promise<unknown>,
      ) => Promise<unknown>;
      const reply = await wrap(
        {
          messages: [
            new HumanMessage(text),
            new AIMessage({
              content: '',
              tool_calls: [{ name: 'fetch_data', args: { q: enc }, id: CALL_ID, type: 'tool_call' }],
            }),
            new ToolMessage({ content: enc, tool_call_id: CALL_ID, artifact: { raw: enc } }),
          ],
          systemMessage: new SystemMessage(`Context: ${enc}`),
        },
        (req) => {
          sent = req;
          return Promise.resolve(
            new AIMessage({
              content: c.channel === 'generated-text' ? text : 'ok',
              tool_calls:
                c.channel === 'generated-text'
                  ? [{ name: 'fetch_data', args: { q: enc }, id: 'call-2', type: 'tool_call' }]
                  : [],
            }),
          );
        },
      );
      return c.channel === 'prompt' ? sent : reply;
    }
    // streamed-text: the "messages" stream mode of an agent, token chunks split at random
    const pieces = randomSplit(text, c.seed);
    async function* raw() {
      for (const [i, piece] of pieces.entries()) {
        const chunk = new AIMessageChunk({ content: piece, id: 'm1' });
        if (i === pieces.length - 1) chunk.response_metadata.finish_reason = 'stop';
        await Promise.resolve();
        yield ['messages', [chunk, { langgraph_node: 'model' }]] as const;
      }
    }
    const out: unknown[] = [];
    const stream = sabotage.noStreamRedaction ? raw() : redactAgentStream(guard, raw());
    for await (const item of stream) out.push(item);
    const shown = out
      .map((item) => {
        const [, [chunk]] = item as [string, [AIMessageChunk]];
        return typeof chunk.content === 'string' ? chunk.content : '';
      })
      .join('');
    return { items: out, shown };
  }

  return {
    adapter,
    async run(c) {
      current = c;
      const value = makeValue(c.shape, c.seed);
      state.value = value;
      spans.reset();
      logs.reset();
      audit.clear();
      const modelChannel =
        c.channel === 'prompt' || c.channel === 'generated-text' || c.channel === 'streamed-text';
      let output: unknown;
      if (modelChannel) output = await modelSide(c, ENCODINGS[c.encoding](value));
      else if (c.channel === 'tool-input') {
        await callTool(); // leases (and registers) the value
        output = await callTool(ENCODINGS[c.encoding](value)); // the model echoes it into the arguments
      } else output = await callTool();

      const scanner = createLeakScanner({ [SERVICE]: value });
      const finished = spans.getFinishedSpans();
      const records = logs.getFinishedLogRecords();
      const sinks: Record<string, string | Uint8Array> = {
        app: exposedText(output),
        spans: exposedText(
          finished.map((s) => ({
            name: s.name,
            attributes: s.attributes,
            events: s.events,
            links: s.links,
            status: s.status,
          })),
        ),
        logs: exposedText(
          records.map((r) => ({ body: r.body, attributes: r.attributes, eventName: r.eventName })),
        ),
        audit: exposedText(audit.events()),
        'otlp-proto': ProtobufTraceSerializer.serializeRequest(finished) ?? new Uint8Array(),
        'otlp-json': JsonTraceSerializer.serializeRequest(finished) ?? new Uint8Array(),
        'otlp-logs': ProtobufLogsSerializer.serializeRequest(records) ?? new Uint8Array(),
      };
      const leaks: CaseLeak[] = [];
      for (const [seen, content] of Object.entries(sinks)) {
        for (const f of scanner.scan(content, seen)) leaks.push({ pushed: c.channel, seen, form: f.form });
      }
      // The value really travelled the channel: its sink shows a redaction placeholder (a case that never
      // reached the channel would pass vacuously).
      const carried = String(sinks[SINK_OF[c.channel]]).includes('[REDACTED');
      return { leaks, carried };
    },
    async close() {
      await guard.close();
      await tracerProvider.shutdown();
      await loggerProvider.shutdown();
    },
  };
}
