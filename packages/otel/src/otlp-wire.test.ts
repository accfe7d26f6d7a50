/**
 * End to end: spans from the guard and from a third-party tracer go through the REAL OTLP exporters
 * (HTTP/JSON and HTTP/protobuf, with and without gzip) to a loopback receiver started here, and the received
 * bytes hold no registered form of any canary. The canaries are leased values, registered by the guard itself.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { createGuard, localBroker, type Guard } from '@agent-lease/core';
import { SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupTracing } from './setup-tracing.js';
import { CANARIES, leakedCanaries, type CanaryName } from './test-fixtures.js';

interface Received {
  contentType: string;
  gzip: boolean;
  body: Buffer;
}

let server: Server;
let url: string;
const received: Received[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const gzip = req.headers['content-encoding'] === 'gzip';
      const raw = Buffer.concat(chunks);
      const contentType = req.headers['content-type'] ?? '';
      received.push({ contentType, gzip, body: gzip ? gunzipSync(raw) : raw });
      const json = contentType.includes('json');
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      res.end(json ? '{}' : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

/** Every length-delimited field of a protobuf message, as UTF-8, recursively: no schema needed to grep. */
function protobufStrings(buf: Uint8Array, out: string[] = [], depth = 0): boolean {
  let i = 0;
  const varint = (): number => {
    let result = 0;
    let mul = 1;
    for (;;) {
      if (i >= buf.length) throw new RangeError('truncated varint');
      const b = buf[i++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
  };
  try {
    while (i < buf.length) {
      const key = varint();
      if (key >>> 3 === 0) return false;
      const wire = key & 7;
      if (wire === 0) varint();
      else if (wire === 1) i += 8;
      else if (wire === 5) i += 4;
      else if (wire === 2) {
        const len = varint();
        if (i + len > buf.length) return false;
        const sub = buf.subarray(i, i + len);
        i += len;
        out.push(Buffer.from(sub).toString('utf8'));
        const nested: string[] = [];
        if (depth < 32 && protobufStrings(sub, nested, depth + 1)) out.push(...nested);
      } else return false;
    }
  } catch {
    return false;
  }
  return i === buf.length;
}

function decode(r: Received): unknown {
  if (r.contentType.includes('json')) return JSON.parse(r.body.toString('utf8')) as unknown;
  const strings: string[] = [];
  expect(protobufStrings(r.body, strings)).toBe(true);
  return strings;
}

const LIMIT = 64;
const resourceAttributes = { 'process.command_args': ['node', 'agent.js', `--vault-token=${CANARIES.cli}`] };

function makeGuard(): Guard {
  const names = Object.keys(CANARIES) as CanaryName[];
  return createGuard({
    agent: { id: 'wire-bot' },
    broker: localBroker({
      credentials: Object.fromEntries(names.map((n) => [n, { value: CANARIES[n] }])),
    }),
    grants: Object.fromEntries(names.map((n) => [n, { scopes: ['use'], maxTtl: '5m' }])),
  });
}

/** What an instrumented LLM/tool library records, with a canary in every place OTLP carries text. */
function thirdPartyWork(tracer: Tracer, v: Record<CanaryName, string>): void {
  tracer.startActiveSpan(`chat ${v.quoted}`, (span) => {
    span.setAttribute(
      'gen_ai.input.messages',
      JSON.stringify([{ role: 'user', content: `use ${v.quoted}` }]),
    );
    span.setAttribute('gen_ai.tool.call.arguments', ['--org', `--token=${v.github}`]);
    // Cut by attributeValueLengthLimit: only the canary's first 12 characters survive the SDK's truncation.
    span.setAttribute('http.request.header.authorization', `${'x'.repeat(LIMIT - 12)}${v.truncated}`);
    span.addEvent('gen_ai.choice', { 'gen_ai.output': `here it is: ${v.github}` });
    span.addLink({ context: span.spanContext(), attributes: { 'link.reason': v.exception } });
    span.recordException(new Error(`vault login failed for ${v.exception}`));
    span.setStatus({ code: SpanStatusCode.ERROR, message: `vault login failed for ${v.exception}` });
    span.end();
  });
}

async function runWorkload(exporter: SpanExporter, protect: boolean): Promise<Received[]> {
  received.length = 0;
  // The guard exists before the provider (setupTracing needs the guard); its global tracer binds late.
  const guard = makeGuard();
  let provider: BasicTracerProvider;
  let shutdown: () => Promise<void>;
  if (protect) {
    const setup = setupTracing({
      guard,
      exporter,
      serviceName: 'wire-test',
      resourceAttributes,
      spanLimits: { attributeValueLengthLimit: LIMIT },
    });
    provider = setup.provider;
    shutdown = () => setup.shutdown();
  } else {
    const unprotected = new BasicTracerProvider({
      resource: defaultResource().merge(
        resourceFromAttributes({ 'service.name': 'wire-test', ...resourceAttributes }),
      ),
      spanLimits: { attributeValueLengthLimit: LIMIT },
      spanProcessors: [new BatchSpanProcessor(exporter)],
    });
    trace.setGlobalTracerProvider(unprotected);
    provider = unprotected;
    shutdown = async () => {
      await unprotected.shutdown();
      trace.disable();
    };
  }
  const names = Object.keys(CANARIES) as CanaryName[];
  await guard.withLease(
    { tool: 'deploy', needs: names.map((credential) => ({ credential, scopes: ['use'] })) },
    (_first, leases) => {
      const values = Object.fromEntries(names.map((n) => [n, leases.get(n)!.reveal()])) as Record<
        CanaryName,
        string
      >;
      thirdPartyWork(provider.getTracer('third-party-llm-lib', '1.0.0'), values);
    },
  );
  // Values stay registered for the grace period, so the batch exported now is still scrubbed.
  await provider.forceFlush();
  await shutdown();
  await guard.close();
  return [...received];
}

const variants: [string, (compression: 'gzip' | 'none') => SpanExporter][] = [
  ['http/json', (compression) => new OtlpJsonExporter({ url, compression: compression as never })],
  ['http/protobuf', (compression) => new OtlpProtoExporter({ url, compression: compression as never })],
];

describe('OTLP on the wire', () => {
  for (const [protocol, make] of variants) {
    for (const compression of ['none', 'gzip'] as const) {
      it(`${protocol} (${compression}): no canary form in the received bytes`, async () => {
        const requests = await runWorkload(make(compression), true);
        expect(requests.length).toBeGreaterThan(0);
        for (const r of requests) {
          expect(r.gzip).toBe(compression === 'gzip');
          expect(r.contentType).toContain(protocol === 'http/json' ? 'json' : 'protobuf');
          expect(leakedCanaries(r.body, `${protocol}-raw`)).toEqual([]);
          expect(leakedCanaries(decode(r), `${protocol}-decoded`)).toEqual([]);
        }
        const all = requests.map((r) => r.body.toString('utf8')).join('\n');
        // The spans did arrive, with placeholders where the values were: a pass cannot come from an empty export.
        expect(all).toContain('chat [REDACTED:quoted]');
        expect(all).toContain('execute_tool deploy');
        expect(all).toContain('[REDACTED:truncated]');
        expect(all).toContain('--vault-token=[REDACTED:cli]');
        expect(all).toContain('vault login failed for [REDACTED:exception]');
      });
    }

    it(`${protocol} control: the same setup without agent-lease/otel leaks every canary`, async () => {
      const requests = await runWorkload(make('gzip'), false);
      expect(requests.length).toBeGreaterThan(0);
      const leaked = new Set(requests.flatMap((r) => leakedCanaries(r.body)));
      expect([...leaked].sort()).toEqual(['cli', 'exception', 'github', 'quoted', 'truncated']);
    });
  }
});
