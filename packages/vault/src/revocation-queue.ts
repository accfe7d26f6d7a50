import type { VaultBrokerConfig } from './config.js';
import type { EventSink, RevocationOutcome } from './events.js';
import { backoffMs, sleep, type VaultClient } from './vault-client.js';
import { VaultRequestError } from './vault-error.js';

export interface RevocationJob {
  token: string;
  /** When Vault itself revokes the token (its TTL), which bounds how long we keep trying. */
  expiresAt: number;
}

/**
 * Revokes child tokens off the critical path, and never loses one: each revocation retries (network errors,
 * 412/429/5xx, an open circuit) until Vault confirms, says the token is already gone, or the token's own TTL has
 * passed (Vault has then revoked it and its leases itself). `drain()` waits for all of them.
 */
export class RevocationQueue {
  private readonly pending = new Set<Promise<RevocationOutcome>>();
  readonly counts: Record<RevocationOutcome, number> = {
    revoked: 0,
    'already-gone': 0,
    expired: 0,
    failed: 0,
  };

  constructor(
    private readonly client: VaultClient,
    private readonly config: VaultBrokerConfig,
    private readonly emit: EventSink,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  /** Starts a revocation; the promise never rejects. */
  enqueue(job: RevocationJob): Promise<RevocationOutcome> {
    const run = this.run(job).then((outcome) => {
      this.pending.delete(run);
      return outcome;
    });
    this.pending.add(run);
    return run;
  }

  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending);
  }

  private async run(job: RevocationJob): Promise<RevocationOutcome> {
    const { retry } = this.config;
    let attempts = 0;
    let outcome: RevocationOutcome | undefined;
    while (outcome === undefined) {
      if (Date.now() >= job.expiresAt) {
        outcome = 'expired';
        break;
      }
      try {
        // revoke-self is granted by Vault's default policy: the broker needs no power over other tokens.
        await this.client.send(
          'token revoke-self',
          job.token,
          'write',
          'auth/token/revoke-self',
          {},
          {
            maxAttempts: 1,
            onAttempt: () => {
              attempts++;
            },
          },
        );
        outcome = 'revoked';
      } catch (error) {
        const e = error instanceof VaultRequestError ? error : undefined;
        if (e?.status === 403) outcome = 'already-gone';
        else if (e?.reachedVault) outcome = 'failed';
        else {
          const circuitWait = e?.code === 'ECIRCUITOPEN' ? this.client.breaker.waitMs() : 0;
          const delay = Math.max(
            circuitWait,
            e?.retryAfterMs ?? backoffMs(attempts + 1, retry.baseDelayMs, retry.maxDelayMs),
          );
          await sleep(Math.min(delay + 1, Math.max(1, job.expiresAt - Date.now())));
        }
      }
    }
    this.counts[outcome]++;
    this.emit({ type: 'revoke', outcome, attempts });
    return outcome;
  }
}
