import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRedactor } from './index.js';
import { knownForms } from './known-forms.js';
import { cleanCorpus, cleanLines, rng } from './test-corpus.js';

const valueArb = fc.oneof(
  fc.string({ minLength: 8, maxLength: 40 }),
  fc.string({ unit: 'grapheme', minLength: 8, maxLength: 24 }),
  fc.stringMatching(/^[A-Za-z0-9_\-+/=!%&"\\ ]{8,48}$/),
);
const around = fc.string({ unit: 'binary', maxLength: 60 });

/** Every registered form (both spellings), for "output never contains a registered form". */
function forms(v: string): string[] {
  return knownForms(v).flatMap((f) => (f.alt1 === undefined ? [f.alt0] : [f.alt0, f.alt1]));
}

function chunked(r: ReturnType<typeof createRedactor>, text: string, cuts: number[]): string {
  const s = r.createStreamRedactor();
  let out = '';
  let at = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    const p = Math.min(text.length, c);
    if (p <= at) continue;
    out += s.write(text.slice(at, p));
    at = p;
  }
  out += s.write(text.slice(at));
  return out + s.end();
}

describe('property: registered forms never survive', () => {
  it('batch and stream, every encoding, random text and random chunk splits', () => {
    fc.assert(
      fc.property(
        valueArb,
        around,
        around,
        fc.nat(20),
        fc.array(fc.nat(200), { maxLength: 40 }),
        fc.boolean(),
        (value, before, after, formIndex, cuts, rules) => {
          const r = createRedactor(rules ? {} : { rules: false });
          r.register(value, 'cred');
          const all = forms(value);
          const form = all[formIndex % all.length]!;
          const text = `${before}${form}${after}`;
          // A form that also occurs in the placeholder itself cannot be "removed".
          fc.pre(!'[REDACTED:cred]'.includes(form));
          for (const out of [
            r.redact(text),
            chunked(r, text, cuts),
            chunked(r, text, [...Array(text.length).keys()]),
          ])
            for (const f of all)
              if (!before.includes(f) && !after.includes(f)) expect(out.includes(f)).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a stream equals batch redaction for random values, text and splits, rules on and off', () => {
    const runs = Number(process.env.STREAM_PROPERTY_RUNS ?? 200);
    fc.assert(
      fc.property(
        fc.array(valueArb, { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(around, fc.nat(20), fc.boolean()), { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(300), { maxLength: 40 }),
        fc.boolean(),
        (values, pieces, cuts, rules) => {
          const r = createRedactor(rules ? {} : { rules: false });
          values.forEach((v, i) => r.register(v, `cred${i}`));
          // Random text with forms of the values (some cut short, some followed by an ellipsis) between the noise.
          let text = '';
          pieces.forEach(([noise, formIndex, cut], k) => {
            const all = forms(values[k % values.length]!);
            const form = all[formIndex % all.length]!;
            text += noise + (cut ? `${form.slice(0, Math.max(8, form.length >> 1))}…` : form);
          });
          // Compared as a boolean so a failure never prints a value.
          expect(chunked(r, text, cuts) === r.redact(text)).toBe(true);
        },
      ),
      { numRuns: runs },
    );
  });

  it('a value inside a base64 blob at any offset is caught', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9]{8,40}$/),
        fc.string({ maxLength: 10 }),
        fc.string({ maxLength: 10 }),
        (v, a, b) => {
          const r = createRedactor({ rules: false });
          r.register(v, 'cred');
          const blob = Buffer.from(`${a}${v}${b}`).toString('base64');
          const out = r.redact(blob);
          expect(out).toContain('[REDACTED:cred]');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('streams equal the batch output with many values and random splits', () => {
    const values = Array.from({ length: 40 }, (_, i) => `val-${i}-${(i * 2654435761).toString(36)}-x`);
    const r = createRedactor();
    values.forEach((v, i) => r.register(v, `c${i}`));
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.constantFrom(...values),
            fc.constantFrom(...cleanLines(rng(1))),
            fc.string({ maxLength: 30 }),
          ),
          {
            maxLength: 30,
          },
        ),
        fc.array(fc.nat(2000), { maxLength: 60 }),
        (parts, cuts) => {
          const text = parts.join(' ');
          expect(chunked(r, text, cuts)).toBe(r.redact(text));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('property: clean text passes unchanged', () => {
  it('no-secret corpus: identical output with many values registered; rule false-positive rate printed', () => {
    const r = createRedactor();
    for (let i = 0; i < 200; i++) r.register(`registered-${i}-${(i * 40503).toString(36)}-secret`, `c${i}`);
    const text = cleanCorpus(300_000, 99);
    expect(Object.is(r.redact(text), text)).toBe(true);
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...cleanLines(rng(5)), ...cleanLines(rng(6))), { maxLength: 20 }),
        (lines) => {
          const t = lines.join('\n');
          expect(r.redact(t)).toBe(t);
        },
      ),
      { numRuns: 300 },
    );
    const lines = text.split('\n');
    const flagged = lines.filter((l) => r.scan(l).length > 0).length;
    console.log(`false-positive rate on ${lines.length} clean lines: ${flagged}/${lines.length}`);
  });
});
