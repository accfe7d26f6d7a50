/**
 * Redaction benchmark: side by side in one process, medians, MB/s (10^6 characters per second) and ratios.
 * Run: pnpm --filter @agent-lease/core bench   (builds this file with tsup, runs it with node --expose-gc)
 */
import { lintSource } from '@secretlint/core';
import { creator as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import { createRedactor } from '../src/redaction/index.js';
import { knownForms } from '../src/redaction/known-forms.js';
import { encodings, makeValues, mixedCorpus, ruleSamples } from '../src/redaction/test-corpus.js';

const SIZE = 1 << 20;
const quick = process.argv.includes('--quick');
const SAMPLES = quick ? 3 : 7;

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

/** Median ms per call of fn, each sample running fn until >= minMs. */
function time(fn: () => unknown, minMs = 40, samples = SAMPLES): number {
  // Collect the previous section's garbage first (the 10,000-value redactors leave ~50 MB behind), so a major
  // GC does not land inside this cell's samples.
  gc();
  fn();
  const out: number[] = [];
  for (let s = 0; s < samples; s++) {
    let n = 0;
    const t = performance.now();
    let el = 0;
    do {
      fn();
      n++;
      el = performance.now() - t;
    } while (el < minMs);
    out.push(el / n);
  }
  out.sort((a, b) => a - b);
  return out[Math.floor(out.length / 2)]!;
}

const mbps = (chars: number, ms: number): number => chars / 1e6 / (ms / 1e3);
const f1 = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const rows: string[][] = [];
const row = (...cells: string[]): void => {
  rows.push(cells);
  console.log(cells.join(' | '));
};

/** Naive baseline: every form of every value, longest first, replaceAll. */
function naive(text: string, forms: readonly [string, string][]): string {
  let out = text;
  for (const [f, label] of forms) if (out.includes(f)) out = out.replaceAll(f, `[REDACTED:${label}]`);
  return out;
}

console.log(`node ${process.version}, ${quick ? 'quick' : 'full'} run, ${SAMPLES} samples per cell\n`);
console.log('## Known values (rules off), 1 MB mixed corpus');
row('values', 'patterns', 'engine MB/s', 'naive replaceAll MB/s', 'ratio');
for (const n of [100, 1000, 10_000]) {
  const values = makeValues(n, 3);
  const text = mixedCorpus(SIZE, values, 24, 11);
  const r = createRedactor({ rules: false });
  values.forEach((v, i) => r.register(v, `cred${i}`));
  const out = r.redact(text);
  for (const v of values)
    for (const e of encodings(v)) if (out.includes(e)) throw new Error('a registered form survived');
  const ms = time(() => r.redact(text));
  const forms = values
    .flatMap((v, i) =>
      knownForms(v).flatMap((f) =>
        [f.alt0, f.alt1].filter((x) => x !== undefined).map((x) => [x, `cred${i}`] as [string, string]),
      ),
    )
    .sort((a, b) => b[0].length - a[0].length);
  let naiveCell = 'skipped (minutes)';
  let ratio = '';
  if (n <= 1000) {
    const nms = time(() => naive(text, forms), 40, n <= 100 ? SAMPLES : 3);
    naiveCell = f1(mbps(text.length, nms));
    ratio = `${f1(nms / ms)}x`;
  }
  row(String(n), String(forms.length), f1(mbps(text.length, ms)), naiveCell, ratio);
}

console.log('\n## Rules (no values), 1 MB mixed corpus, vs @secretlint/core 13.0.7 + preset-recommend');
{
  const text = mixedCorpus(SIZE, [], 0, 11);
  const r = createRedactor();
  const slConfig = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: recommended }] };
  const lint = (content: string) =>
    lintSource({
      source: { filePath: '/bench/input.txt', content, contentType: 'text' },
      options: { config: slConfig },
    });
  // Interleaved (one engine sample, then one secretlint run, repeated) so load changes on a shared machine hit
  // both sides of the ratio alike.
  gc();
  for (let k = 0; k < 3; k++) r.redact(text);
  await lint(text);
  const oursMs: number[] = [];
  const theirsMs: number[] = [];
  for (let k = 0; k < SAMPLES; k++) {
    oursMs.push(time(() => r.redact(text), 40, 1));
    const t = performance.now();
    await lint(text);
    theirsMs.push(performance.now() - t);
  }
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const ms = median(oursMs);
  const sms = median(theirsMs);
  row('engine', 'engine MB/s', 'secretlint MB/s', 'ratio');
  row('rules', f1(mbps(text.length, ms)), f1(mbps(text.length, sms)), `${f1(sms / ms)}x`);
  // Recall on the shared synthetic token corpus: every built-in sample, three seeds.
  let total = 0;
  let ours = 0;
  let theirs = 0;
  const missed: string[] = [];
  for (const seed of [1, 2, 3])
    for (const [id, { text: t, secret }] of Object.entries(ruleSamples(seed))) {
      total++;
      const doc = `config line\n${t}\nend line`;
      if (!r.redact(doc).includes(secret)) ours++;
      else missed.push(id);
      const at = doc.indexOf(secret);
      const res = await lint(doc);
      if (res.messages.some((m) => m.range[0] < at + secret.length && m.range[1] > at)) theirs++;
    }
  row(
    'recall',
    `${ours}/${total}`,
    `${theirs}/${total}`,
    missed.length ? `missed: ${[...new Set(missed)].join(',')}` : '',
  );
}

