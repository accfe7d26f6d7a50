import type { VaultBrokerConfig } from './config.js';
import type { EventSink } from './events.js';
import { backoffMs, type SendOptions, type VaultClient } from './vault-client.js';
import { toVaultRequestError, VaultRequestError } from './vault-error.js';

/** Where the broker's own Vault token comes from. */
export interface TokenSource {
  readonly kind: 'token' | 'approle' | 'parent';
  /** A token valid for at least the next request; may obtain one (extra round trips) when there is none. */
  token(options: SendOptions): Promise<string>;
  /**
   * A request with `token` was refused (403). Resolves true when the caller should retry with a fresh `token()`:
   * the token has been replaced already, or Vault confirms it is gone. A 403 that is about the path (the token is
   * fine) resolves false, so a misconfigured policy never makes the broker mint token after token.
   */
  refused(token: string, options: SendOptions): Promise<boolean>;
  close(): Promise<void>;
}

export function staticToken(value: string): TokenSource {
  return {
    kind: 'token',
    token: () => Promise.resolve(value),
    refused: () => Promise.resolve(false),
    close: () => Promise.resolve(),
  };
}

export interface ObtainedToken {
  token: string;
  ttlSeconds: number;
  renewable: boolean;
}

interface AuthBody {
  auth?: { client_token?: unknown; lease_duration?: unknown; renewable?: unknown } | null;
}

export function readAuth(body: unknown, operation: string): ObtainedToken {
  const auth = (body as AuthBody | null)?.auth;
  if (!auth || typeof auth.client_token !== 'string' || typeof auth.lease_duration !== 'number') {
    throw new VaultRequestError({ operation, code: 'EBADRESPONSE' });
  }
  return { token: auth.client_token, ttlSeconds: auth.lease_duration, renewable: auth.renewable === true };
}

/** Runs `send` with the source's token; when Vault says that token is gone, once more with a fresh one. */
export async function withToken<T>(
  source: TokenSource,
  options: SendOptions,
  send: (token: string) => Promise<T>,
): Promise<T> {
  const token = await source.token(options);
  try {
    return await send(token);
  } catch (error) {
    if (error instanceof VaultRequestError && error.status === 403 && (await source.refused(token, options)))
      return send(await source.token(options));
    throw error;
  }
}

/**
 * A broker-owned token kept alive: obtained once (concurrent callers share the request), renewed with
 * `renew-self` after `renewFraction` of its TTL, and obtained again ahead of expiry when renewal can no longer
 * extend it (max TTL reached) or fails. Timers are unref'd so an idle broker never keeps the process alive.
 * AppRole logins and the parent of the per-call tokens are both kept this way.
 */
export class RenewingToken {
  #token: string | undefined;
  private expiresAt = 0;
  private ttlMs = 0;
  private pending: Promise<string> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private failures = 0;

  constructor(
    private readonly client: VaultClient,
    private readonly config: VaultBrokerConfig,
    private readonly emit: EventSink,
    private readonly role: 'login' | 'parent',
    private readonly obtain: (options: SendOptions) => Promise<ObtainedToken>,
    /** Told when a token is dropped or replaced while it may still live (its expiry in epoch ms). */
    private readonly onRetired: (token: string, expiresAt: number) => void = () => undefined,
  ) {}

  /** The current token, if any, with its expiry. */
  get current(): { token: string; expiresAt: number } | undefined {
    return this.#token === undefined ? undefined : { token: this.#token, expiresAt: this.expiresAt };
  }

  async token(options: SendOptions): Promise<string> {
    // Leave room for one request timeout: a token that expires mid-request is as bad as none.
    if (this.#token !== undefined && Date.now() < this.expiresAt - this.config.requestTimeoutMs)
      return this.#token;
    return this.obtainOnce(options);
  }

  async refused(token: string, options: SendOptions): Promise<boolean> {
    if (token !== this.#token) return !this.closed; // replaced already: retry with the new one
    try {
      // lookup-self is granted by Vault's default policy. Success: the token is fine, the 403 was about the path.
      await this.client.send('token lookup-self', token, 'read', 'auth/token/lookup-self', undefined, {
        signal: options.signal,
        onAttempt: options.onAttempt,
      });
      return false;
    } catch (error) {
      if (!(error instanceof VaultRequestError && error.status === 403)) return false;
      if (this.#token === token) this.#token = undefined;
      return !this.closed;
    }
  }

  /** Forgets the current token (it may still live: `onRetired` is told) so that the next `token()` obtains one. */
  retire(): void {
    if (this.#token !== undefined) this.onRetired(this.#token, this.expiresAt);
    this.#token = undefined;
  }

  private obtainOnce(options: SendOptions): Promise<string> {
    if (this.closed)
      return Promise.reject(new VaultRequestError({ operation: `${this.role} token`, code: 'ECLOSED' }));
    this.pending ??= this.doObtain(options).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async doObtain(options: SendOptions): Promise<string> {
    const obtained = await this.obtain(options);
    if (this.#token !== undefined && this.#token !== obtained.token)
      this.onRetired(this.#token, this.expiresAt);
    this.#token = obtained.token;
    this.ttlMs = obtained.ttlSeconds * 1000;
    this.expiresAt = Date.now() + this.ttlMs;
    this.failures = 0;
    if (this.closed) {
      // Obtained while closing: hand it straight to the retirement path so that it does not outlive the broker.
      this.retire();
      throw new VaultRequestError({ operation: `${this.role} token`, code: 'ECLOSED' });
    }
    this.schedule(obtained.renewable ? 'renew' : 'obtain', this.ttlMs * this.config.renewFraction);
    return obtained.token;
  }

  private schedule(action: 'renew' | 'obtain', delayMs: number): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        void this.background(action);
      },
      Math.max(0, delayMs),
    );
    this.timer.unref();
  }

  /** Background renew / obtain-again. Never throws: failures are reported as events and retried. */
  private async background(action: 'renew' | 'obtain'): Promise<void> {
    if (this.closed) return;
    try {
      if (action === 'obtain' || this.#token === undefined) {
        await this.obtainOnce({});
        return;
      }
      const token = this.#token;
      const body = await this.client.send('token renew-self', token, 'write', 'auth/token/renew-self', {});
      const auth = readAuth(body, 'token renew-self');
      if (this.#token !== token) return;
      this.expiresAt = Date.now() + auth.ttlSeconds * 1000;
      this.emit({ type: 'renew', token: this.role, ttlSeconds: auth.ttlSeconds });
      // Renewal is capped by the max TTL: when it no longer buys a useful lifetime, obtain a new token before expiry.
      const usable = auth.ttlSeconds * 1000 >= this.ttlMs * this.config.renewFraction;
      this.schedule(usable ? 'renew' : 'obtain', auth.ttlSeconds * 1000 * this.config.renewFraction);
    } catch (error) {
      this.failures++;
      this.emit({
        type: 'auth-error',
        token: this.role,
        error: toVaultRequestError(error, action === 'renew' ? 'token renew-self' : `${this.role} token`),
      });
      // A refused renewal means the token is gone: obtain a new one now; otherwise back off and retry.
      const refused = error instanceof VaultRequestError && error.reachedVault;
      if (refused && action === 'renew') this.#token = undefined;
      this.schedule(refused ? 'obtain' : action, refused ? 0 : backoffMs(this.failures, 1000, 30_000) + 250);
    }
  }

  /** Stops renewing; resolves once an obtain that was in flight has settled (and been retired). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.pending?.catch(() => undefined);
  }
}
