/**
 * Redaction benchmark: side by side in one process, medians, MB/s (10^6 characters per second) and ratios.
 * Run: pnpm --filter @agent-lease/core bench [--quick | --smoke] [--only registration,streams,…]
 * (builds this file with tsup, runs it with node --expose-gc). --quick: 3 samples per cell. --smoke: every path
 * once on a 64 KB corpus with few repetitions (seconds, for CI; the figures are not measurements). The tables
 * are parsed by test/bench/run-all.mjs: keep their titles, headers and first columns.
 */
import { lintSource } from '@secretlint/core';
import { creator as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import { createRedactor } from '../src/redaction/index.js';
import { knownForms } from '../src/redaction/known-forms.js';
import { encodings, makeValues, mixedCorpus, ruleSamples } from '../src/redaction/test-corpus.js';

const smoke = process.argv.includes('--smoke');
const quick = smoke || process.argv.includes('--quick');
const SIZE = smoke ? 1 << 16 : 1 << 20;
const SAMPLES = smoke ? 1 : quick ? 3 : 7;
/** --only a,b runs some sections: known, rules, pipeline, streams, short, registration. */
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt === -1 ? undefined : new Set((process.argv[onlyAt + 1] ?? '').split(','));
const want = (section: string): boolean => only?.has(section) ?? true;
/** Each sample repeats the call for at least this long (smoke: once). */
const MIN_MS = smoke ? 0 : 40;

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

/** Median ms per call of fn, each sample running fn until >= minMs. */
function time(fn: () => unknown, minMs = MIN_MS, samples = SAMPLES): number {
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

const MB = SIZE === 1 << 20 ? '1 MB' : `${SIZE / 1024} KB`;
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

console.log(
  `node ${process.version}, ${smoke ? 'SMOKE (not a measurement)' : quick ? 'quick' : 'full'} run, ${SAMPLES} samples per cell, ${SIZE / 1024} KB corpus\n`,
);
if (want('known')) {
  console.log(`## Known values (rules off), ${MB} mixed corpus`);
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
      const nms = time(() => naive(text, forms), MIN_MS, n <= 100 ? SAMPLES : Math.min(3, SAMPLES));
      naiveCell = f1(mbps(text.length, nms));
      ratio = `${f1(nms / ms)}x`;
    }
    row(String(n), String(forms.length), f1(mbps(text.length, ms)), naiveCell, ratio);
  }
}

if (want('rules')) {
  console.log(`\n## Rules (no values), ${MB} mixed corpus, vs @secretlint/core 13.0.7 + preset-recommend`);
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
      oursMs.push(time(() => r.redact(text), MIN_MS, 1));
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
    for (const seed of smoke ? [1] : [1, 2, 3])
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
}

if (want('pipeline')) {
  console.log(`\n## Pipeline (values + rules), ${MB} mixed corpus`);
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
}

if (want('streams')) {
  console.log(`\n## Streams, 1,000 values, ${MB} mixed corpus`);
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
        const ms = time(() => run(false), MIN_MS, smoke ? 1 : quick ? 3 : 5);
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
}

if (want('short')) {
  console.log('\n## Short strings (what @agent-lease/otel redacts per span), 100 values, ns per call');
  row('rules', 'repeated strings (clean cache)', 'unique strings (full path)');
  {
    const unique: string[] = [];
    for (let i = 0; i < (smoke ? 2000 : 50_000); i++)
      unique.push(`value ${i} ${'lorem ipsum '.repeat(1 + (i % 4))}`);
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
      row(rules ? 'on' : 'off', perCall(repeated, smoke ? 5 : 500).toFixed(0), perCall(unique, 1).toFixed(0));
    }
  }
}

if (want('registration')) {
  console.log('\n## Registration and memory, 10,000 values');
  {
    // register() only queues a value; the index takes the queue on its next read. So every figure here includes
    // one short redact() after registering: the time until the redactor can actually use what was registered.
    const values = makeValues(10_000, 3);
    const total: number[] = [];
    const calls: number[] = [];
    for (let k = 0; k < (smoke ? 1 : 5); k++) {
      gc();
      const r = createRedactor({ rules: false });
      const t = performance.now();
      values.forEach((v, i) => r.register(v, `cred${i}`));
      const t1 = performance.now();
      r.redact('a short string to build the index');
      total.push(performance.now() - t);
      calls.push(t1 - t);
    }
    const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    // Array buffers are released after the GC that finds them dead: let that happen before each reading.
    const settle = async (): Promise<number> => {
      for (let k = 0; k < 2; k++) {
        gc();
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    // Footprint: what dropping the redactor frees (a baseline taken before registering would also count the
    // release of earlier sections' garbage). The larger of the two readings is reported.
    const before = await settle();
    const build = (): ReturnType<typeof createRedactor> => {
      const x = createRedactor({ rules: false });
      values.forEach((v, i) => x.register(v, `cred${i}`));
      x.redact('a short string to build the index');
      return x;
    };
    let r: ReturnType<typeof createRedactor> | undefined = build();
    const after = await settle();
    const one: number[] = [];
    for (let i = 0; i < (smoke ? 20 : 200); i++) {
      const t = performance.now();
      const u = r.register(`one-more-secret-${i}-zyxwvuts`, 'extra');
      r.redact('x');
      u();
      one.push(performance.now() - t);
    }
    r = undefined;
    const released = await settle();
    const heap = Math.max(after - before, after - released) / 1e6;
    row(
      `register 10k + index build ms (median of ${total.length})`,
      'heap MB (heapUsed + arrayBuffers)',
      'register+index+unregister one with 10k live, median µs',
      'register() calls alone ms',
    );
    row(median(total).toFixed(1), heap.toFixed(1), (median(one) * 1000).toFixed(1), median(calls).toFixed(1));
  }
}