console.log('\n## Pipeline (values + rules), 1 MB mixed corpus');
row('values', 'MB/s');
for (const n of [100, 1000]) {
  const values = makeValues(n, 3);
  const text = mixedCorpus(SIZE, values, 24, 11);
  const r = createRedactor();
  values.forEach((v, i) => r.register(v, `cred${i}`));
  row(
    String(n),
    f1(
      mbps(
        text.length,
        time(() => r.redact(text)),
      ),
    ),
  );
}

console.log('\n## Streams, 1,000 values, 1 MB mixed corpus');
row('rules', 'chunk', 'MB/s', 'µs/write', 'mean held chars', 'max held');
{
  const values = makeValues(1000, 3);
  const text = mixedCorpus(SIZE, values, 24, 11);
  for (const rules of [false, true]) {
    const r = createRedactor(rules ? {} : { rules: false });
    values.forEach((v, i) => r.register(v, `cred${i}`));
    const batch = r.redact(text);
    for (const size of [4, 64]) {
      const chunks: string[] = [];
      for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
      let held = 0;
      let maxHeld = 0;
      let out = '';
      const run = (measure: boolean): void => {
        const s = r.createStreamRedactor();
        out = '';
        for (const c of chunks) {
          out += s.write(c);
          if (measure) {
            held += s.held;
            if (s.held > maxHeld) maxHeld = s.held;
          }
        }
        out += s.end();
      };
      run(true);
      if (out !== batch) throw new Error('stream output differs from batch output');
      const ms = time(() => run(false), 40, quick ? 3 : 5);
      row(
        rules ? 'on' : 'off',
        String(size),
        f1(mbps(text.length, ms)),
        ((ms * 1000) / chunks.length).toFixed(2),
        (held / chunks.length).toFixed(2),
        String(maxHeld),
      );
    }
  }
}

console.log('\n## Short strings (what @agent-lease/otel redacts per span), 100 values, ns per call');
row('rules', 'repeated strings (clean cache)', 'unique strings (full path)');
{
  const unique: string[] = [];
  for (let i = 0; i < 50_000; i++) unique.push(`value ${i} ${'lorem ipsum '.repeat(1 + (i % 4))}`);
  const repeated = unique.slice(0, 41);
  for (const rules of [false, true]) {
    const r = createRedactor(rules ? {} : { rules: false });
    makeValues(100, 5).forEach((v, i) => r.register(v, `cred${i}`));
    const perCall = (list: readonly string[], reps: number): number =>
      (time(() => {
        for (let k = 0; k < reps; k++) for (const s of list) r.redact(s);
      }) *
        1e6) /
      (list.length * reps);
    row(rules ? 'on' : 'off', perCall(repeated, 500).toFixed(0), perCall(unique, 1).toFixed(0));
  }
}

console.log('\n## Registration and memory, 10,000 values');
{
  const values = makeValues(10_000, 3);
  const regTimes: number[] = [];
  for (let k = 0; k < 5; k++) {
    const r = createRedactor({ rules: false });
    const t = performance.now();
    values.forEach((v, i) => r.register(v, `cred${i}`));
    regTimes.push(performance.now() - t);
  }
  regTimes.sort((a, b) => a - b);
  gc();
  const before = process.memoryUsage();
  const r = createRedactor({ rules: false });
  const un = values.map((v, i) => r.register(v, `cred${i}`));
  gc();
  const after = process.memoryUsage();
  const heap = (after.heapUsed - before.heapUsed + after.arrayBuffers - before.arrayBuffers) / 1e6;
  const one: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    const u = r.register(`one-more-secret-${i}-zyxwvuts`, 'extra');
    u();
    one.push(performance.now() - t);
  }
  one.sort((a, b) => a - b);
  row(
    'register 10k ms (median of 5)',
    'heap MB (heapUsed + arrayBuffers)',
    'register+unregister one with 10k live, median µs',
  );
  row(regTimes[2]!.toFixed(1), heap.toFixed(1), (one[100]! * 1000).toFixed(1));
  un.forEach((u) => u());
}
