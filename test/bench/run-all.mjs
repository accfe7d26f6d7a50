/* global process, console, URL, performance */
// `pnpm bench`: every benchmark in its own process, one after the other (never two at once on this 2-core box).
// Each benchmark runs its variants side by side with its baseline and peers in the same process and reports
// median, min and max; this runner collects their results (BENCH_JSON, or the printed tables of a bench that has
// no JSON output), repeats the benches that only print medians, and prints the goals of issues 3, 4, 5 and 7
// beside the measured figures.
//
//   pnpm bench                  full run (builds first; about 3 minutes on 2 cores)
//   pnpm bench --smoke          a very short run of every benchmark, no timing assertions (CI)
//   pnpm bench --json [file]    also write machine-readable results (`pnpm -s bench --json`: to stdout)
//   pnpm bench --only a,b       run some benches (ids below); --no-build skips `pnpm build`
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const argv = process.argv.slice(2);
const smoke = argv.includes('--smoke');
const noBuild = argv.includes('--no-build');
const jsonAt = argv.indexOf('--json');
const jsonTarget =
  jsonAt === -1 ? undefined : argv[jsonAt + 1] && !argv[jsonAt + 1].startsWith('--') ? argv[jsonAt + 1] : '-';
const onlyAt = argv.indexOf('--only');
const only = onlyAt === -1 ? undefined : new Set((argv[onlyAt + 1] ?? '').split(','));
// Human output goes to stderr when the JSON goes to stdout, so `pnpm bench --json > out.json` stays valid JSON.
const log = jsonTarget === '-' ? (...a) => console.error(...a) : (...a) => console.log(...a);

/**
 * `repeat`: processes per full run. The core redaction bench prints one median per cell and has no JSON output, so
 * it runs three times and each cell is reported as the median, min and max of the three medians.
 */
const benches = [
  {
    id: 'core-redaction',
    title: 'Redaction: known values vs naive replaceAll, rules vs secretlint, streams, registration, heap',
    cwd: 'packages/core',
    cmd: ['pnpm', '--silent', 'run', 'bench'],
    // The core bench understands --quick (3 samples); --smoke is passed for when it learns a shorter mode.
    args: smoke ? ['--quick', '--smoke'] : [],
    repeat: smoke ? 1 : 3,
  },
  {
    id: 'rules-vs-langsmith',
    title:
      'Rule detection: agent-lease vs LangSmith secret anonymizer vs secretlint, recall, false positives',
    cwd: 'packages/core',
    cmd: ['node', '--import', 'tsx', 'bench/rules-vs-langsmith.bench.ts'],
    args: smoke ? ['--smoke'] : [],
  },
  {
    id: 'otel-span-scrub',
    title: 'Span scrubbing per span (20 attributes, 100 live values) vs unscrubbed',
    cwd: 'packages/otel',
    cmd: ['pnpm', '--silent', 'run', 'bench'],
    args: smoke ? ['--smoke'] : [],
  },
  {
    id: 'ai-sdk-tool-call',
    title: 'AI SDK: guarded vs unguarded tool call in generateText (mock model)',
    cwd: 'packages/ai-sdk',
    cmd: ['pnpm', '--silent', 'run', 'bench'],
    args: smoke ? ['--smoke'] : [],
  },
  {
    id: 'langchain-tool-call',
    title: 'LangChain: guarded vs unguarded tool call in createAgent (fake model)',
    cwd: 'packages/langchain',
    cmd: ['pnpm', '--silent', 'run', 'bench'],
    args: smoke ? ['--smoke'] : [],
  },
  {
    id: 'vault-path',
    title: 'Vault path: acquire/revoke round trips and latency vs bare fetch and localBroker',
    cwd: 'packages/vault',
    cmd: ['pnpm', '--silent', 'run', 'bench'],
    args: smoke ? ['--smoke'] : [],
  },
].filter((b) => !only || only.has(b.id));

