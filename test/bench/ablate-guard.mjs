/* global process, console, URL */
// What a leased tool call's overhead is made of: runs the AI SDK tool-call benchmark against copies of the built
// core bundle with parts of the guard's call path switched off, alternating the variants run by run, and prints
// the leased overhead per scenario (median of the runs). A diagnostic for issue 5, not a product mode: the
// switched-off variants are unsafe (no audit, no redaction, a lease context shared by concurrent calls).
//
//   pnpm build && node test/bench/ablate-guard.mjs [--runs 3] [--rounds 1000] [--variants -,ABCDEF,A,D]
//
// Variant letters (combine them; "-" is the shipped bundle):
//   A  audit events are recorded but not redacted
//   B  no audit events at all
//   C  no lease spans (acquire, revoke); the execute_tool span stays
//   D  the lease context in a module variable instead of AsyncLocalStorage
//   E  lease values not registered with the redactor
//   F  tool results not redacted
// and parts of the lease lifecycle (not in the default list):
//   G  no lifetime deadline per lease          H  no in-flight tracking of acquisitions, no abort race
//   J  no lock check before each lease         K  no grace-period deadline when a value is released
//
// The switches are text replacements in packages/core/dist/index.js (restored afterwards, also on Ctrl-C). Each
// site must occur exactly once: when the bundle changed, the script names the site and stops.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bundle = join(root, 'packages/core/dist/index.js');
const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? fallback : argv[i + 1];
};
const runs = Number(opt('runs', '3'));
const rounds = Number(opt('rounds', '1000'));
const variants = opt('variants', '-,ABCDEF,A,B,C,D,E,F').split(',');

