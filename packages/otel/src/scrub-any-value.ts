import type { AnyValue, AnyValueMap } from '@opentelemetry/api-logs';
import { REDACTION_FAILED, type Redact } from './redact-source.js';

/** Log bodies and attributes nest (maps, arrays); deeper than this is replaced rather than walked (cycles). */
const MAX_DEPTH = 32;

/**
 * Scrubbed log value: strings, arrays, maps (keys too) and UTF-8 byte arrays. Returns the same reference when
 * nothing changed, so callers can skip writes. Bytes are decoded as UTF-8 only to look for secrets; when one is
 * found the redacted text is re-encoded (lossy for binary data, which is the safe direction).
 */
export function scrubAnyValue(redact: Redact, value: AnyValue, depth = 0): AnyValue {
  if (typeof value === 'string') return redact(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return REDACTION_FAILED;
  if (value instanceof Uint8Array) {
    const text = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
    const clean = redact(text);
    return clean === text ? value : new Uint8Array(Buffer.from(clean, 'utf8'));
  }
  if (Array.isArray(value)) {
    let out: AnyValue[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      const clean = scrubAnyValue(redact, item, depth + 1);
      if (clean !== item) (out ??= value.slice())[i] = clean;
    }
    return out ?? value;
  }
  return scrubAnyMap(redact, value, depth + 1);
}

/** A scrubbed map (keys and values), or the same map when nothing changed. */
export function scrubAnyMap(redact: Redact, map: AnyValueMap, depth = 0): AnyValueMap {
  const out: AnyValueMap = {};
  let changed = false;
  for (const [key, value] of Object.entries(map)) {
    const clean = scrubAnyValue(redact, value, depth);
    const cleanKey = redact(key);
    if (clean !== value || cleanKey !== key) changed = true;
    out[cleanKey] = clean;
  }
  return changed ? out : map;
}
