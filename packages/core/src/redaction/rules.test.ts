import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../errors.js';
import { builtinRules, createRedactor } from './index.js';
import { RuleEngine } from './rule-engine.js';
import { cleanCorpus, ruleSamples } from './test-corpus.js';

const samples = ruleSamples(1);

describe('built-in rules', () => {
  it('cover at least 30 token families, each with a synthetic sample', () => {
    expect(builtinRules.length).toBeGreaterThanOrEqual(30);
    expect(Object.keys(samples).sort()).toEqual(builtinRules.map((r) => r.id).sort());
  });

  for (const rule of builtinRules) {
    it(`${rule.id}: redacts its sample and reports the rule`, () => {
      const r = createRedactor();
      for (const seed of [1, 2, 3]) {
        const { text, secret } = ruleSamples(seed)[rule.id]!;
        const wrapped = `prefix line\n${text}\nsuffix line`;
        const out = r.redact(wrapped);
        expect(out.includes(secret), `${rule.id} seed ${seed}`).toBe(false);
        const findings = r.scan(wrapped);
        expect(findings.map((f) => f.rule)).toContain(rule.id);
        expect(JSON.stringify(findings).includes(secret)).toBe(false);
      }
    });
  }

  it('keeps the key of a generic assignment visible and gates it by entropy', () => {
    const r = createRedactor();
    expect(r.redact('api_key = "Zx8kQ2mN7pL4vR9tY3wB"')).toBe('api_key = "[REDACTED:generic-api-key]"');
    expect(r.redact('DB_PASSWORD=Tr0ub4dor&3xq')).toBe('DB_PASSWORD=[REDACTED:generic-password]');
    for (const clean of [
      'password = "aaaaaaaaaa"',
      'secret: notreallyasecret',
      'api_key=process.env.API_KEY',
      'token = ${GITHUB_TOKEN}',
      'password: <your-password>',
    ])
      expect(r.redact(clean), clean).toBe(clean);
  });

  it('labels a generic assignment with the specific rule its value matches', () => {
    const r = createRedactor();
    const pat = samples['github-pat']!.secret;
    expect(r.scan(`token=${pat}`).map((f) => f.rule)).toEqual(['github-pat']);
  });

  it('supports user rules, disabling and allow-listing', () => {
    const ghp = samples['github-pat']!.secret;
    const r = createRedactor({
      rules: {
        disable: ['github-pat'],
        add: [{ id: 'acme-key', pattern: /acme_(?<secret>[a-z0-9]{20})/i }],
        allow: ['AKIAIOSFODNN7EXAMPLE', /^sk_test_/],
      },
    });
    expect(r.redact(`x ${ghp} y`)).toBe(`x ${ghp} y`);
    expect(r.redact('k=ACME_abcdefghij0123456789.')).toBe('k=ACME_[REDACTED:acme-key].');
    expect(r.redact('AKIAIOSFODNN7EXAMPLE')).toBe('AKIAIOSFODNN7EXAMPLE');
    const test = `sk_test_${'a1B2'.repeat(6)}`;
    expect(r.redact(test)).toBe(test);
    expect(createRedactor({ rules: { builtin: false } }).redact(`x ${ghp}`)).toBe(`x ${ghp}`);
    expect(createRedactor({ rules: false }).redact(`x ${ghp}`)).toBe(`x ${ghp}`);
  });

  it('rejects bad rule configuration with InvalidConfigError', () => {
    expect(() => createRedactor({ rules: { disable: ['no-such-rule'] } })).toThrow(InvalidConfigError);
    expect(() => createRedactor({ rules: { add: [{ id: 'bad', pattern: /(a+)+$/ }] } })).toThrow(
      /nested quantifier/,
    );
    expect(() => createRedactor({ rules: { add: [{ id: 'empty', pattern: /x*/ }] } })).toThrow(
      /empty string/,
    );
  });

  it('leaves a clean corpus alone (false-positive rate printed)', () => {
    const r = createRedactor();
    const text = cleanCorpus(200_000);
    const lines = text.split('\n');
    const flagged = lines.filter((l) => r.scan(l).length > 0);
    console.log(
      `rules false positives on clean corpus: ${flagged.length}/${lines.length} lines (${((100 * flagged.length) / lines.length).toFixed(3)}%)`,
    );
    expect(flagged).toEqual([]);
  });
});

/** Inputs that look almost like a hit of `rule`, ~1 MB each. */
function nearMisses(sample: string, secret: string): string[] {
  const MB = 1 << 20;
  const fill = (unit: string): string => unit.repeat(Math.ceil(MB / Math.max(1, unit.length))).slice(0, MB);
  const cut = sample.slice(0, -1);
  return [
    fill(`${sample.replace(secret, secret.slice(0, 7))} `),
    fill(sample.replace(secret, secret.slice(0, 7))),
    fill(`${cut} `),
    fill(cut),
    fill(sample.slice(0, Math.ceil(sample.length / 2))),
    fill(sample.slice(0, 6)),
    fill(`${sample.slice(0, 8)}\n`),
    fill(`${cut}${cut.slice(-1) === '=' ? '-' : '='}`),
  ];
}

describe('linear time on adversarial input', () => {
  for (const rule of builtinRules) {
    it(`${rule.id}: 1 MB of near-misses in at most 50 ms`, () => {
      const engine = new RuleEngine({ builtin: false, add: [rule] });
      const { text, secret } = samples[rule.id]!;
      for (const input of nearMisses(text, secret)) {
        let hits = 0;
        engine.scan(input, () => hits++);
        let best = Infinity;
        for (let k = 0; k < 5; k++) {
          const t = performance.now();
          engine.scan(input, () => undefined);
          best = Math.min(best, performance.now() - t);
        }
        // A cut sample can still be a valid hit (generic rules); then it is 1 MB of ~25k real hits, not
        // near-misses, and gets a per-hit budget (still linear: each hit costs a bounded amount).
        const budget = hits === 0 ? 50 : 50 + hits * 0.004;
        expect(best, `${rule.id} on ${JSON.stringify(input.slice(0, 24))}… (${hits} hits)`).toBeLessThan(
          budget,
        );
      }
    });
  }

  it('the combined rule set stays linear on a mix of every near-miss', () => {
    const engine = new RuleEngine();
    const all = Object.values(samples)
      .map((s) => s.text.slice(0, -1))
      .join(' ');
    const input = all.repeat(Math.ceil((1 << 20) / all.length));
    let best = Infinity;
    for (let k = 0; k < 3; k++) {
      const t = performance.now();
      engine.scan(input, () => undefined);
      best = Math.min(best, performance.now() - t);
    }
    expect(best).toBeLessThan(50);
  });
});
