import { describe, expect, it } from 'vitest';
import { builtinRules } from './builtin-rules.js';
import { ruleFences, ruleReach } from './rule-reach.js';

const chars = (set: Uint8Array): string =>
  [...set.keys()]
    .filter((c) => set[c] === 1)
    .map((c) => String.fromCharCode(c))
    .join('');

describe('ruleReach', () => {
  it('bounds how far a fixed-length pattern reads', () => {
    const r = ruleReach(/ab[0-9]{2,4}(?![0-9])/);
    expect(r?.max).toBe(7); // 6 characters and a one-character lookahead
    expect(r?.past).toBe(0);
  });

  it('finds the offset after which only the value class can occur', () => {
    const r = ruleReach(/key\s{0,2}=(?<secret>[a-z]{4,8})/);
    expect(r?.past).toBe(5); // the last whitespace can sit at offset 4
    expect(chars(r!.inTail)).toBe('=abcdefghijklmnopqrstuvwxyz');
    expect(r?.tailNonAscii).toBe(false);
    expect(ruleReach(/k=[^"\s]{1,3}/)?.tailNonAscii).toBe(true);
    expect(ruleReach(/k=[a\u00e9]{1,3}/)?.tailNonAscii).toBe(true);
    expect(ruleReach(/k=[aé]{1,3}/)?.tailNonAscii).toBe(true);
  });

  it('reads an unbounded quantifier as an unbounded reach', () => {
    expect(ruleReach(/Bearer\s{1,4}[A-Za-z0-9]{16,}=*/)?.max).toBe(Infinity);
  });

  it('declines syntax it does not model (such a rule is decided only at the end of the stream)', () => {
    expect(ruleReach(/\bfoo/)).toBeUndefined();
    expect(ruleReach(/foo/i)).toBeUndefined();
    expect(ruleReach(/(a)\1/)).toBeUndefined();
    expect(ruleReach(/^foo$/)).toBeUndefined();
    // The stream keeps one character before a start, so only a leading one-character lookbehind is modelled.
    expect(ruleReach(/(?<![a-z])foo/)).toBeDefined();
    expect(ruleReach(/(?<![a-z]{2})foo/)).toBeUndefined();
    expect(ruleReach(/foo(?<!o)bar/)).toBeUndefined();
  });

  it('models every built-in rule, and fences the two whose body may hold whitespace', () => {
    for (const rule of builtinRules) {
      const r = ruleReach(rule.pattern);
      expect(r, rule.id).toBeDefined();
      // Without a fence a rule must close on a character it cannot hold, or on its longest read.
      if (ruleFences[rule.id] === undefined)
        expect(r!.past < Infinity || r!.max < Infinity, rule.id).toBe(true);
    }
    expect(Object.keys(ruleFences).sort()).toEqual(['gcp-service-account-key', 'private-key']);
  });
});
