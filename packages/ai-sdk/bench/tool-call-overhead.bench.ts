/**
 * Overhead of a guarded tool call over an unguarded one in `generateText` with a mock model (embedded broker),
 * side by side in one process: each round runs both variants back to back (order alternating) so drift and
 * GC hit both alike. Reports medians per `generateText` call (two steps, one tool call) and the median of the
 * per-round differences.
 * Run: pnpm --filter @agent-lease/ai-sdk bench   [-- --rounds 3000] [-- --smoke] [-- --only <scenario text>]
 * [-- --floor]; BENCH_JSON=<file> writes the results.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { writeFileSync } from 'node:fs';
import { createGuard, currentLease, localBroker, semconv as sc, type Guard } from '@agent-lease/core';
import { RedactingSpanProcessor } from '@agent-lease/otel';
import { OpenTelemetry } from '@ai-sdk/otel';
import { context, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { generateText, isStepCount, tool, type TelemetryOptions, type ToolSet } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { z } from 'zod';
import { guardTools } from '../src/index.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const smoke = process.argv.includes('--smoke');
const ROUNDS = arg('rounds', smoke ? 20 : 2000);
const WARMUP = arg('warmup', smoke ? 5 : 300);
// Runs only the scenarios whose name contains this text (e.g. `--only "no telemetry"`), for quick A/B runs.
const onlyAt = process.argv.indexOf('--only');
const ONLY = onlyAt === -1 ? undefined : process.argv[onlyAt + 1];
// Adds the "required work alone" variant (see requiredWorkAlone), a diagnostic for issue 5.
const FLOOR = process.argv.includes('--floor');

const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 5, text: 5, reasoning: undefined },
};
let calls = 0;
/**
 * Tool call ids shaped like a provider's (OpenAI: `call_` + 24 base62 characters), fresh every call: the guard
 * redacts each id before audit records carry it, which a short mock id (`c1`) skips almost entirely. Seeded, so
 * every run sees the same ids.
 */
const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
let seed = 0x2f6b1d;
function nextCallId(): string {
  let id = 'call_';
  for (let i = 0; i < 24; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    id += BASE62.charAt((seed >>> 8) % 62);
  }
  return id;
}
// One tool call, then an answer: the shape of every agent step that uses a tool.
const model = new MockLanguageModelV4({
  doGenerate: () =>
    Promise.resolve(
      calls++ % 2 === 0
        ? {
            content: [
              { type: 'tool-call', toolCallId: nextCallId(), toolName: 'read_issue', input: '{"number":7}' },
            ],
            finishReason: { unified: 'tool-calls', raw: undefined },
            usage,
            warnings: [],
          }
        : {
            content: [{ type: 'text', text: 'Issue 7 is about a flaky test.' }],
            finishReason: { unified: 'stop', raw: undefined },
            usage,
            warnings: [],
          },
    ),
});
// Mock records every call; keep its arrays from growing through the run.
const trimModel = () => {
  model.doGenerateCalls.length = 0;
};

const TOKEN = 'bench-token-6c1f0e9a7b3d52';
/** What every variant's tool returns: the same object for each to redact. */
const issue = (number: number) => ({ number, title: 'Flaky test', body: 'The test fails one run in ten.' });
const plainTools = {
  read_issue: tool({
    inputSchema: z.object({ number: z.number() }),
    execute: ({ number }) => issue(number),
  }),
};
const leasedTools = {
  read_issue: tool({
    inputSchema: z.object({ number: z.number() }),
    execute: ({ number }) => {
      currentLease('tracker'); // what a real tool does first: take its lease (value stays unrevealed)
      return issue(number);
    },
  }),
};

function makeGuard(provider?: BasicTracerProvider): Guard {
  return createGuard({
    agent: { id: 'bench-bot' },
    broker: localBroker({ credentials: { tracker: { value: TOKEN } } }),
    grants: { tracker: { scopes: ['issues:read'], maxTtl: '1m' } },
    ...(provider ? { telemetry: { tracerProvider: provider } } : {}),
  });
}

