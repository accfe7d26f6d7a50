import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { builtinRules } from './builtin-rules.js';
import { shannonEntropy } from './entropy.js';
import { RuleEngine } from './rule-engine.js';
import { ruleTriggers } from './rule-triggers.js';
import { cleanCorpus, mixedCorpus, rng, ruleSamples } from './test-corpus.js';

const fast = new RuleEngine();
/** The one combined regex tried at every position: what the prefilter must reproduce exactly. */
const reference = new RuleEngine({}, false);

function hits(engine: RuleEngine, text: string): string[] {
  const out: string[] = [];
  engine.scan(text, (start, end, id, _secret, from) => out.push(`${id}@${from}:${start}-${end}`));
  return out;
}

const samples = [1, 2, 3].flatMap((seed) => Object.values(ruleSamples(seed)));
/** Characters in front of a token: start of text, space, token characters, non-ASCII, punctuation. */
const fronts = ['', ' ', 'x', '_', '-', '.', '=', '"', '\u00e9', '\u2028', '\u{1F642}', '\n', 'A1'];

describe('rule prefilter', () => {
  it('has triggers for every built-in rule', () => {
    for (const r of builtinRules) expect(ruleTriggers[r.id]?.length ?? 0, r.id).toBeGreaterThan(0);
  });

  it('finds every sample at every sampling alignment, after any character', () => {
    for (const { text } of samples)
      for (const front of fronts)
        for (let pad = 0; pad < 4; pad++) {
          const doc = `${front}${'y'.repeat(pad)}${front}${text}${front}`;
          expect(hits(fast, doc), doc.slice(0, 40)).toEqual(hits(reference, doc));
          for (const variant of [
            text.slice(0, -1),
            text.slice(1),
            text.slice(2),
            `${text.slice(0, 2)}A${text.slice(2)}`,
            `${text.slice(0, 2)}1b${text.slice(2)}`,
          ])
            expect(hits(fast, `${front}${variant}`)).toEqual(hits(reference, `${front}${variant}`));
        }
  });

  it('equals the full scan on the mixed and clean corpora', () => {
    const mixed = mixedCorpus(200_000, [], 0, 5);
    expect(hits(fast, mixed)).toEqual(hits(reference, mixed));
    expect(hits(fast, mixed).length).toBeGreaterThan(50);
    const clean = cleanCorpus(100_000, 9);
    expect(hits(fast, clean)).toEqual(hits(reference, clean));
  });

  it('equals the full scan on random mixtures of samples, fragments and noise (property)', () => {
    const pieces = [
      ...samples.map((s) => s.text),
      ...samples.map((s) => s.text.slice(0, 12)),
      ...samples.map((s) => s.text.slice(6)),
      // Shorter variable-length heads (8-10 digit bot ids, 23-25 character first segments, …).
      ...samples.map((s) => s.text.slice(1)),
      ...samples.map((s) => s.text.slice(2)),
      ...samples.map((s) => `${s.text.slice(0, 2)}A${s.text.slice(2)}`),
      ...samples.map((s) => `${s.text.slice(0, 2)}1b${s.text.slice(2)}`),
      ...fronts,
      'password',
      'token=',
      'Bearer ',
      '://',
      'sk-',
      '.',
      ':AA',
      'Q~',
      'eyJ',
    ];
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom(...pieces), fc.string({ unit: 'binary', maxLength: 6 })), {
          maxLength: 24,
        }),
        (parts) => {
          const doc = parts.join('');
          expect(hits(fast, doc)).toEqual(hits(reference, doc));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('equals the full scan with rules disabled and allow-listed', () => {
    const options = {
      disable: ['github-pat', 'generic-api-key'],
      allow: [/^sk_live_/],
    };
    const a = new RuleEngine(options);
    const b = new RuleEngine(options, false);
    const r = rng(3);
    const doc = samples
      .map((s) => s.text)
      .sort(() => r() - 0.5)
      .join(' ');
    expect(hits(a, doc)).toEqual(hits(b, doc));
  });
});

describe('shannonEntropy', () => {
  it('matches the textbook definition', () => {
    const slow = (s: string): number => {
      const m = new Map<number, number>();
      for (let i = 0; i < s.length; i++) m.set(s.charCodeAt(i), (m.get(s.charCodeAt(i)) ?? 0) + 1);
      let h = 0;
      for (const k of m.values()) h -= (k / s.length) * Math.log2(k / s.length);
      return h;
    };
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (s) => {
        expect(shannonEntropy(s)).toBeCloseTo(slow(s), 9);
      }),
    );
    expect(shannonEntropy('')).toBe(0);
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('abcd')).toBeCloseTo(2, 12);
  });
});
