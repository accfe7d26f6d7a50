/* global process, console */
// Scrub cost per span: 20 string attributes, 100 live registered values, side by side with an unscrubbed
// baseline in the same process. Each scenario starts and ends spans on its own BasicTracerProvider whose only
// other processor is a no-op exporter behind a BatchSpanProcessor (what production runs).
// Run: pnpm --filter @agent-lease/otel build && pnpm --filter @agent-lease/otel bench   [-- --smoke]
// (env SPANS, RUNS; BENCH_JSON=<file> writes the results)
import { writeFileSync } from 'node:fs';
import { createRedactor } from '@agent-lease/core';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { RedactingSpanProcessor } from '../dist/index.js';

const smoke = process.argv.includes('--smoke');
const SPANS = Number(process.env.SPANS ?? (smoke ? 500 : 20_000));
const RUNS = Number(process.env.RUNS ?? (smoke ? 2 : 9));
const nullExporter = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} };

function redactorWith(rules) {
  const r = createRedactor(rules ? {} : { rules: false });
  for (let i = 0; i < 100; i++)
    r.register(`sk-live-${i}-${Math.random().toString(36).slice(2, 14)}`, `cred${i}`);
  return r;
}

const attributes = {};
for (let i = 0; i < 20; i++)
  attributes[`app.attribute_${i}`] = `value ${i} ${'lorem ipsum '.repeat(1 + (i % 4))}`;

function scenario(name, processors) {
  const provider = new BasicTracerProvider({
    spanProcessors: [...processors, new BatchSpanProcessor(nullExporter)],
  });
  const tracer = provider.getTracer('bench');
  return {
    name,
    provider,
    run() {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < SPANS; i++) tracer.startSpan('execute_tool lookup', { attributes }).end();
      return Number(process.hrtime.bigint() - t0) / SPANS;
    },
  };
}

const scenarios = [
  scenario('baseline (no scrubbing)', []),
  scenario('RedactingSpanProcessor, known values only (rules: false)', [
    new RedactingSpanProcessor(redactorWith(false)),
  ]),
  scenario('RedactingSpanProcessor, known values + builtin rules', [
    new RedactingSpanProcessor(redactorWith(true)),
  ]),
];

const samples = new Map(scenarios.map((s) => [s.name, []]));
for (const s of scenarios) s.run(); // warm-up
for (let r = 0; r < RUNS; r++) {
  // Interleaved so drift on a noisy machine hits every scenario alike.
  for (const s of scenarios) {
    samples.get(s.name).push(s.run());
    await s.provider.forceFlush();
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(samples.get(scenarios[0].name));
const summary = (name, xs, extra) => ({
  name,
  median: median(xs) / 1000,
  min: Math.min(...xs) / 1000,
  max: Math.max(...xs) / 1000,
  n: xs.length,
  ...extra,
});
console.log(
  `node ${process.version}, ${SPANS} spans x ${RUNS} runs, 20 attributes, 100 registered values; median (min-max)`,
);
const spanRows = [];
for (const s of scenarios) {
  const xs = samples.get(s.name);
  const m = median(xs);
  const added = m - base;
  spanRows.push(summary(s.name, xs, { ratio: m / base, added: added / 1000 }));
  console.log(
    `${s.name.padEnd(58)} ${(m / 1000).toFixed(2).padStart(7)} µs/span (${(Math.min(...xs) / 1000).toFixed(2)}-${(Math.max(...xs) / 1000).toFixed(2)})  ` +
      (s === scenarios[0] ? '' : `added ${(added / 1000).toFixed(2)} µs  (x${(m / base).toFixed(2)})`),
  );
}
const scrubRows = [];

// The scrub alone, on one ended clean span (nothing to replace, so every call does the full scan).
for (const rules of [false, true]) {
  const p = new RedactingSpanProcessor(redactorWith(rules));
  let span;
  const provider = new BasicTracerProvider({
    spanProcessors: [
      {
        onStart() {},
        onEnd(s) {
          span = s;
        },
        forceFlush: async () => {},
        shutdown: async () => {},
      },
    ],
  });
  provider.getTracer('bench').startSpan('execute_tool lookup', { attributes }).end();
  const xs = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < SPANS; i++) p.onEnding(span);
    xs.push(Number(process.hrtime.bigint() - t0) / SPANS);
  }
  const name = `scrub only (onEnding on a built span), ${rules ? 'with builtin rules' : 'rules: false'}`;
  scrubRows.push(summary(name, xs));
  console.log(
    name.padEnd(58) +
      ` ${(median(xs) / 1000).toFixed(2).padStart(7)} µs/span (${(Math.min(...xs) / 1000).toFixed(2)}-${(Math.max(...xs) / 1000).toFixed(2)})`,
  );
}
for (const s of scenarios) await s.provider.shutdown();
if (process.env.BENCH_JSON)
  writeFileSync(
    process.env.BENCH_JSON,
    JSON.stringify(
      {
        bench: 'otel-span-scrub',
        mode: smoke ? 'smoke' : 'full',
        node: process.version,
        config: { spans: SPANS, runs: RUNS, attributes: 20, registeredValues: 100 },
        tables: [
          {
            title: 'span start+end with processors',
            unit: 'µs',
            baseline: scenarios[0].name,
            rows: spanRows,
          },
          { title: 'scrub alone per span', unit: 'µs', rows: scrubRows },
        ],
      },
      null,
      2,
    ),
  );
