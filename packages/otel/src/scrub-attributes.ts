import type { Attributes, AttributeValue } from '@opentelemetry/api';
import type { Redact } from './redact-source.js';
import { exceptionAwareRedact } from './scrub-exception.js';

/** The scrubbed value, or the same value (same reference) when nothing in it changed. */
export function scrubValue<V extends AttributeValue | undefined>(redact: Redact, value: V): V {
  if (typeof value === 'string') return redact(value) as V;
  if (!Array.isArray(value)) return value;
  let out: unknown[] | undefined;
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    if (typeof item !== 'string') continue;
    const clean = redact(item);
    if (clean !== item) (out ??= value.slice())[i] = clean;
  }
  return (out ?? value) as V;
}

/**
 * Scrubs keys and values in place. A key that holds a secret is renamed to its redacted form (two such keys
 * may collapse into one: losing an attribute is acceptable, leaking it is not).
 */
export function scrubAttributesInPlace(redactText: Redact, attributes: Attributes | undefined): void {
  if (attributes === undefined) return;
  const redact = exceptionAwareRedact(redactText, attributes);
  for (const key of Object.keys(attributes)) {
    const value = attributes[key];
    const clean = scrubValue(redact, value);
    const cleanKey = redact(key);
    if (cleanKey !== key) {
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- renaming is the only way to drop a secret key
      delete attributes[key];
      attributes[cleanKey] = clean;
    } else if (clean !== value) {
      attributes[key] = clean;
    }
  }
}

/** A scrubbed copy (never the input object, so the caller may hand it on while the original stays shared). */
export function scrubAttributesCopy(redactText: Redact, attributes: Attributes): Attributes {
  const redact = exceptionAwareRedact(redactText, attributes);
  const out: Attributes = {};
  for (const key of Object.keys(attributes)) out[redact(key)] = scrubValue(redact, attributes[key]);
  return out;
}
