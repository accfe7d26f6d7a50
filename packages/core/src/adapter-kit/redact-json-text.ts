import type { Redactor } from '../redaction/types.js';

/**
 * Redacts JSON text (a model's tool-call arguments, a raw request body) and keeps it valid JSON.
 * Text-level replacement could cut through an escape sequence or a quote when a rule matches across them, and
 * a value escaped as `\u0073k-...` hides from a text pass; parsing first avoids both. Text that is not JSON is
 * redacted as plain text. Returns the same string when nothing was found.
 */
export function redactJsonText(redactor: Pick<Redactor, 'redact' | 'redactDeep'>, text: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return redactor.redact(text);
  }
  const clean = redactor.redactDeep(parsed);
  // redactDeep copies containers, so compare serialisations rather than identities.
  const out = JSON.stringify(clean);
  return out === JSON.stringify(parsed) ? text : out;
}
