/* global process, console */
// Scrub cost per span: 20 string attributes, 100 live registered values, side by side with an unscrubbed
// baseline in the same process. Each scenario starts and ends spans on its own BasicTracerProvider whose only
// other processor is a no-op exporter behind a BatchSpanProcessor (what production runs).
// Run: pnpm --filter @agent-lease/otel build && pnpm --filter @agent-lease/otel bench
import { createRedactor } from '@agent-lease/core';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { RedactingSpanProcessor } from '../dist/index.js';

const SPANS = Number(process.env.SPANS ?? 20_000);
const RUNS = Number(process.env.RUNS ?? 9);
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
console.log(`node ${process.version}, ${SPANS} spans x ${RUNS} runs, 20 attributes, 100 registered values`);
for (const s of scenarios) {
  const m = median(samples.get(s.name));
  const added = m - base;
  console.log(
    `${s.name.padEnd(58)} ${(m / 1000).toFixed(2).padStart(7)} µs/span  ` +
      (s === scenarios[0] ? '' : `added ${(added / 1000).toFixed(2)} µs  (x${(m / base).toFixed(2)})`),
  );
}

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
  console.log(
    `scrub only (onEnding on a built span), ${rules ? 'with builtin rules' : 'rules: false'}`.padEnd(58) +
      ` ${(median(xs) / 1000).toFixed(2).padStart(7)} µs/span`,
  );
}
for (const s of scenarios) await s.provider.shutdown();
