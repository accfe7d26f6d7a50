import nodeVault from 'node-vault';
import { CircuitBreaker } from './circuit-breaker.js';
import type { VaultBrokerConfig } from './config.js';
import type { EventSink } from './events.js';
import { fetchTransport } from './transport.js';
import { toVaultRequestError, VaultRequestError } from './vault-error.js';

export interface SendOptions {
  signal?: AbortSignal | undefined;
  /** Called once per HTTP attempt (round-trip accounting). */
  onAttempt?: (() => void) | undefined;
  maxAttempts?: number;
}

/** Full-jitter exponential backoff (AWS architecture blog): uniform in [0, min(max, base * 2^(n-1))]. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.random() * Math.min(maxMs, baseMs * 2 ** (attempt - 1));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new VaultRequestError({ operation: 'wait', code: 'ABORTED', aborted: true }));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new VaultRequestError({ operation: 'wait', code: 'ABORTED', aborted: true }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * node-vault with the policies this broker needs: a token passed per request (never the client's shared token,
 * which node-vault's login/create commands silently replace), a timeout on every request, Vault's retry rules,
 * and a circuit breaker so that calls fail fast while Vault is down.
 */
export class VaultClient {
  private readonly vault: nodeVault.client;
  readonly breaker: CircuitBreaker;
  requests = 0;

  constructor(
    private readonly config: VaultBrokerConfig,
    emit: EventSink,
  ) {
    this.vault = nodeVault({
      endpoint: config.endpoint,
      apiVersion: 'v1',
      noCustomHTTPVerbs: true,
      ...(config.namespace !== undefined ? { namespace: config.namespace } : {}),
      'request-promise': fetchTransport(config.requestTimeoutMs),
      // node-vault's `debug` prints request bodies (AppRole secret IDs) when DEBUG is set: silence it.
      debug: () => undefined,
    });
    // node-vault falls back to VAULT_TOKEN from the environment; every request here carries its own token.
    this.vault.token = undefined as unknown as string;
    this.breaker = new CircuitBreaker(
      config.circuitBreaker.failureThreshold,
      config.circuitBreaker.cooldownMs,
      (state) => {
        emit({ type: 'circuit', state });
      },
    );
  }

  /**
   * One logical Vault request. Retries network errors, 412, 429 (honouring Retry-After), 500, 502 and 503 with
   * jittered backoff; never 400/403/404. Throws a VaultRequestError (code `ECIRCUITOPEN` when failing fast).
   */
  async send(
    operation: string,
    token: string | undefined,
    method: 'read' | 'write',
    path: string,
    data: Record<string, unknown> | undefined,
    options: SendOptions = {},
  ): Promise<unknown> {
    const { retry, requestTimeoutMs } = this.config;
    const maxAttempts = options.maxAttempts ?? retry.maxAttempts;
    for (let attempt = 1; ; attempt++) {
      if (options.signal?.aborted) throw new VaultRequestError({ operation, code: 'ABORTED', aborted: true });
      if (!this.breaker.tryPass()) throw new VaultRequestError({ operation, code: 'ECIRCUITOPEN' });
      this.requests++;
      options.onAttempt?.();
      // A fresh headers object per request: node-vault writes into the object it is given.
      const requestOptions = {
        headers: token === undefined ? {} : { 'X-Vault-Token': token },
        timeout: requestTimeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
      };
      let error: VaultRequestError;
      try {
        const result: unknown =
          method === 'read'
            ? await this.vault.read(path, requestOptions)
            : await this.vault.write(path, data ?? {}, requestOptions);
        this.breaker.success();
        return result;
      } catch (thrown) {
        error = toVaultRequestError(thrown, operation);
      }
      const last = attempt >= maxAttempts || !error.retryable;
      const tooLong = error.retryAfterMs !== undefined && error.retryAfterMs > retry.maxRetryAfterMs;
      if (last || tooLong) {
        if (error.reachedVault) this.breaker.success();
        else if (!error.aborted) this.breaker.failure();
        throw error;
      }
      // A probe (half-open) that will be retried counts as neither success nor failure yet.
      this.breaker.release();
      await sleep(
        error.retryAfterMs ?? backoffMs(attempt, retry.baseDelayMs, retry.maxDelayMs),
        options.signal,
      );
    }
  }
}
