import type { RevocationOutcome } from './events.js';

/**
 * The broker-private handle of a lease: the per-call child token. The token lives in a private field, so the
 * handle prints, serializes and logs as an empty shell.
 */
export class ChildToken {
  readonly #token: string;
  readonly expiresAt: number;
  revocation: Promise<RevocationOutcome> | undefined;

  constructor(token: string, expiresAt: number) {
    this.#token = token;
    this.expiresAt = expiresAt;
  }

  /** Only for the revocation queue. */
  reveal(): string {
    return this.#token;
  }

  toJSON(): Record<string, never> {
    return {};
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'ChildToken {}';
  }
}