async function run(tools: ToolSet, telemetry: TelemetryOptions | undefined): Promise<number> {
  const t = performance.now();
  await generateText({
    model,
    tools,
    prompt: 'read issue 7',
    stopWhen: isStepCount(2),
    ...(telemetry ? { telemetry } : {}),
  });
  return (performance.now() - t) * 1000; // µs
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

interface Scenario {
  name: string;
  /** Variant 0 is the baseline (unguarded); the others are compared with it. */
  variants: [string, ToolSet][];
  telemetry?: TelemetryOptions;
  setup?: () => void;
  between?: () => void;
  close: () => Promise<void>;
}

async function measure(s: Scenario) {
  s.setup?.();
  const times = s.variants.map(() => [] as number[]);
  const diffs = s.variants.map(() => [] as number[]);
  const n = s.variants.length;
  for (let i = 0; i < WARMUP + ROUNDS; i++) {
    const round: number[] = new Array<number>(n).fill(0);
    // Rotate the order every round so no variant always runs first (or right after a GC-heavy one).
    for (let k = 0; k < n; k++) {
      const v = (i + k) % n;
      round[v] = await run(s.variants[v]![1], s.telemetry);
      trimModel();
      s.between?.();
    }
    if (i < WARMUP) continue;
    for (let v = 0; v < n; v++) {
      times[v]!.push(round[v]!);
      diffs[v]!.push(round[v]! - round[0]!);
    }
  }
  await s.close();
  return s.variants.map(([name], v) => ({
    name,
    median: median(times[v]!),
    min: Math.min(...times[v]!),
    max: Math.max(...times[v]!),
    n: times[v]!.length,
    overhead: median(diffs[v]!),
    ratio: median(times[v]!) / median(times[0]!),
  }));
}

/** Drops what it is given, as a network exporter leaves nothing behind in the process. */
class DroppingExporter extends InMemorySpanExporter {
  override export(_spans: ReadableSpan[], done: Parameters<InMemorySpanExporter['export']>[1]): void {
    super.export([], done);
  }
}

/**
 * Diagnostic, not a product path (`--floor`): the work a leased call has to do by the issue's terms and nothing
 * else: three audit records with their strings redacted, a lease span at acquire and at revoke, the body run with
 * its lease in an AsyncLocalStorage switched on only meanwhile, the result redacted. No grants, scopes, lock, lease
 * ids, broker, lease object, value registration, metrics, lifetimes or abort handling. It bounds what a leaner call
 * path could reach.
 */
const floorStore = new AsyncLocalStorage<{ tool: string }>();
const floorAudit: object[] = [];
function requiredWorkAlone(guard: Guard, tracer: Tracer): ToolSet {
  const scopes = ['issues:read'];
  const record = (type: string, toolCallId: string) => {
    floorAudit.push({
      type,
      time: new Date().toISOString(),
      agent: guard.agent,
      outcome: 'ok',
      tool: 'read_issue',
      toolCallId: guard.redact(toolCallId),
      credential: 'tracker',
      scopes: scopes.map((s) => guard.redact(s)),
      leaseId: 'hmac-sha256:0',
    });
    if (floorAudit.length >= 10_000) floorAudit.length = 0; // the memory sink's ring size
  };
  const leaseSpan = (name: string) =>
    tracer
      .startSpan(name, {
        attributes: {
          [sc.ATTR_GEN_AI_AGENT_ID]: guard.agent.id,
          [sc.ATTR_LEASE_CREDENTIAL]: 'tracker',
          [sc.ATTR_LEASE_SCOPES]: scopes,
          [sc.ATTR_LEASE_ID]: 'hmac-sha256:0',
          [sc.ATTR_BROKER_KIND]: 'local',
        },
      })
      .end();
  return {
    read_issue: tool({
      inputSchema: z.object({ number: z.number() }),
      execute: ({ number }, { toolCallId }) => {
        record('lease.requested', toolCallId);
        leaseSpan('lease.acquire tracker');
        record('lease.granted', toolCallId);
        let result: unknown;
        try {
          result = floorStore.run({ tool: 'read_issue' }, () => {
            if (floorStore.getStore() === undefined) throw new Error('no lease'); // what currentLease() reads
            return issue(number);
          });
        } finally {
          floorStore.disable();
          leaseSpan('lease.revoke tracker');
          record('lease.revoked', toolCallId);
        }
        return Promise.resolve(guard.redactDeep(result));
      },
    }),
  };
}

const NEEDS = { read_issue: { credential: 'tracker', scopes: ['issues:read'] } };
function variants(guard: Guard, tracer: Tracer = trace.getTracer('agent-lease')): [string, ToolSet][] {
  return [
    ['unguarded', plainTools],
    ...(FLOOR
      ? [['required work alone (diagnostic)', requiredWorkAlone(guard, tracer)] as [string, ToolSet]]
      : []),
    ['guardTools, no needs (span + redaction)', guardTools(guard, plainTools)],
    ['guardTools, leased (localBroker)', guardTools(guard, leasedTools, NEEDS)],
  ];
}

async function main() {
  const scenarios: (() => Scenario)[] = [
    () => {
      const guard = makeGuard();
      return {
        name: 'no telemetry SDK',
        variants: variants(guard),
        telemetry: { isEnabled: false },
        close: () => guard.close(),
      };
    },
    // Simple processor + in-memory exporter: every span is exported inside span.end(), the dearest setup. Batch
    // processor + an exporter that drops the spans: what production runs (and what setupTracing() builds).
    ...[
      { redacting: false, batch: false },
      { redacting: true, batch: false },
      { redacting: true, batch: true },
    ].map(({ redacting, batch }) => (): Scenario => {
      const exporter = new InMemorySpanExporter();
      const processors: SpanProcessor[] = [
        batch ? new BatchSpanProcessor(new DroppingExporter()) : new SimpleSpanProcessor(exporter),
      ];
      const provider = new BasicTracerProvider({ spanProcessors: processors });
      const guard = makeGuard(provider);
      if (redacting) processors.unshift(new RedactingSpanProcessor(guard));
      const telemetry: TelemetryOptions = {
        integrations: [new OpenTelemetry({ tracer: provider.getTracer('gen_ai') })],
      };
      return {
        name: `recording SDK${batch ? ' (BatchSpanProcessor)' : ''} + @ai-sdk/otel${redacting ? ' + RedactingSpanProcessor' : ''}`,
        variants: variants(guard, provider.getTracer('agent-lease')),
        telemetry,
        // A Node OTel setup has a context manager, so spans nest (execute_tool under step under invoke_agent).
        setup: () => context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()),
        between: () => exporter.reset(),
        close: async () => {
          await guard.close();
          await provider.shutdown();
          context.disable();
        },
      };
    }),
  ];
  console.log(
    `generateText, 2 steps, 1 tool call; ${ROUNDS} rounds after ${WARMUP} warm-up; µs per call, medians`,
  );
  console.log(`node ${process.version}, ${process.platform}/${process.arch}\n`);
  const rows = [
    ['scenario / variant', 'median µs', 'min µs', 'max µs', 'overhead µs (median of pairs)', 'ratio'],
  ];
  const tables = [];
  for (const make of scenarios) {
    const s = make();
    if (ONLY !== undefined && !s.name.includes(ONLY)) {
      await s.close();
      continue;
    }
    rows.push([s.name, '', '', '', '', '']);
    const results = await measure(s);
    tables.push({ title: `generateText, ${s.name}`, unit: 'µs', baseline: 'unguarded', rows: results });
    for (const r of results) {
      rows.push([
        `  ${r.name}`,
        r.median.toFixed(0),
        r.min.toFixed(0),
        r.max.toFixed(0),
        r.name === 'unguarded' ? '' : r.overhead.toFixed(1),
        r.ratio.toFixed(2),
      ]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows)
    console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  console.log('\ngoal: overhead <= 50 µs');
  if (process.env.BENCH_JSON)
    writeFileSync(
      process.env.BENCH_JSON,
      JSON.stringify(
        {
          bench: 'ai-sdk-tool-call',
          mode: smoke ? 'smoke' : 'full',
          node: process.version,
          config: { rounds: ROUNDS, warmup: WARMUP },
          tables,
        },
        null,
        2,
      ),
    );
}

await main();
