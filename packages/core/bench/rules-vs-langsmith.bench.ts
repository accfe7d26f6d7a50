/**
 * Rule detection (no registered values) side by side in one process: our built-in rules vs LangSmith's secret
 * anonymizer (`createSecretAnonymizer`, langsmith 0.12) vs `@secretlint/core` with its recommended preset (the
 * baseline the redaction issue names). Same 1 MB mixed corpus and same synthetic token corpus as
 * redaction.bench.ts (src/redaction/test-corpus.ts). Throughput: median, min and max MB/s (10^6 characters per
 * second) over interleaved samples, ratio against secretlint. Recall: share of the synthetic tokens (every built-in
 * family, three seeds) whose secret part no longer appears in the output (secretlint: a finding overlaps it).
 * Findings on a 1 MB corpus with no secret (UUIDs, SHAs, base64 images, integrity hashes, prose, code, logs) are
 * false positives.
 * Run: node --import tsx bench/rules-vs-langsmith.bench.ts [--smoke]   (from packages/core; BENCH_JSON=<file>)
 */
import { writeFileSync } from 'node:fs';
import { lintSource } from '@secretlint/core';
import { creator as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import { createSecretAnonymizer, DEFAULT_SECRET_RULES, SECRET_PLACEHOLDER } from 'langsmith/anonymizer';
import { createRedactor } from '../src/redaction/index.js';
import { cleanCorpus, mixedCorpus, ruleSamples } from '../src/redaction/test-corpus.js';

const smoke = process.argv.includes('--smoke');
const SIZE = smoke ? 1 << 16 : 1 << 20;
const SAMPLES = smoke ? 1 : 9;
const MIN_MS = smoke ? 0 : 50;
const SEEDS = smoke ? [1] : [1, 2, 3];

const ours = createRedactor();
const anonymize = createSecretAnonymizer();
// LangSmith's rules applied straight to the string, without the anonymizer's JSON clone and tree walk.
const langsmithRulesOnly = (text: string): string =>
  DEFAULT_SECRET_RULES.reduce((t, { pattern, replace }) => {
    const re = typeof pattern === 'string' ? new RegExp(pattern, 'g') : pattern;
    const out = t.replace(re, replace ?? '[redacted]');
    re.lastIndex = 0;
    return out;
  }, text);
const slConfig = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: recommended }] };
const lint = (content: string) =>
  lintSource({
    source: { filePath: '/bench/input.txt', content, contentType: 'text' },
    options: { config: slConfig },
  });

interface Engine {
  name: string;
  /** Returns the redacted text (secretlint: undefined, it only reports). */
  run(text: string): string | undefined | Promise<unknown>;
  samples: number[];
}
const engines: Engine[] = [
  { name: '@secretlint/core + preset-recommend (baseline)', run: (t) => lint(t), samples: [] },
  { name: 'agent-lease rules (createRedactor().redact)', run: (t) => ours.redact(t), samples: [] },
  { name: 'LangSmith createSecretAnonymizer()', run: (t) => anonymize(t), samples: [] },
  { name: 'LangSmith DEFAULT_SECRET_RULES on the string', run: langsmithRulesOnly, samples: [] },
];

/** ms per call: repeat fn until minMs has passed (at least once). */
async function sample(fn: () => unknown): Promise<number> {
  let n = 0;
  const t = performance.now();
  let el = 0;
  do {
    await fn();
    n++;
    el = performance.now() - t;
  } while (el < MIN_MS);
  return el / n;
}

const text = mixedCorpus(SIZE, [], 0, 11);
for (const e of engines) await e.run(text); // warm-up
for (let s = 0; s < SAMPLES; s++)
  for (let k = 0; k < engines.length; k++) {
    const e = engines[(s + k) % engines.length]!;
    e.samples.push(await sample(() => e.run(text)));
  }

// Recall on the shared synthetic token corpus.
const total = SEEDS.length * Object.keys(ruleSamples(1)).length;
const caught = new Map(engines.map((e) => [e.name, { n: 0, missed: new Set<string>() }]));
for (const seed of SEEDS)
  for (const [id, { text: t, secret }] of Object.entries(ruleSamples(seed))) {
    const doc = `config line\n${t}\nend line`;
    for (const e of engines) {
      const c = caught.get(e.name)!;
      let hit: boolean;
      if (e === engines[0]) {
        const at = doc.indexOf(secret);
        const res = await lint(doc);
        hit = res.messages.some((m) => m.range[0] < at + secret.length && m.range[1] > at);
      } else hit = !((await e.run(doc)) as string).includes(secret);
      if (hit) c.n++;
      else c.missed.add(id);
    }
  }

// False positives on text with no secret.
const clean = cleanCorpus(SIZE, 7);
const count = (s: string, needle: string): number => s.split(needle).length - 1;
const falsePositives = new Map<string, number>([
  [engines[0]!.name, (await lint(clean)).messages.length],
  [engines[1]!.name, ours.scan(clean).length],
  [engines[2]!.name, count(anonymize(clean), SECRET_PLACEHOLDER)],
  [engines[3]!.name, count(langsmithRulesOnly(clean), SECRET_PLACEHOLDER)],
]);

const mbps = (ms: number): number => text.length / 1e6 / (ms / 1e3);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const baseMs = median(engines[0]!.samples);
const rows = engines.map((e) => ({
  name: e.name,
  median: mbps(median(e.samples)),
  min: mbps(Math.max(...e.samples)),
  max: mbps(Math.min(...e.samples)),
  n: e.samples.length,
  ratio: baseMs / median(e.samples),
  recall: `${String(caught.get(e.name)!.n)}/${String(total)}`,
  recallShare: caught.get(e.name)!.n / total,
  falsePositives: falsePositives.get(e.name),
  missed: [...caught.get(e.name)!.missed],
}));

const f = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
console.log(
  `Rules only, ${(text.length / 1e6).toFixed(2)} MB mixed corpus, ${String(SAMPLES)} interleaved samples; node ${process.version}\n`,
);
const table = [
  [
    'engine',
    'median MB/s',
    'min',
    'max',
    'ratio vs secretlint',
    'recall',
    `FPs in ${(clean.length / 1e6).toFixed(2)} MB clean`,
  ],
  ...rows.map((r) => [
    r.name,
    f(r.median),
    f(r.min),
    f(r.max),
    `${r.ratio.toFixed(1)}x`,
    r.recall,
    String(r.falsePositives),
  ]),
];
const w = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
for (const row of table)
  console.log(row.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  '));
console.log('\nfamilies missed (any seed):');
for (const r of rows) console.log(`  ${r.name}: ${r.missed.length ? r.missed.join(', ') : 'none'}`);

if (process.env.BENCH_JSON)
  writeFileSync(
    process.env.BENCH_JSON,
    JSON.stringify(
      {
        bench: 'rules-vs-langsmith',
        mode: smoke ? 'smoke' : 'full',
        node: process.version,
        config: { chars: text.length, samples: SAMPLES, seeds: SEEDS, tokens: total },
        tables: [
          { title: 'Rule detection', unit: 'MB/s', baseline: engines[0]!.name, higherIsBetter: true, rows },
        ],
      },
      null,
      2,
    ),
  );