function run(cmd, args, cwd, env) {
  return new Promise((resolve) => {
    const child = spawn(cmd[0], [...cmd.slice(1), ...args], {
      cwd: join(root, cwd),
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      (jsonTarget === '-' ? process.stderr : process.stdout).write(d);
    });
    child.stderr.on('data', (d) => process.stderr.write(d));
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

/** Tables printed as `## title` then `a | b | c` lines (the core bench's format). */
function parseTables(text) {
  const tables = [];
  let current;
  for (const line of text.split('\n')) {
    if (line.startsWith('## ')) {
      current = { title: line.slice(3).trim(), header: undefined, rows: [] };
      tables.push(current);
    } else if (current && line.includes(' | ')) {
      const cells = line.split('|').map((c) => c.trim());
      if (!current.header) current.header = cells;
      else current.rows.push(cells);
    }
  }
  return tables;
}

const num = (cell) => (/^-?\d+(\.\d+)?x?$/.test(cell) ? Number(cell.replace(/x$/, '')) : undefined);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Cell-wise median, min and max over repeated runs of a bench that prints tables. */
function aggregate(runs) {
  const first = runs[0];
  return first.map((t, ti) => ({
    title: t.title,
    header: t.header,
    rows: t.rows.map((row, ri) =>
      row.map((cell, ci) => {
        const values = runs.map((r) => num(r[ti]?.rows[ri]?.[ci] ?? ''));
        if (values.some((v) => v === undefined)) return { text: cell };
        return { median: median(values), min: Math.min(...values), max: Math.max(...values), runs: values };
      }),
    ),
  }));
}

function fmt(x) {
  if (x === undefined) return 'n/a';
  if (Number.isInteger(x)) return String(x);
  return Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2);
}
const cellText = (c) =>
  c.text ?? (c.min === c.max ? fmt(c.median) : `${fmt(c.median)} (${fmt(c.min)}–${fmt(c.max)})`);

// ---- run everything ---------------------------------------------------------------------------------------------
const started = new Date();
const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  memoryGB: Math.round(totalmem() / 1e9),
  node: process.version,
  platform: `${process.platform}/${process.arch}`,
  loadBefore: loadavg(),
};
const tmp = mkdtempSync(join(tmpdir(), 'agent-lease-bench-'));
let failed = 0;
if (!noBuild) {
  log('=== pnpm build');
  const b = await run(['pnpm', '--silent', 'build'], [], '.', {});
  if (b.code !== 0) {
    console.error('pnpm build failed');
    process.exit(1);
  }
}
const results = [];
for (const [i, b] of benches.entries()) {
  const repeat = b.repeat ?? 1;
  const runs = [];
  const t0 = performance.now();
  let code = 0;
  const loads = [];
  for (let k = 0; k < repeat; k++) {
    const file = join(tmp, `${b.id}-${k}.json`);
    loads.push(loadavg()[0]);
    log(
      `\n=== [${i + 1}/${benches.length}] ${b.id}${repeat > 1 ? ` (run ${k + 1}/${repeat})` : ''}: ${b.title}\n    (cd ${b.cwd} && ${[...b.cmd, ...b.args].join(' ')})   load ${loads[k].toFixed(2)}`,
    );
    const r = await run(b.cmd, b.args, b.cwd, { BENCH_JSON: file });
    code ||= r.code;
    runs.push(existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : { parsed: parseTables(r.out) });
    if (r.code !== 0) break;
  }
  if (code !== 0) failed++;
  const result =
    runs[0]?.parsed !== undefined
      ? { format: 'printed-tables', repeat: runs.length, tables: aggregate(runs.map((r) => r.parsed)) }
      : { format: 'bench-json', ...runs[0] };
  results.push({
    id: b.id,
    title: b.title,
    cwd: b.cwd,
    command: [...b.cmd, ...b.args].join(' '),
    exitCode: code,
    seconds: (performance.now() - t0) / 1000,
    loadAtStart: loads,
    result,
  });
}
rmSync(tmp, { recursive: true, force: true });
machine.loadAfter = loadavg();

// ---- goals beside measurements ------------------------------------------------------------------------------
const byId = (id) => results.find((r) => r.id === id)?.result;
/** A cell of a printed table: table title prefix, row matcher on the first cells, column header. */
function cell(id, titlePrefix, rowKey, column) {
  const t = byId(id)?.tables?.find((x) => x.title.startsWith(titlePrefix));
  if (!t?.header) return undefined;
  const ci = t.header.indexOf(column);
  const row = t.rows.find((r) => rowKey.every((k, i) => (r[i].text ?? String(r[i].median)) === k));
  return ci === -1 || !row ? undefined : row[ci];
}
function jsonRow(id, tablePrefix, rowName) {
  const t = byId(id)?.tables?.find((x) => x.title.startsWith(tablePrefix));
  return t?.rows.find((r) => r.name === rowName);
}
const asCell = (v) => (v === undefined ? undefined : { median: v, min: v, max: v });
const rangeCell = (row, key = 'median') =>
  row
    ? {
        median: row[key],
        min: key === 'median' ? row.min : row[key],
        max: key === 'median' ? row.max : row[key],
      }
    : undefined;

const goals = [
  [
    '3',
    'known values, 100 values',
    '≥ 1,000 MB/s',
    cell('core-redaction', 'Known values', ['100'], 'engine MB/s'),
    (v) => v >= 1000,
  ],
  [
    '3',
    'known values, 10,000 values',
    '≥ 500 MB/s',
    cell('core-redaction', 'Known values', ['10000'], 'engine MB/s'),
    (v) => v >= 500,
  ],
  [
    '3',
    'known values vs naive replaceAll, 1,000 values',
    '≥ 100×',
    cell('core-redaction', 'Known values', ['1000'], 'ratio'),
    (v) => v >= 100,
  ],
  [
    '3',
    'rules, 1 MB mixed corpus',
    '≥ 200 MB/s',
    cell('core-redaction', 'Rules', ['rules'], 'engine MB/s'),
    (v) => v >= 200,
  ],
  [
    '3',
    'rules vs @secretlint/core recommended',
    '≥ 3×',
    cell('core-redaction', 'Rules', ['rules'], 'ratio'),
    (v) => v >= 3,
  ],
  [
    '3',
    'rules recall vs secretlint (synthetic corpus)',
    '≥ secretlint',
    (() => {
      const r = jsonRow(
        'rules-vs-langsmith',
        'Rule detection',
        'agent-lease rules (createRedactor().redact)',
      );
      const s = byId('rules-vs-langsmith')?.tables?.[0]?.rows[0];
      return r && s ? { text: `${r.recall} vs ${s.recall}`, ok: r.recallShare >= s.recallShare } : undefined;
    })(),
    (v) => v,
  ],
  [
    '3',
    'stream, 64-char chunks, 1,000 values (known values, rules off)',
    '≥ 100 MB/s',
    cell('core-redaction', 'Streams', ['off', '64'], 'MB/s'),
    (v) => v >= 100,
  ],
  // Issue 3's stream goal (100 MB/s with the known-value hold-back of at most 4) is read as the known-value stream:
  // see "Reading of the stream goal" in BENCHMARKS.md. The default stream, rules on, is reported beside it.
  [
    '3',
    'stream, 64-char chunks, 1,000 values, rules on (the default)',
    'reported beside the goal',
    cell('core-redaction', 'Streams', ['on', '64'], 'MB/s'),
    undefined,
    'MB/s',
  ],
  [
    '3',
    'mean held-back chars, known values (64-char chunks)',
    '≤ 4',
    cell('core-redaction', 'Streams', ['off', '64'], 'mean held chars'),
    (v) => v <= 4,
  ],
  ['3', 'register 10,000 values', '≤ 50 ms', regCell(0), (v) => v <= 50],
  ['3', 'heap for 10,000 values', '≤ 50 MB', regCell(1), (v) => v <= 50],
  [
    '3',
    'register + unregister one value with 10,000 live',
    '≤ 1 ms (no full rebuild over 1 ms)',
    regCell(2, 1 / 1000),
    (v) => v <= 1,
  ],
  [
    '4',
    'span scrub added per span (20 attrs, 100 values, rules on)',
    '≤ 2 µs',
    rangeCell(
      jsonRow('otel-span-scrub', 'span start', 'RedactingSpanProcessor, known values + builtin rules'),
      'added',
    ),
    (v) => v <= 2,
  ],
  [
    '4',
    'scrub alone per span (onEnding, rules on)',
    '≤ 2 µs',
    rangeCell(
      jsonRow('otel-span-scrub', 'scrub alone', 'scrub only (onEnding on a built span), with builtin rules'),
    ),
    (v) => v <= 2,
  ],
  [
    '5',
    'guarded tool call overhead, no telemetry SDK',
    '≤ 50 µs',
    rangeCell(
      jsonRow('ai-sdk-tool-call', 'generateText, no telemetry SDK', 'guardTools, leased (localBroker)'),
      'overhead',
    ),
    (v) => v <= 50,
  ],
  [
    '5',
    'guarded tool call overhead, recording SDK',
    '≤ 50 µs',
    rangeCell(
      jsonRow(
        'ai-sdk-tool-call',
        'generateText, recording SDK + @ai-sdk/otel',
        'guardTools, leased (localBroker)',
      ),
      'overhead',
    ),
    (v) => v <= 50,
  ],
  [
    '5',
    'guarded tool call overhead, recording SDK + RedactingSpanProcessor',
    '≤ 50 µs',
    rangeCell(
      jsonRow(
        'ai-sdk-tool-call',
        'generateText, recording SDK + @ai-sdk/otel + Redacting',
        'guardTools, leased (localBroker)',
      ),
      'overhead',
    ),
    (v) => v <= 50,
  ],
  [
    '5',
    'guarded tool call overhead, production spans (BatchSpanProcessor + RedactingSpanProcessor)',
    '≤ 50 µs',
    rangeCell(
      jsonRow(
        'ai-sdk-tool-call',
        'generateText, recording SDK (BatchSpanProcessor)',
        'guardTools, leased (localBroker)',
      ),
      'overhead',
    ),
    (v) => v <= 50,
  ],
  [
    '7',
    'createAgent: guardTool + leaseMiddleware vs unguarded',
    'reported (no target)',
    rangeCell(jsonRow('langchain-tool-call', 'createAgent', 'guardTool + leaseMiddleware'), 'added'),
    undefined,
    'ms',
  ],
  [
    'vault',
    'round trips on the critical path (acquire)',
    '2 (README)',
    asCell(byId('vault-path')?.metrics?.acquireRoundTrips),
    (v) => v === 2,
  ],
].map(([issue, what, target, measured, check, unit]) => {
  // A smoke run is too short to hold against a goal.
  let status = 'not measured';
  if (smoke) status = 'smoke run: not judged';
  else if (measured?.ok !== undefined) status = measured.ok ? 'met' : 'MISSED';
  else if (measured?.median !== undefined)
    status = !check ? 'reported' : check(measured.median) ? 'met' : 'MISSED';
  return {
    issue,
    what,
    target,
    measured: measured ? `${cellText(measured)}${unitOf(target, unit)}` : 'n/a',
    status,
  };
});
/** The unit a goal's figure is in: given, or the one its target names. */
function unitOf(target, unit) {
  const u = unit ?? /MB\/s|×|µs|ms|MB/.exec(target)?.[0];
  return u === undefined ? '' : u === '×' ? '×' : ` ${u}`;
}
/** The core bench's registration row: median of 5, heap MB, µs for one register+unregister. */
function regCell(col, scale = 1) {
  const t = byId('core-redaction')?.tables?.find((x) => x.title.startsWith('Registration'));
  const c = t?.rows[0]?.[col];
  return c?.median === undefined
    ? undefined
    : { median: c.median * scale, min: c.min * scale, max: c.max * scale };
}

// ---- summary ------------------------------------------------------------------------------------------------
log(`\n# Summary (${smoke ? 'SMOKE run: figures are not measurements' : 'full run'})`);
log(
  `${machine.cpus} × ${machine.cpuModel}, node ${machine.node}; load average (1/5/15 min) before ${machine.loadBefore.map((x) => x.toFixed(2)).join(' ')}, after ${machine.loadAfter.map((x) => x.toFixed(2)).join(' ')}`,
);
log('\n| issue | goal | target | measured: median (min–max) | status |\n| --- | --- | --- | --- | --- |');
for (const g of goals) log(`| ${g.issue} | ${g.what} | ${g.target} | ${g.measured} | ${g.status} |`);
log('\n| bench | exit | seconds | 1-min load at start of each process |\n| --- | --- | --- | --- |');
for (const r of results)
  log(
    `| ${r.id} | ${r.exitCode} | ${r.seconds.toFixed(0)} | ${r.loadAtStart.map((l) => l.toFixed(2)).join(', ')} |`,
  );

if (jsonTarget) {
  const doc = JSON.stringify(
    { mode: smoke ? 'smoke' : 'full', startedAt: started.toISOString(), machine, goals, benches: results },
    null,
    2,
  );
  if (jsonTarget === '-') process.stdout.write(`${doc}\n`);
  else writeFileSync(jsonTarget, `${doc}\n`);
}
if (failed > 0) {
  console.error(`\n${failed} benchmark(s) failed`);
  process.exit(1);
}
