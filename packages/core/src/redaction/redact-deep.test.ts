import { describe, expect, it } from 'vitest';
import { createRedactor } from './index.js';

const V = 'tok_9f8e7d6c5b4a3210';
const P = '[REDACTED:api]';

function make() {
  const r = createRedactor({ rules: false });
  r.register(V, 'api');
  return r;
}

describe('redactDeep', () => {
  it('redacts nested objects, arrays, Maps (keys too) and Sets without mutating', () => {
    const r = make();
    const input = {
      a: [1, `x ${V}`, { b: V, n: 42, ok: true, big: 10n, d: new Date(0) }],
      m: new Map<unknown, unknown>([[V, { c: V }]]),
      s: new Set([V, 7]),
      [V]: 'key',
    };
    const snapshot = JSON.stringify({ ...input, m: [...input.m], s: [...input.s] }, (_k, x: unknown) =>
      typeof x === 'bigint' ? x.toString() : x,
    );
    const out = r.redactDeep(input);
    expect(out.a[1]).toBe(`x ${P}`);
    expect(out.a[2]).toMatchObject({ b: P, n: 42, ok: true, big: 10n });
    expect((out.a[2] as { d: Date }).d).toBe(input.a[2] && (input.a[2] as { d: Date }).d);
    expect([...out.m.entries()]).toEqual([[P, { c: P }]]);
    expect([...out.s]).toEqual([P, 7]);
    expect(Object.keys(out)).toContain(P);
    expect(
      JSON.stringify({ ...input, m: [...input.m], s: [...input.s] }, (_k, x: unknown) =>
        typeof x === 'bigint' ? x.toString() : x,
      ),
    ).toBe(snapshot);
  });

  it('redacts Errors: message, stack, cause, AggregateError.errors, own fields; keeps the class', () => {
    const r = make();
    class MyError extends Error {
      code = `E_${V}`;
    }
    const cause = new MyError(`inner ${V}`);
    const agg = new AggregateError([new Error(`one ${V}`), cause], `outer ${V}`, { cause });
    const out = r.redactDeep(agg);
    expect(out).toBeInstanceOf(AggregateError);
    expect(out.message).toBe(`outer ${P}`);
    expect(out.stack?.includes(V)).toBe(false);
    expect(out.stack).toContain(P);
    expect((out.errors[0] as Error).message).toBe(`one ${P}`);
    const c = out.cause as MyError;
    expect(c).toBeInstanceOf(MyError);
    expect(c.code).toBe(`E_${P}`);
    expect(out.errors[1]).toBe(c); // shared reference stays shared
    expect(agg.message).toBe(`outer ${V}`); // input untouched
  });

  it("redacts a value cut off at the end of an Error's message in the stack too, where frames follow it", () => {
    const r = createRedactor();
    const value = 'Zt7Qm2Xv9Lp4Rk8Wn3Bs6Hd1Fg5Jc0Ya';
    r.register(value, 'svc');
    const error = new Error(`upstream rejected session ${value.slice(0, 20)}…`);
    const out = r.redactDeep(error);
    // Booleans: a failure never prints the value.
    expect(out.message === 'upstream rejected session [REDACTED:svc]…').toBe(true);
    expect(out.stack?.includes('upstream rejected session [REDACTED:svc]…\n    at ')).toBe(true);
    expect(out.stack?.includes(value.slice(0, 12))).toBe(false);
    expect(error.stack?.includes(value.slice(0, 20))).toBe(true); // the input is not mutated
  });

  it('is safe on cycles', () => {
    const r = make();
    const a: Record<string, unknown> = { v: V };
    a.self = a;
    const arr: unknown[] = [V];
    arr.push(arr);
    const out = r.redactDeep({ a, arr });
    expect(out.a.self).toBe(out.a);
    expect(out.a.v).toBe(P);
    expect(out.arr[1]).toBe(out.arr);
  });

  it('finds a value escaped twice in JSON inside a string', () => {
    const r = make();
    r.register('q"uote\\d-secret', 'q');
    const inner = JSON.stringify({ payload: JSON.stringify({ pw: 'q"uote\\d-secret' }) });
    const out = r.redactDeep({ body: inner });
    expect(out.body).not.toContain('uote');
    expect(JSON.parse((JSON.parse(out.body) as { payload: string }).payload)).toEqual({ pw: '[REDACTED:q]' });
    expect(r.redactDeep({ body: `{"x":"${V}"}` }).body).toBe(`{"x":"${P}"}`);
  });

  it('leaves non-text values and class instances alone', () => {
    const r = make();
    const buf = Buffer.from(V);
    class Thing {
      v = V;
    }
    const t = new Thing();
    const fn = () => V;
    expect(r.redactDeep(buf)).toBe(buf);
    expect(r.redactDeep(t)).toBe(t);
    expect(r.redactDeep(fn)).toBe(fn);
    expect(r.redactDeep(null)).toBe(null);
    expect(r.redactDeep<unknown>(undefined)).toBe(undefined);
    expect(r.redactDeep(12)).toBe(12);
    expect(r.redactDeep(new URL(`https://x.test/?k=${V}`)).href).toBe(`https://x.test/?k=${P}`);
  });
});
