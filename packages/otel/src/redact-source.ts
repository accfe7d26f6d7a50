import type { Guard, Redactor } from '@agent-lease/core';

/**
 * Anything that redacts text: a `Guard` (`createGuard(...)`) or a bare `Redactor` (`guard.redactor`,
 * `createRedactor()`). Only `redact` is used, so the processors stay valid across guard instances and versions.
 */
export type RedactSource = Pick<Guard, 'redact'> | Pick<Redactor, 'redact'>;

/** What every redacting processor writes in place of content it could not scrub (fail closed). */
export const REDACTION_FAILED = '[REDACTION_FAILED]';

export type Redact = (text: string) => string;

export function toRedact(source: RedactSource): Redact {
  if (typeof source !== 'object' || typeof (source as { redact?: unknown }).redact !== 'function') {
    throw new TypeError('expected a Guard or a Redactor (an object with a redact(text) method)');
  }
  return (text) => source.redact(text);
}
