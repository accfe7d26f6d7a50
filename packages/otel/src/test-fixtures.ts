// Shared fixtures for this package's tests (not exported from the package).
import { createRedactor, type Redactor } from '@agent-lease/core';
import { createLeakScanner } from '@agent-lease/testing';

/** Canaries; `quoted` holds a quote and a backslash so its JSON-escaped form differs from the raw one. */
export const CANARIES = {
  quoted: 'sk-live-Qm9"x\\Zr81TqVw3nYp0LkJd7',
  github: 'ghp_canaryA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6',
  truncated: 'tok-TRUNC-8h2kLq9ZxW4vB7nM1pR6sT3aa',
  exception: 'pw-exc-7f3a9c2e-d41b-4b8e-9a6f',
  cli: 'cli-arg-secret-9QwErTy7UiOpZx',
} as const;

export type CanaryName = keyof typeof CANARIES;

export const scanner = createLeakScanner({ ...CANARIES });

/** A redactor with every canary registered (builtin rules on, as a guard has them). */
export function canaryRedactor(): Redactor {
  const redactor = createRedactor();
  for (const [name, value] of Object.entries(CANARIES)) redactor.register(value, name);
  return redactor;
}

/** Canary names found in `input` (names only: a failing assertion never prints a value). */
export function leakedCanaries(input: unknown, channel = 'test'): string[] {
  const findings =
    typeof input === 'string' || input instanceof Uint8Array
      ? scanner.scan(input, channel)
      : scanner.scanValue(input, channel);
  return [...new Set(findings.map((f) => f.canary))].sort();
}
