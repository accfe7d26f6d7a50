/**
 * Everything a value exposes, as text, for leak scanning: JSON, with Errors expanded (name, message, stack, cause
 * and own fields, which JSON.stringify drops), Maps/Sets/bytes spelled out, cycles cut. A sink that logs the value
 * could print any of these, so the scan must see them all.
 */
export function exposedText(value: unknown): string {
  const seen = new WeakSet();
  const text = JSON.stringify(value, function replacer(_key, v: unknown) {
    if (typeof v === 'bigint') return v.toString();
    if (typeof v !== 'object' || v === null) return v;
    if (seen.has(v)) return '[cycle]';
    seen.add(v);
    if (v instanceof Error) {
      const own: Record<string, unknown> = {};
      for (const k of Object.getOwnPropertyNames(v)) own[k] = (v as unknown as Record<string, unknown>)[k];
      return {
        name: v.name,
        message: v.message,
        stack: v.stack,
        cause: v.cause,
        ...own,
        toString: String(v),
      };
    }
    if (v instanceof Map) return { map: [...v.entries()] };
    if (v instanceof Set) return { set: [...v.values()] };
    if (v instanceof Uint8Array) return { bytes: Buffer.from(v).toString('utf8') };
    return v;
  });
  return typeof text === 'string' ? text : String(value);
}
