import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRedactor } from './index.js';
import { RuleEngine } from './rule-engine.js';
import type { StreamRuleHit } from './rule-stream.js';
import { cleanLines, mixedCorpus, rng, ruleSamples } from './test-corpus.js';

type Found = [start: number, end: number, from: number, label: string];

function batchHits(engine: RuleEngine, text: string): Found[] {
  const out: Found[] = [];
  engine.scan(text, (start, end, label, _secret, from) => out.push([start, end, from, label]));
  return out.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

/** Feeds `text` to a carried scanner in pieces, keeping only what the scanner asks to keep (as the redactor does). */
function streamHits(
  engine: RuleEngine,
  text: string,
  cuts: readonly number[],
): { hits: Found[]; maxHeld: number } {
  const scanner = engine.streamScanner();
  if (scanner === undefined) throw new Error('no carried scanner');
  const got: StreamRuleHit[] = [];
  let buf = '';
  let base = 0;
  let at = 0;
  let maxHeld = 0;
  for (const c of [...cuts, text.length].sort((a, b) => a - b)) {
    const p = Math.min(text.length, c);
    if (p <= at) continue;
    buf += text.slice(at, p);
    at = p;
    const keepFrom = scanner.advance(buf, base, false, got) - 1;
    if (keepFrom > base) {
      buf = buf.slice(keepFrom - base);
      base = keepFrom;
    }
    maxHeld = Math.max(maxHeld, buf.length);
  }
  scanner.advance(buf, base, true, got);
  const hits = got
    .map((h): Found => [h.start, h.end, h.from, h.label])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return { hits, maxHeld };
}

/** Cuts into pieces of `size` characters. */
function everyNth(length: number, size: number): number[] {
  const cuts: number[] = [];
  for (let i = size; i < length; i += size) cuts.push(i);
  return cuts;
}

/** Every rule sample, cut-off copies of them (near misses) and clean lines, in random order and separators. */
function ruleDenseText(seed: number): string {
  const r = rng(seed);
  const parts: string[] = [];
  for (const { text } of Object.values(ruleSamples(seed))) {
    parts.push(text, text.slice(0, Math.floor(text.length * r())));
    const clean = cleanLines(r);
    parts.push(clean[Math.floor(r() * clean.length)]!);
  }
  const seps = [' ', '\n', '', '.', '"', '-', '\t', ': ', '='];
  let out = '';
  while (parts.length > 0)
    out += parts.splice(Math.floor(r() * parts.length), 1)[0]! + seps[Math.floor(r() * seps.length)]!;
  return out;
}

describe('carried rule stream', () => {
  it('reports exactly the batch scan for every split, down to one character (property)', () => {
    const engine = new RuleEngine();
    fc.assert(
      fc.property(fc.nat(1000), fc.array(fc.nat(30_000), { maxLength: 400 }), (seed, cuts) => {
        const text = ruleDenseText(seed);
        const expected = batchHits(engine, text);
        expect(expected.length).toBeGreaterThan(50);
        expect(streamHits(engine, text, cuts).hits).toEqual(expected);
      }),
      { numRuns: 40 },
    );
    const text = ruleDenseText(7);
    expect(streamHits(engine, text, everyNth(text.length, 1)).hits).toEqual(batchHits(engine, text));
  });

  it('keeps the allow-list and disabled rules of the batch engine', () => {
    const samples = ruleSamples(3);
    const engine = new RuleEngine({ disable: ['jwt'], allow: [samples['github-pat']!.secret, /^AKIA/] });
    const text = ruleDenseText(3);
    const expected = batchHits(engine, text);
    expect(
      expected.some((h) => h[3] === 'jwt' || h[3] === 'github-pat' || h[3] === 'aws-access-key-id'),
    ).toBe(false);
    expect(streamHits(engine, text, everyNth(text.length, 5)).hits).toEqual(expected);
  });

  it('holds back a bounded suffix at any chunk size (no stall on small chunks)', () => {
    const engine = new RuleEngine();
    const text = mixedCorpus(60_000, [], 0, 5);
    for (const size of [1, 4, 64]) {
      const { hits, maxHeld } = streamHits(engine, text, everyNth(text.length, size));
      expect(hits).toEqual(batchHits(engine, text));
      // A rule sample is at most a few hundred characters (a PEM block ~450); nothing else is held for long.
      expect(maxHeld).toBeLessThan(1_000);
    }
  });

  it('stays bounded and exact on adversarial near-misses', () => {
    const engine = new RuleEngine();
    for (const unit of [
      'token',
      'token=',
      'x://',
      '-----BEGIN PRIVATE KEY-----',
      'ab.',
      ' eyJabc',
      'password: a',
    ])
      for (const size of [7, 64]) {
        const text = unit.repeat(Math.ceil(100_000 / unit.length));
        const { hits, maxHeld } = streamHits(engine, text, everyNth(text.length, size));
        expect(hits).toEqual(batchHits(engine, text));
        expect(maxHeld).toBeLessThan(1_000);
      }
  });

  it('is only used for built-in rules: user rules have no triggers and fall back to a rescanned window', () => {
    expect(new RuleEngine().streamScanner()).toBeDefined();
    expect(
      new RuleEngine({ add: [{ id: 'acme', pattern: /acme_[a-z0-9]{20}/ }] }).streamScanner(),
    ).toBeUndefined();
    const r = createRedactor({ rules: { add: [{ id: 'acme', pattern: /acme_[a-z0-9]{20}/ }] } });
    const s = r.createStreamRedactor();
    let out = '';
    for (const ch of 'key acme_abcdefghij0123456789 and ghp_' + 'a'.repeat(36) + ' done') out += s.write(ch);
    out += s.end();
    // Compared as a boolean so a failure never prints the token.
    expect(out === 'key [REDACTED:acme] and [REDACTED:github-pat] done').toBe(true);
  });
});