// One module-level constant per letter: the shipped variant pays a constant load per site, not a lookup.
const on = (letter) => `__ablate${letter}`;
/** [letter, site (string or RegExp), replacement]: the replacement keeps the original behind the switch. */
const sites = [
  [
    'A',
    /\(e\) => redactAuditEvent\(e, \((\w+)\) => redactor\.redact\(\1\)\)/,
    (m) => `${on('A')} ? (e) => e : ${m}`,
  ],
  [
    'B',
    '  const auditor = createAuditor(\n',
    () =>
      `  const auditor = ${on('B')} ? { record: () => true, recordNow: () => true, flush: async () => {}, close: async () => {} } : createAuditor(\n`,
  ],
  [
    'C',
    'const acquireSpan = instruments.tracer.startSpan(',
    () => `const acquireSpan = (${on('C')} ? __ablateNoopTracer : instruments.tracer).startSpan(`,
  ],
  [
    'C',
    /const span = instruments\.tracer\.startSpan\(\n(\s*)`\$\{SPAN_LEASE_REVOKE\}/,
    (m) => m.replace('instruments.tracer', `(${on('C')} ? __ablateNoopTracer : instruments.tracer)`),
  ],
  [
    'D',
    /function runCallBody\(call, body\) \{\n/,
    (m) => `${m}  if (${on('D')}) { __ablateCall = call; bodiesRunning++; return body(); }\n`,
  ],
  [
    'D',
    /function currentLease\(credential\) \{\n(\s*)const call = callStorage\.getStore\(\);/,
    (m) => m.replace('callStorage.getStore()', `(${on('D')} ? __ablateCall : callStorage.getStore())`),
  ],
  [
    'E',
    'held.secrets = holdValues(brokerLease, credential);',
    () =>
      `held.secrets = ${on('E')} ? [{ fingerprint: "", release() {} }] : holdValues(brokerLease, credential);`,
  ],
  [
    'G',
    /scheduleLifetime\(held\);\n(\s*)return held;\n {2}\}\n {2}function holdValues/,
    (m) => m.replace('scheduleLifetime(held);', `if (!${on('G')}) scheduleLifetime(held);`),
  ],
  [
    'H',
    /(\s*)inflightAcquires\.add\(acquiring\);\n\s*const settled = \(\) => inflightAcquires\.delete\(acquiring\);\n\s*void acquiring\.then\(settled, settled\);\n/,
    (m) => `\nif (!${on('H')}) {${m}}\n`,
  ],
  [
    'H',
    'const result = await state.race(leaseAndRun(call, fn, span, toolCallId, needsList, state, held));',
    () =>
      `const result = ${on('H')} ? await leaseAndRun(call, fn, span, toolCallId, needsList, state, held) : await state.race(leaseAndRun(call, fn, span, toolCallId, needsList, state, held));`,
  ],
  [
    'J',
    'const locked = refuseIfLocked(call, toolCallId, span, needs.credential);',
    () => `const locked = ${on('J')} ? undefined : refuseIfLocked(call, toolCallId, span, needs.credential);`,
  ],
  [
    'K',
    'entry.timer = timer.after(graceMs, entry.expire);',
    () => `if (!${on('K')}) entry.timer = timer.after(graceMs, entry.expire);`,
  ],
  [
    'F',
    /(\n\s*)return redactor\.redactDeep\(result\);\n/,
    (m, indent) => `${indent}return ${on('F')} ? result : redactor.redactDeep(result);\n`,
  ],
];

if (!existsSync(bundle)) {
  console.error('packages/core/dist/index.js is missing: run `pnpm build` first');
  process.exit(2);
}
const original = readFileSync(bundle, 'utf8');
if (original.includes('__ablate')) {
  console.error(
    'packages/core/dist/index.js is already patched (an interrupted run?): run `pnpm build` first',
  );
  process.exit(2);
}
let patched = original;
for (const [letter, site, replace] of sites) {
  const count =
    typeof site === 'string'
      ? patched.split(site).length - 1
      : (patched.match(new RegExp(site, 'g')) ?? []).length;
  if (count !== 1) {
    console.error(
      `switch ${letter}: the site ${String(site)} occurs ${count} times in the core bundle; update ${import.meta.url}`,
    );
    process.exit(2);
  }
  patched = patched.replace(site, replace);
}
patched =
  [...'ABCDEFGHJK']
    .map((l) => `const __ablate${l} = (process.env.AGENT_LEASE_ABLATE ?? "").includes("${l}");\n`)
    .join('') +
  'let __ablateCall;\n' +
  // A non-recording span for every start: what a tracer without a provider hands out.
  'const __ablateSpanContext = { traceId: "0".repeat(32), spanId: "0".repeat(16), traceFlags: 0 };\n' +
  'const __ablateNoopTracer = { startSpan: () => trace.wrapSpanContext(__ablateSpanContext) };\n' +
  patched;

const backup = join(mkdtempSync(join(tmpdir(), 'ablate-')), 'index.js');
copyFileSync(bundle, backup);
const restore = () => {
  if (existsSync(backup)) {
    copyFileSync(backup, bundle);
    rmSync(backup);
  }
};
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    restore();
    process.exit(130);
  });
}

const results = new Map(); // `${scenario}\0${variant}` -> overheads
try {
  writeFileSync(bundle, patched);
  const json = join(tmpdir(), `ablate-${process.pid}.json`);
  for (let run = 1; run <= runs; run++) {
    for (const variant of variants) {
      const child = spawnSync(
        'node',
        ['--import', 'tsx', 'bench/tool-call-overhead.bench.ts', '--rounds', String(rounds)],
        {
          cwd: join(root, 'packages/ai-sdk'),
          env: { ...process.env, AGENT_LEASE_ABLATE: variant === '-' ? '' : variant, BENCH_JSON: json },
          encoding: 'utf8',
        },
      );
      if (child.status !== 0) {
        console.error(child.stdout, child.stderr);
        throw new Error(`the benchmark failed for variant ${variant}`);
      }
      const { tables } = JSON.parse(readFileSync(json, 'utf8'));
      const line = [];
      for (const table of tables) {
        const leased = table.rows.find((r) => r.name.includes('leased'));
        const key = `${table.title}\0${variant}`;
        results.set(key, [...(results.get(key) ?? []), leased.overhead]);
        line.push(leased.overhead.toFixed(1));
      }
      console.log(`run ${run} ${variant.padEnd(8)} ${line.join('  ')}`);
    }
  }
  rmSync(json, { force: true });
} finally {
  restore();
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const scenarios = [...new Set([...results.keys()].map((k) => k.split('\0')[0]))];
console.log(`\nleased overhead, µs: median of ${runs} runs (${rounds} rounds each), variants alternating`);
console.log(`| scenario | ${variants.join(' | ')} |`);
console.log(`| --- |${variants.map(() => ' ---: |').join('')}`);
for (const s of scenarios) {
  const cells = variants.map((v) => median(results.get(`${s}\0${v}`)).toFixed(1));
  console.log(`| ${s.replace('generateText, ', '')} | ${cells.join(' | ')} |`);
}
