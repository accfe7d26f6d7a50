// Guarded vs unguarded tool-call overhead in createAgent with a fake model, side by side in one run.
// Run: pnpm --filter @agent-lease/langchain bench   (env ITERATIONS, default 300 agent runs per variant;
// `--smoke` for a few runs; BENCH_JSON=<file> writes the results)
import { writeFileSync } from 'node:fs';
import { createGuard, currentLease, localBroker, memoryAudit } from '@agent-lease/core';
import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { createAgent, createMiddleware, fakeModel } from 'langchain';
import { z } from 'zod';
import { guardTools, leaseMiddleware } from '../src/index.js';

const smoke = process.argv.includes('--smoke');
const ITERATIONS = Number(process.env.ITERATIONS ?? (smoke ? 5 : 300));
const WARMUP = Number(process.env.WARMUP ?? (smoke ? 2 : 30));
const TOKEN = 'bench-token-Zq8Rt5Wx2Mv9Kp4Ny7Hb3Jd6';

const guard = createGuard({
  agent: { id: 'bench' },
  broker: localBroker({ credentials: { github: { value: TOKEN } } }),
  grants: { github: { scopes: ['issues:*'], maxTtl: '1m' } },
  audit: { sink: memoryAudit() },
  telemetry: { toolSpans: true },
});

const schema = z.object({ repo: z.string() });
const plainTool = tool(
  ({ repo }) => `issue of ${repo}: the body of the issue, about 80 characters of text here`,
  {
    name: 'read_issue',
    description: 'Reads an issue',
    schema,
  },
);
const leasedTool = tool(
  ({ repo }) => {
    currentLease('github');
    return `issue of ${repo}: the body of the issue, about 80 characters of text here`;
  },
  { name: 'read_issue', description: 'Reads an issue', schema },
);
const [guardedTool] = guardTools(guard, [leasedTool], {
  read_issue: { credential: 'github', scopes: (i) => [`issues:read:${i.repo}`] },
});

/** One agent run: model asks for the tool, tool runs, model answers. A fresh fake model per run (it is a queue). */
function model() {
  return fakeModel()
    .respondWithTools([{ name: 'read_issue', args: { repo: 'acme/widgets' }, id: 'call_1' }])
    .respond(new AIMessage('The issue is about widgets.'));
}

// Same hooks doing nothing: what LangGraph charges for the extra nodes, apart from the redaction work.
const noopMiddleware = createMiddleware({
  name: 'Noop',
  beforeModel: () => undefined,
  wrapModelCall: (request, handler) => handler(request),
  wrapToolCall: (request, handler) => handler(request),
});

const variants = {
  unguarded: () => createAgent({ model: model(), tools: [plainTool] }),
  'guardTool only': () => createAgent({ model: model(), tools: [guardedTool] }),
  'unguarded + no-op middleware': () =>
    createAgent({ model: model(), tools: [plainTool], middleware: [noopMiddleware] }),
  'guardTool + leaseMiddleware': () =>
    createAgent({ model: model(), tools: [guardedTool], middleware: [leaseMiddleware(guard)] }),
};
type Name = keyof typeof variants;

async function once(name: Name): Promise<number> {
  const agent = variants[name]();
  const start = performance.now();
  await agent.invoke({ messages: [new HumanMessage('Read the widgets issue')] });
  return performance.now() - start;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const names = Object.keys(variants) as Name[];
const times = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<Name, number[]>;
for (let i = 0; i < WARMUP; i++) for (const n of names) await once(n);
// Interleaved, rotating the order, so drift and GC on a noisy machine hit every variant alike.
for (let i = 0; i < ITERATIONS; i++) {
  for (let j = 0; j < names.length; j++) {
    const n = names[(i + j) % names.length]!;
    times[n].push(await once(n));
  }
}
await guard.close();

const base = median(times.unguarded);
console.log(
  `createAgent, fake model, 1 tool call per run; ${ITERATIONS} runs per variant, interleaved; median (min-max) ms`,
);
const rows = names.map((n) => {
  const m = median(times[n]);
  return {
    name: n,
    median: m,
    min: Math.min(...times[n]),
    max: Math.max(...times[n]),
    n: times[n].length,
    ratio: m / base,
    added: m - base,
  };
});
for (const r of rows)
  console.log(
    `${r.name.padEnd(30)} ${r.median.toFixed(3).padStart(8)} ms (${r.min.toFixed(2)}-${r.max.toFixed(2)})   x${r.ratio.toFixed(2)}   +${r.added.toFixed(3)} ms`,
  );
if (process.env.BENCH_JSON)
  writeFileSync(
    process.env.BENCH_JSON,
    JSON.stringify(
      {
        bench: 'langchain-tool-call',
        mode: smoke ? 'smoke' : 'full',
        node: process.version,
        config: { iterations: ITERATIONS, warmup: WARMUP },
        tables: [{ title: 'createAgent run with one tool call', unit: 'ms', baseline: 'unguarded', rows }],
      },
      null,
      2,
    ),
  );
