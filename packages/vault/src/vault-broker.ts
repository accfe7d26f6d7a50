import { appRoleSession } from './auth-session.js';
import { ChildToken } from './child-token.js';
import {
  parseConfig,
  type VaultBrokerConfig,
  type VaultBrokerOptions,
  type VaultCredentialConfig,
} from './config.js';
import {
  BrokerUnavailableError,
  InvalidConfigError,
  LeaseAbortedError,
  type Broker,
  type BrokerLease,
  type Injection,
  type LeaseRequest,
} from './core.js';
import { safeSink } from './events.js';
import { parentTokenSource } from './parent-token.js';
import { readAuth, staticToken, withToken, type TokenSource } from './renewing-token.js';
import { RevocationQueue } from './revocation-queue.js';
import type { CircuitState } from './circuit-breaker.js';
import { VaultClient } from './vault-client.js';
import { toVaultRequestError, VaultRequestError } from './vault-error.js';

export interface VaultBrokerStats {
  /** HTTP requests sent to Vault, retries included. */
  requests: number;
  pendingRevocations: number;
  revocations: { revoked: number; alreadyGone: number; expired: number; failed: number };
  circuit: CircuitState;
}

export interface VaultBroker extends Broker {
  readonly kind: 'vault';
  /**
   * Logs in (AppRole) and creates the parent token ahead of the first call, so that no call pays for those round
   * trips.
   */
  ready(): Promise<void>;
  stats(): VaultBrokerStats;
  close(): Promise<void>;
}

/**
 * Uses a child token exactly twice: one read (KV v2 data or dynamic creds) and one `revoke-self`. Dynamic
 * credentials need at least 2 anyway: Vault refuses to hand out a leased secret on a token's last use.
 */
export const CHILD_TOKEN_USES = 2;

interface ReadBody {
  data?: unknown;
  lease_id?: unknown;
  lease_duration?: unknown;
}

function reasonOf(error: VaultRequestError): string {
  if (error.operation === 'parent token create' && error.status === 403)
    return 'vault refused to create the parent token (grant update on auth/token/create, or set parentToken: false)';
  if (error.code === 'ECLOSED') return 'the vault broker is closed';
  if (error.code === 'ECIRCUITOPEN') return 'vault is unavailable (failing fast until it recovers)';
  if (error.code === 'ETIMEDOUT') return 'vault request timed out';
  if (error.status !== undefined) return `vault answered HTTP ${error.status}`;
  return `vault unreachable (${error.code ?? 'network error'})`;
}

/**
 * HashiCorp Vault / OpenBao broker. Per call: mint a child token from a token role limited to the credential's
 * policies (ttl = the lease's ttl, 2 uses, meta naming agent, tool and call), read the secret with that token, and
 * revoke the token when the lease ends, which also revokes any dynamic lease it created.
 */
