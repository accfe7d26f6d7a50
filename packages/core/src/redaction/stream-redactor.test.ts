import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRedactor } from './index.js';
import { knownForms } from './known-forms.js';
import { cleanCorpus, cleanLines, encodings, makeValues, mixedCorpus, rng } from './test-corpus.js';

function streamed(r: ReturnType<typeof createRedactor>, text: string, sizes: () => number): string {
  const s = r.createStreamRedactor();
  let out = '';
  for (let i = 0; i < text.length; ) {
    const n = Math.max(1, sizes());
    out += s.write(text.slice(i, i + n));
    i += n;
  }
  return out + s.end();
}

describe('stream redactor', () => {
  const values = makeValues(50, 5);
  const text = mixedCorpus(40_000, values, 40, 9);

  for (const rules of [false, true] as const) {
    it(`equals the batch output for every chunking (rules ${rules ? 'on' : 'off'})`, () => {
      const r = createRedactor(rules ? {} : { rules: false });
      values.forEach((v, i) => r.register(v, `v${i}`));
      const batch = r.redact(text);
      expect(batch).not.toBe(text);
      const rand = rng(4);
      for (const sizes of [() => 1, () => 3, () => 4, () => 64, () => 1 + Math.floor(rand() * 100)])
        expect(streamed(r, text, sizes)).toBe(batch);
    });
  }

  it('redacts a form cut off with an ellipsis at the end of the stream, at any chunking (rules on and off)', () => {
    const rand = rng(12);
    const b64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    for (const n of [16, 40, 300, 1200]) {
      let v = '';
      for (let i = 0; i < n; i++) v += b64[Math.floor(rand() * 64)]!;
      for (const rules of [false, true]) {
        const r = createRedactor(rules ? {} : { rules: false });
        r.register(v, 'cred');
        for (const ellipsis of ['\u2026', '...']) {
          const text = `Here is what I found: ${v.slice(0, Math.ceil(n * 0.6))}${ellipsis}`;
          const expected = `Here is what I found: [REDACTED:cred]${ellipsis}`;
          // Compared as a boolean so a failure never prints the value.
          for (const sizes of [() => 1, () => 2, () => 7, () => 64, () => 1 + Math.floor(rand() * 400)])
            expect(streamed(r, text, sizes) === expected).toBe(true);
          // Text after the ellipsis: no longer a truncated form, as in batch redaction.
          expect(streamed(r, `${text} more`, () => 5) === r.redact(`${text} more`)).toBe(true);
        }
      }
    }
  });

  it('scans a form completed by a write that emitted nothing (held by an ellipsis)', () => {
    // Found by the property test: the '.' completes the URL form and looks like an ellipsis, so nothing is emitted
    // and no scan runs; the next write must still scan, although no position is live any more.
    const r = createRedactor({ rules: false });
    r.register('       .', 'cred');
    const text = `${encodeURIComponent('       .')}\u0000`;
    expect(streamed(r, text, () => 1) === '[REDACTED:cred]\u0000').toBe(true);
  });

  it('holds back only a suffix that could still become a registered form', () => {
    const r = createRedactor({ rules: false });
    r.register('tok_abcdefghijklmnop', 'api');
    const s = r.createStreamRedactor();
    expect(s.write('hello world ')).toBe('hello world ');
    expect(s.write('see tok_abc')).toBe('see ');
    expect(s.held).toBe(7);
    expect(s.write('defghijklmnop and more')).toBe('[REDACTED:api] and more');
    expect(s.write(' tok_abcdefgh')).toBe(' ');
    expect(s.end()).toBe('[REDACTED:api]'); // truncated tail at the end of the stream
  });

  it('keeps a key with its value and an open PEM block until END', () => {
    const r = createRedactor();
    const s = r.createStreamRedactor();
    const pem = `-----BEGIN RSA PRIVATE KEY-----\n${'QUJD'.repeat(200)}\n-----END RSA PRIVATE KEY-----`;
    let out = '';
    for (const ch of `intro\n${pem}\nafter`) out += s.write(ch);
    out += s.end();
    expect(out).toBe('intro\n[REDACTED:private-key]\nafter');
  });

  it('catches a whole form that arrives in one write, further back than the longest form', () => {
    const r = createRedactor({ rules: false });
    r.register("     #''", 'cred');
    // The hex form starts more than the longest form's length before the end of the write.
    const s = r.createStreamRedactor();
    expect(s.write('2020202020232727 and then some more text')).toBe(
      '[REDACTED:cred] and then some more text',
    );
    expect(s.end()).toBe('');
  });

  it('catches a value registered while part of it is already held', () => {
    const r = createRedactor({ rules: false });
    r.register('xsk-live-abcdefghijk-and-more', 'other');
    const s = r.createStreamRedactor();
    // Held from the x: it could still become `other`.
    expect(s.write('say xsk-live-abcdefghijk')).toBe('say ');
    r.register('sk-live-abcdefghijkl', 'late');
    expect(s.write('l done') + s.end()).toBe('x[REDACTED:late] done');
  });

  it('known values only: equals the batch output for forms, cut forms and clean text at any chunking', () => {
    // The fast path (whole chunks of 6+ characters, held text joined lazily) against the batch engine, with
    // prefixes of forms (what the hold-back is about) and forms that touch the chunk boundaries.
    const values = makeValues(300, 8);
    const r = createRedactor({ rules: false });
    values.forEach((v, i) => r.register(v, `v${i}`));
    const forms = values.slice(0, 60).flatMap((v) => knownForms(v).map((f) => f.alt1 ?? f.alt0));
    const lines = cleanLines(rng(3)).slice(0, 200);
    const piece = fc.oneof(
      fc.constantFrom(...forms),
      fc.tuple(fc.constantFrom(...forms), fc.nat(60)).map(([f, n]) => f.slice(0, n)),
      fc.constantFrom(...lines),
      fc.string({ maxLength: 12 }),
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 25 }),
        fc.constantFrom('', ' ', '\n', '"'),
        fc.array(fc.integer({ min: 1, max: 90 }), { minLength: 1, maxLength: 8 }),
        (parts, sep, sizes) => {
          const text = parts.join(sep);
          let k = 0;
          expect(streamed(r, text, () => sizes[k++ % sizes.length]!)).toBe(r.redact(text));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never emits any encoding of a value split one character at a time', () => {
    const r = createRedactor({ rules: false });
    const v = 'Zq9!xY/7+wV3%uT1';
    r.register(v, 'pw');
    for (const enc of encodings(v)) {
      const out = streamed(r, `<< ${enc} >>`, () => 1);
      expect(out).toMatch(/^<< \[REDACTED:pw\]=* >>$/);
    }
  });
});

