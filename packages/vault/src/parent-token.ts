import type { VaultBrokerConfig } from './config.js';
import type { EventSink } from './events.js';
import { readAuth, RenewingToken, withToken, type TokenSource } from './renewing-token.js';
import type { RevocationJob, RevocationQueue } from './revocation-queue.js';
import type { VaultClient } from './vault-client.js';

/**
 * The parent of every per-call token: a token the broker creates from its own token and revokes at close. Vault
 * revokes a token's children with it, so a per-call token whose create response never arrived (a connection reset
 * after Vault acted, a call aborted mid-request) still ends at `close()` instead of living until its TTL: the
 * broker cannot revoke such a token itself, it never learned the token or its accessor.
 *
 * The parent inherits the broker token's policies (no `policies` in the request), is renewed while the broker runs,
 * and is replaced when the broker's own token changes (a new AppRole login), since Vault ends children with their
 * parent. Replaced parents are revoked at close too.
 */
export function parentTokenSource(
  client: VaultClient,
  config: VaultBrokerConfig,
  own: TokenSource,
  revocations: RevocationQueue,
  emit: EventSink,
  ttlMs: number,
): TokenSource {
  let createdFrom: string | undefined;
  let retired: RevocationJob[] = [];
  const parent = new RenewingToken(
    client,
    config,
    emit,
    'parent',
    async (options) => {
      // Not abortable by the caller's signal: the create is shared by concurrent calls, and aborting it midway is
      // exactly how a token gets lost.
      const sendOptions = { onAttempt: options.onAttempt };
      const created = await withToken(own, sendOptions, async (ownToken) => {
        const body = await client.send(
          'parent token create',
          ownToken,
          'write',
          'auth/token/create',
          {
            ttl: `${Math.ceil(ttlMs / 1000)}s`,
            renewable: true,
            display_name: 'agent-lease-parent',
            meta: { agent_lease: 'parent' },
          },
          sendOptions,
        );
        createdFrom = ownToken;
        return readAuth(body, 'parent token create');
      });
      emit({ type: 'parent-token', ttlSeconds: created.ttlSeconds });
      return created;
    },
    (token, expiresAt) => {
      const now = Date.now();
      retired = retired.filter((job) => job.expiresAt > now);
      retired.push({ token, expiresAt });
    },
  );

  return {
    kind: 'parent',
    async token(options) {
      const ownToken = await own.token(options);
      if (createdFrom !== undefined && ownToken !== createdFrom) {
        createdFrom = undefined;
        parent.retire();
      }
      return parent.token(options);
    },
    refused: (token, options) => parent.refused(token, options),
    async close() {
      await parent.close();
      parent.retire();
      const jobs = retired.map((job) => revocations.enqueue(job));
      retired = [];
      await Promise.all(jobs);
      await own.close();
    },
  };
}
