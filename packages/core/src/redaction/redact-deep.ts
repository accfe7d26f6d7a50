import { redactRepeatedText } from '../adapter-kit/redact-repeated-text.js';

/** Deeper than this, a value is replaced rather than walked (a hostile or accidental very deep structure). */
const MAX_DEPTH = 512;
const TOO_DEEP = '[REDACTED:too-deep]';

/** Could be JSON whose strings carry a secret escaped twice (`\"` inside a JSON string inside a string). */
function maybeNestedJson(s: string): boolean {
  if (!s.includes('\\')) return false;
  const c = s.trimStart().charCodeAt(0);
  return c === 123 /* { */ || c === 91 /* [ */ || c === 34 /* " */;
}

/**
 * Redacted copy of any value: strings (also JSON inside strings), plain objects, arrays, Maps (keys too), Sets,
 * Errors (message, stack, cause, AggregateError.errors and other own properties, prototype kept) and URLs.
 * Numbers, booleans, bigint, Dates, typed arrays, functions and class instances are returned as they are.
 * Never mutates its input; cycles and shared references map to one copy.
 */
export function redactDeep<T>(value: T, redact: (text: string) => string): T {
  const seen = new Map<object, unknown>();

  const str = (s: string, depth: number): string => {
    const r = redact(s);
    if (!maybeNestedJson(r) || depth >= MAX_DEPTH) return r;
    let parsed: unknown;
    try {
      parsed = JSON.parse(r);
    } catch {
      return r;
    }
    // Only re-serialise when the parsed form hid something the text pass could not see.
    const again = walk(parsed, depth + 1);
    if (JSON.stringify(again) === JSON.stringify(parsed)) return r;
    return JSON.stringify(again, null, r.includes('\n') ? 2 : undefined);
  };

  const copyErrorProps = (from: Error, to: Error, depth: number): void => {
    // The stack repeats the message: a value only the message's redaction catches (cut off at its end) must not
    // survive in the stack, where frames follow it.
    const message: unknown = Object.hasOwn(from, 'message') ? from.message : undefined;
    const cleanMessage = typeof message === 'string' ? str(message, depth + 1) : undefined;
    const redactText = (key: PropertyKey, text: unknown): unknown =>
      key === 'message' && cleanMessage !== undefined && text === message
        ? cleanMessage
        : key === 'stack' && typeof text === 'string' && typeof message === 'string'
          ? redactRepeatedText((t) => str(t, depth + 1), text, message, cleanMessage ?? message)
          : walk(text, depth + 1);
    for (const key of Reflect.ownKeys(from)) {
      const d = Object.getOwnPropertyDescriptor(from, key);
      if (d === undefined) continue;
      if ('value' in d) d.value = redactText(key, d.value);
      else if (key === 'stack' || key === 'message') {
        // Some engines expose these as accessors; read them once and copy the redacted text as data.
        Object.defineProperty(to, key, {
          value: redactText(key, from[key]),
          writable: true,
          enumerable: false,
          configurable: true,
        });
        continue;
      } else continue; // other accessors are not invoked (side effects) and not copied
      Object.defineProperty(to, key, d);
    }
  };

  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return str(v, depth);
    if (typeof v !== 'object' || v === null) return v;
    const done = seen.get(v);
    if (done !== undefined || seen.has(v)) return done;
    if (depth >= MAX_DEPTH) return TOO_DEEP;
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      seen.set(v, out);
      for (let i = 0; i < v.length; i++) out[i] = walk(v[i], depth + 1);
      return out;
    }
    if (v instanceof Map) {
      const out = new Map<unknown, unknown>();
      seen.set(v, out);
      for (const [k, x] of v) out.set(walk(k, depth + 1), walk(x, depth + 1));
      return out;
    }
    if (v instanceof Set) {
      const out = new Set<unknown>();
      seen.set(v, out);
      for (const x of v) out.add(walk(x, depth + 1));
      return out;
    }
    if (v instanceof Error) {
      const out = Object.create(Object.getPrototypeOf(v) as object | null) as Error;
      seen.set(v, out);
      copyErrorProps(v, out, depth);
      return out;
    }
    if (v instanceof URL) {
      const href = redact(v.href);
      if (href === v.href) return v;
      try {
        return new URL(href);
      } catch {
        return href;
      }
    }
    const proto = Object.getPrototypeOf(v) as object | null;
    if (proto !== Object.prototype && proto !== null) return v;
    const out = Object.create(proto) as Record<PropertyKey, unknown>;
    seen.set(v, out);
    for (const key of Reflect.ownKeys(v)) {
      const d = Object.getOwnPropertyDescriptor(v, key);
      if (d?.enumerable !== true) continue;
      out[typeof key === 'string' ? redact(key) : key] = walk(
        (v as Record<PropertyKey, unknown>)[key],
        depth + 1,
      );
    }
    return out;
  };

  return walk(value, 0) as T;
}