describe('stream redactor with the carried rule scanner', () => {
  const values = makeValues(50, 5);
  const text = mixedCorpus(30_000, values, 40, 13);

  it('accounts for every character (emitted + held = received), emits only final text, holds a bounded suffix', () => {
    // Chunks shorter than a scan's batch wait unjoined: `held` must still count them.
    const r = createRedactor();
    values.forEach((v, i) => r.register(v, `v${i}`));
    const clean = cleanCorpus(20_000, 3);
    expect(r.redact(clean)).toBe(clean);
    const batch = r.redact(text);
    for (const size of [1, 5, 15, 16, 17, 64, 300]) {
      // Clean text: the output so far is exactly the source minus the held suffix.
      let s = r.createStreamRedactor();
      let out = '';
      let received = 0;
      for (let i = 0; i < clean.length; i += size) {
        const chunk = clean.slice(i, i + size);
        received += chunk.length;
        out += s.write(chunk);
        expect(out.length + s.held).toBe(received);
      }
      expect(out + s.end()).toBe(clean);
      expect(s.held).toBe(0);
      // Text with secrets: what is emitted is final (a prefix of the batch output), and the hold-back is bounded.
      s = r.createStreamRedactor();
      out = '';
      let maxHeld = 0;
      let final = true;
      for (let i = 0; i < text.length; i += size) {
        out += s.write(text.slice(i, i + size));
        final &&= batch.startsWith(out);
        maxHeld = Math.max(maxHeld, s.held);
      }
      // Compared as booleans so a failure never prints a value.
      expect(final).toBe(true);
      expect(out + s.end() === batch).toBe(true);
      // Rules: a few hundred characters at most on this corpus (a PEM block ~450), whatever the chunk size.
      expect(maxHeld).toBeLessThan(1_000);
    }
  });

  it('never emits any part of a form before it is complete, with rules on, at every split', () => {
    // The last Q - 1 positions of each scan are classified at a later scan: a form whose first characters end a
    // write must still be held, whichever write completes it.
    const r = createRedactor();
    const v = 'Zq9!xY/7+wV3%uT1';
    r.register(v, 'pw');
    // A long tail, so the form is emitted by a scan before end() (which would rescan everything held).
    const tail = ' and more text after it'.repeat(12);
    for (const enc of encodings(v))
      for (const size of [1, 2, 3, 5, 6, 7, 16, 17, 64]) {
        const out = streamed(r, `<< ${enc} >>${tail}`, () => size);
        // Compared as a boolean so a failure never prints the value.
        expect(/^<< \[REDACTED:pw\]=* >>( and more text after it)+$/.test(out)).toBe(true);
      }
  });

  it('catches a value registered while part of it is held, with rules on', () => {
    const r = createRedactor();
    r.register('xsk-live-abcdefghijk-and-more', 'other');
    const s = r.createStreamRedactor();
    let out = s.write('say xsk-live-abcdefghijk');
    r.register('sk-live-abcdefghijkl', 'late');
    // A long tail in scan-sized writes: the form is emitted by a scan, not by end().
    const tail = 'l done'.padEnd(300, ' and more');
    for (let i = 0; i < tail.length; i += 16) out += s.write(tail.slice(i, i + 16));
    out += s.end();
    expect(out === r.redact(`say xsk-live-abcdefghijk${tail}`)).toBe(true);
    expect(out.startsWith('say x[REDACTED:late] done')).toBe(true);
  });

  it('a form that starts in the last characters of a write and ends in the next is caught', () => {
    const r = createRedactor();
    const v = 'tok_abcdefghijklmnop';
    r.register(v, 'api');
    const tail = ' tail'.repeat(60);
    for (let lead = 0; lead < 40; lead++)
      for (const cutInto of [1, 2, 3, 4, 5, 6, 10]) {
        const text = `${'w'.repeat(lead)} ${v}${tail}`;
        const cut = lead + 1 + cutInto;
        const s = r.createStreamRedactor();
        let out = s.write(text.slice(0, cut));
        // The rest in scan-sized writes, so the form is emitted before end().
        for (let i = cut; i < text.length; i += 16) out += s.write(text.slice(i, i + 16));
        out += s.end();
        expect(out === `${'w'.repeat(lead)} [REDACTED:api]${tail}`).toBe(true);
      }
  });
});
