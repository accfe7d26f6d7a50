/**
 * A parser for the subset of HCL that Vault policies use: blocks with string labels (`path "a/*" { ... }`),
 * attributes (`capabilities = ["read"]`), strings, numbers, booleans, lists and nested maps, with `#`, `//` and
 * block comments. Written by hand because the npm HCL parsers are Terraform-oriented WASM builds of the Go
 * library, far heavier than this test kit should pull in; a Vault policy needs nothing beyond this subset.
 */
export class HclError extends Error {}

type Value = string | number | boolean | null | Value[] | { [key: string]: Value };
type Obj = { [key: string]: Value };

export function parseHcl(source: string): Obj {
  let at = 0;
  const fail = (what: string): never => {
    throw new HclError(`${what} at offset ${at}`);
  };
  const skip = (): void => {
    for (;;) {
      const rest = source.slice(at);
      const ws = /^(?:\s+|#[^\n]*|\/\/[^\n]*|\/\*[\s\S]*?\*\/)/.exec(rest);
      if (!ws) return;
      at += ws[0].length;
    }
  };
  const peek = (): string | undefined => {
    skip();
    return source[at];
  };
  const expect = (ch: string): void => {
    if (peek() !== ch) fail(`expected "${ch}"`);
    at++;
  };
  const string = (): string => {
    expect('"');
    let out = '';
    while (at < source.length && source[at] !== '"') {
      if (source[at] === '\\') {
        const next = source[at + 1];
        out += next === 'n' ? '\n' : next === 't' ? '\t' : (next ?? '');
        at += 2;
      } else out += source[at++] ?? '';
    }
    if (source[at] !== '"') fail('unterminated string');
    at++;
    return out;
  };
  const key = (): string => {
    if (peek() === '"') return string();
    const ident = /^[A-Za-z_][\w-]*/.exec(source.slice(at));
    if (!ident) return fail('expected a name');
    at += ident[0].length;
    return ident[0];
  };
  const value = (): Value => {
    const ch = peek();
    if (ch === '"') return string();
    if (ch === '[') {
      at++;
      const list: Value[] = [];
      while (peek() !== ']') {
        list.push(value());
        if (peek() === ',') at++;
        else if (peek() !== ']') fail('expected "," or "]"');
      }
      at++;
      return list;
    }
    if (ch === '{') {
      at++;
      const obj = body('}');
      at++;
      return obj;
    }
    const literal = /^(?:true|false|null|-?\d+(?:\.\d+)?)/.exec(source.slice(at));
    if (!literal) return fail('expected a value');
    at += literal[0].length;
    return literal[0] === 'true'
      ? true
      : literal[0] === 'false'
        ? false
        : literal[0] === 'null'
          ? null
          : Number(literal[0]);
  };
  const body = (end: string | undefined): Obj => {
    const obj: Obj = {};
    while (peek() !== end) {
      if (peek() === undefined) fail('unexpected end of input');
      const name = key();
      if (peek() === '=' || peek() === ':') {
        at++;
        obj[name] = value();
      } else {
        const labels: string[] = [];
        while (peek() === '"') labels.push(string());
        expect('{');
        const inner = body('}');
        at++;
        let target = obj;
        const path = [name, ...labels];
        for (const [i, label] of path.entries()) {
          if (i === path.length - 1) {
            const existing = target[label];
            target[label] =
              typeof existing === 'object' && existing !== null && !Array.isArray(existing)
                ? { ...existing, ...inner }
                : inner;
          } else {
            const next = target[label];
            if (typeof next !== 'object' || next === null || Array.isArray(next)) target[label] = {};
            target = target[label] as Obj;
          }
        }
      }
      if (peek() === ',') at++;
    }
    return obj;
  };
  const result = body(undefined);
  return result;
}