export function vaultBroker(options: VaultBrokerOptions): VaultBroker {
  const config: VaultBrokerConfig = parseConfig(options);
  const emit = safeSink(config.onEvent);
  const client = new VaultClient(config, emit);
  const revocations = new RevocationQueue(client, config, emit);
  const own: TokenSource =
    config.auth.appRole !== undefined
      ? appRoleSession(client, config, config.auth.appRole, emit)
      : staticToken(config.auth.token ?? '');
  const session =
    config.parentToken === false
      ? own
      : parentTokenSource(client, config, own, revocations, emit, config.parentToken.ttlMs);
  let closed = false;
  let closing: Promise<void> | undefined;

  function fail(error: unknown, credential: string): never {
    if (
      InvalidConfigError.isInstance(error) ||
      LeaseAbortedError.isInstance(error) ||
      BrokerUnavailableError.isInstance(error)
    )
      throw error;
    const safe = toVaultRequestError(error, 'acquire');
    if (safe.aborted) throw new LeaseAbortedError({ cause: safe });
    throw new BrokerUnavailableError(`could not issue credential ${credential}: ${reasonOf(safe)}`, {
      cause: safe,
      credential,
    });
  }

  async function createChildToken(
    request: LeaseRequest,
    cred: VaultCredentialConfig,
    policies: readonly string[],
    onAttempt: () => void,
  ): Promise<ChildToken> {
    const ttlSeconds = Math.max(1, Math.ceil(request.ttlMs / 1000));
    const role = cred.tokenRole ?? config.tokenRole;
    const body = {
      policies,
      ttl: `${ttlSeconds}s`,
      explicit_max_ttl: `${ttlSeconds}s`,
      num_uses: CHILD_TOKEN_USES,
      renewable: false,
      display_name: `agent-lease-${request.tool}`.slice(0, 64),
      // Token meta lands in Vault's audit log: who asked, for which tool call and which guard lease.
      meta: {
        agent_id: request.agent.id,
        tool: request.tool,
        tool_call_id: request.toolCallId,
        lease_id: request.leaseId,
      },
    };
    const options = { signal: request.signal, onAttempt };
    const issuedAt = Date.now();
    const created = await withToken(session, options, (token) =>
      client.send('token create', token, 'write', `auth/token/create/${role}`, body, options),
    );
    const auth = readAuth(created, 'token create');
    return new ChildToken(auth.token, issuedAt + auth.ttlSeconds * 1000);
  }

  function stringField(data: unknown, field: string, credential: string): string {
    const value =
      typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[field] : undefined;
    if (typeof value !== 'string' || value === '') {
      throw new BrokerUnavailableError(
        `vault secret for credential ${credential} has no string field "${field}"`,
        { credential },
      );
    }
    return value;
  }

  async function acquire(request: LeaseRequest): Promise<BrokerLease> {
    const name = request.credential;
    const cred = Object.hasOwn(config.credentials, name) ? config.credentials[name] : undefined;
    if (!cred)
      throw new InvalidConfigError([`credentials.${name}: not configured in vaultBroker`], 'vaultBroker');
    if (closed) throw new BrokerUnavailableError('the vault broker is closed', { credential: name });
    if (request.signal?.aborted) throw new LeaseAbortedError();
    const started = performance.now();
    let roundTrips = 0;
    const onAttempt = (): void => {
      roundTrips++;
    };
    let child: ChildToken | undefined;
    try {
      const policies = cred.kv?.policies ?? cred.dynamic?.policies ?? [];
      child = await createChildToken(request, cred, policies, onAttempt);
      const sendOptions = { signal: request.signal, onAttempt };
      let lease: BrokerLease;
      if (cred.kv) {
        const path = `${cred.kv.mount}/data/${cred.kv.path}${cred.kv.version !== undefined ? `?version=${cred.kv.version}` : ''}`;
        const body = (await client.send(
          'kv read',
          child.reveal(),
          'read',
          path,
          undefined,
          sendOptions,
        )) as ReadBody | null;
        const data = (body?.data as { data?: unknown } | null | undefined)?.data;
        lease = {
          value: stringField(data, cred.kv.field, name),
          expiresAt: child.expiresAt,
          renewable: false,
          handle: child,
          ...(cred.inject ? { inject: cred.inject as Injection } : {}),
        };
      } else {
        const dyn = cred.dynamic!; // eslint-disable-line @typescript-eslint/no-non-null-assertion -- config guarantees kv xor dynamic
        const body = (await client.send(
          'dynamic read',
          child.reveal(),
          'read',
          dyn.path,
          undefined,
          sendOptions,
        )) as ReadBody | null;
        const data = body?.data;
        const value = stringField(data, dyn.valueField, name);
        const secrets = dyn.secretFields.map((f) => stringField(data, f, name));
        const leaseSeconds = typeof body?.lease_duration === 'number' ? body.lease_duration : 0;
        const inject = cred.inject as Injection | { type: 'basic'; username?: string } | undefined;
        let injection: Injection | undefined;
        if (inject?.type === 'basic')
          injection = {
            type: 'basic',
            username: inject.username ?? stringField(data, dyn.usernameField, name),
          };
        else injection = inject;
        lease = {
          value,
          ...(secrets.length > 0 ? { secrets } : {}),
          // The dynamic lease dies with the child token at the latest.
          expiresAt:
            leaseSeconds > 0 ? Math.min(child.expiresAt, Date.now() + leaseSeconds * 1000) : child.expiresAt,
          renewable: false,
          handle: child,
          ...(injection ? { inject: injection } : {}),
        };
      }
      emit({ type: 'acquire', credential: name, roundTrips, durationMs: performance.now() - started });
      return lease;
    } catch (error) {
      // The token may hold a dynamic lease already: revoke it in the background, never leave it to chance.
      if (child)
        child.revocation = revocations.enqueue({ token: child.reveal(), expiresAt: child.expiresAt });
      emit({
        type: 'acquire-failed',
        credential: name,
        roundTrips,
        error: error instanceof VaultRequestError ? error : undefined,
      });
      return fail(error, name);
    }
  }

  function revoke(lease: BrokerLease): Promise<void> {
    const child = lease.handle;
    if (!(child instanceof ChildToken)) return Promise.resolve();
    child.revocation ??= revocations.enqueue({ token: child.reveal(), expiresAt: child.expiresAt });
    return config.awaitRevocation ? child.revocation.then(() => undefined) : Promise.resolve();
  }

  return {
    kind: 'vault',
    acquire,
    revoke,
    async ready() {
      if (session.kind !== 'token') await session.token({});
    },
    stats() {
      const c = revocations.counts;
      return {
        requests: client.requests,
        pendingRevocations: revocations.size,
        revocations: {
          revoked: c.revoked,
          alreadyGone: c['already-gone'],
          expired: c.expired,
          failed: c.failed,
        },
        circuit: client.breaker.state,
      };
    },
    close() {
      closed = true;
      closing ??= revocations.drain().then(() => session.close());
      return closing;
    },
  };
}
