import type { CircuitState } from './circuit-breaker.js';
import type { VaultRequestError } from './vault-error.js';

/** Operational events for logs and metrics. None carries a token, an accessor or a secret value. */
export type VaultBrokerEvent =
  | { type: 'acquire'; credential: string; roundTrips: number; durationMs: number }
  | { type: 'acquire-failed'; credential: string; roundTrips: number; error: VaultRequestError | undefined }
  | { type: 'revoke'; outcome: RevocationOutcome; attempts: number }
  | { type: 'login' }
  /** The parent of the per-call tokens was created (at `ready()` or on first use, and when it is replaced). */
  | { type: 'parent-token'; ttlSeconds: number }
  | { type: 'renew'; token: 'login' | 'parent'; ttlSeconds: number }
  | { type: 'auth-error'; token: 'login' | 'parent'; error: VaultRequestError }
  | { type: 'circuit'; state: CircuitState };

/**
 * How a child token's revocation ended:
 * - `revoked`: Vault confirmed (204);
 * - `already-gone`: Vault said the token is not valid any more (used up, expired or revoked, and its leases with it);
 * - `expired`: Vault stayed unreachable until the token's TTL ran out, so Vault itself has revoked it;
 * - `failed`: Vault refused in a way that should not happen (logged for operators).
 */
export type RevocationOutcome = 'revoked' | 'already-gone' | 'expired' | 'failed';

export type EventSink = (event: VaultBrokerEvent) => void;

export function safeSink(sink: ((event: VaultBrokerEvent) => void) | undefined): EventSink {
  return (event) => {
    try {
      sink?.(event);
    } catch {
      // A failing listener must not break credential issuance or revocation.
    }
  };
}
