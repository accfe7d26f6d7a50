import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { knownForms } from './known-forms.js';
import { Registration } from './known-matcher.js';
import { RedactionCore } from './redaction-core.js';
import { RuleEngine } from './rule-engine.js';
import { ruleSamples } from './test-corpus.js';

const RUNS = Number(process.env.STREAM_PROPERTY_RUNS ?? 300);

function core(values: readonly string[], rules = true): RedactionCore {
  const c = new RedactionCore(rules ? new RuleEngine({}) : undefined, false, undefined);
  values.forEach((v, i) => c.known.register(v, new Registration(`cred${i}`, v, (x) => x)));
  return c;
}

const valueArb = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_\-+/=]{8,32}$/),
  fc.string({ minLength: 8, maxLength: 24 }),
);
const samples = Object.values(ruleSamples(5)).map((s) => s.text);

/** Short texts around what the check must not miss: forms, cut-off forms, rule tokens, dots, non-ASCII. */
function shortTextArb(values: readonly string[]): fc.Arbitrary<string> {
  const forms = values.flatMap((v) =>
    knownForms(v).flatMap((f) => (f.alt1 === undefined ? [f.alt0] : [f.alt0, f.alt1])),
  );
  const piece = fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.string({ unit: 'binary', maxLength: 8 }),
    fc.stringMatching(/^[A-Za-z0-9_]{1,30}$/),
    fc.constantFrom('.', '...', '…', ' ', '=', ':', '"', 'call_', 'token=', 'Bearer ', 'https://u:p@h'),
    fc.constantFrom(...forms),
    // A form cut short (a truncated tail) or starting mid-way.
    fc
      .tuple(fc.constantFrom(...forms), fc.nat(), fc.nat())
      .map(([f, a, b]) => f.slice(a % 4, f.length - (b % (f.length - 7)))),
    fc.constantFrom(...samples).map((s) => s.slice(0, 120)),
  );
  return fc.array(piece, { maxLength: 6 }).map((parts) => parts.join('').slice(0, 256));
}

describe('short strings: the quick clean check', () => {
  it('redact and scan give exactly the full scan’s result (property)', () => {
    fc.assert(
      fc.property(fc.array(valueArb, { minLength: 0, maxLength: 4 }), fc.boolean(), (values, rules) => {
        const c = core(values, rules);
        fc.assert(
          fc.property(shortTextArb(values.length > 0 ? values : ['placeholder-value-1']), (text) => {
            // Compared as a boolean so a failure never prints a value.
            expect(c.redact(text) === c.redactFully(text)).toBe(true);
            // The soundness behind both redact and scan: "clean" only where the full scan finds nothing.
            if (c.surelyClean(text)) expect(c.hits(text, true).length).toBe(0);
          }),
          { numRuns: 20 },
        );
      }),
      { numRuns: Math.max(20, RUNS / 10) },
    );
  });

  it('says clean for most ids and attribute values, and never for a form, a cut-off form or a token', () => {
    const value = 'ghs-like-secret-value-0123';
    const c = core([value]);
    expect(c.surelyClean('call_8fK2mQ9xLpR4tZ7wYb1nC3dE')).toBe(true);
    expect(c.surelyClean('gen_ai.tool.name')).toBe(false); // a '.' sends it to the full scan
    expect(c.surelyClean('read_issue')).toBe(true);
    for (const f of knownForms(value)) {
      expect(c.surelyClean(`x ${f.alt0} y`)).toBe(false);
      expect(c.surelyClean(`id ${f.alt0.slice(0, 8)}`)).toBe(false);
    }
    for (const s of samples) expect(c.surelyClean(s.slice(0, 256))).toBe(false);
  });
});
