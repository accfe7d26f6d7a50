import type { VaultBrokerConfig } from './config.js';
import type { EventSink } from './events.js';
import { backoffMs, type SendOptions, type VaultClient } from './vault-client.js';
import { toVaultRequestError, VaultRequestError } from './vault-error.js';

/** Where the broker's own Vault token comes from. */
export interface TokenSource {
  readonly kind: 'token' | 'approle';
  /** A token valid for at least the next request; may log in (one extra round trip) when there is none. */
  token(options: SendOptions): Promise<string>;
  /** The token was refused (403): forget it so the next `token()` logs in again. No-op for a static token. */
  invalidate(token: string): boolean;
  close(): Promise<void>;
}

export function staticToken(value: string): TokenSource {
  return {
    kind: 'token',
    token: () => Promise.resolve(value),
    invalidate: () => false,
    close: () => Promise.resolve(),
  };
}

interface AuthBody {
  auth?: { client_token?: unknown; lease_duration?: unknown; renewable?: unknown } | null;
}

function readAuth(
  body: unknown,
  operation: string,
): { token: string; ttlSeconds: number; renewable: boolean } {
  const auth = (body as AuthBody | null)?.auth;
  if (!auth || typeof auth.client_token !== 'string' || typeof auth.lease_duration !== 'number') {
    throw new VaultRequestError({ operation, code: 'EBADRESPONSE' });
  }
  return { token: auth.client_token, ttlSeconds: auth.lease_duration, renewable: auth.renewable === true };
}

/**
 * AppRole login with renewal while the token lives and re-login before it expires: the token is renewed after
 * `renewFraction` of its TTL; when renewal can no longer extend it (max TTL reached) or fails, the session logs in
 * again ahead of expiry. Timers are unref'd so an idle broker never keeps the process alive.
 */
export class AppRoleSession implements TokenSource {
  readonly kind = 'approle';
  #token: string | undefined;
  private expiresAt = 0;
  private ttlMs = 0;
  private login: Promise<string> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private failures = 0;

  constructor(
    private readonly client: VaultClient,
    private readonly config: VaultBrokerConfig,
    private readonly appRole: { roleId: string; secretId: string; mount: string },
    private readonly emit: EventSink,
  ) {}

  async token(options: SendOptions): Promise<string> {
    // Leave room for one request timeout: a token that expires mid-request is as bad as none.
    if (this.#token !== undefined && Date.now() < this.expiresAt - this.config.requestTimeoutMs)
      return this.#token;
    return this.loginOnce(options);
  }

  invalidate(token: string): boolean {
    if (token !== this.#token) return this.#token !== undefined; // already replaced: retry with the new one
    this.#token = undefined;
    return true;
  }

  private loginOnce(options: SendOptions): Promise<string> {
    this.login ??= this.doLogin(options).finally(() => {
      this.login = undefined;
    });
    return this.login;
  }

  private async doLogin(options: SendOptions): Promise<string> {
    const body = await this.client.send(
      'approle login',
      undefined,
      'write',
      `auth/${this.appRole.mount}/login`,
      { role_id: this.appRole.roleId, secret_id: this.appRole.secretId },
      { onAttempt: options.onAttempt },
    );
    const auth = readAuth(body, 'approle login');
    this.#token = auth.token;
    this.ttlMs = auth.ttlSeconds * 1000;
    this.expiresAt = Date.now() + this.ttlMs;
    this.failures = 0;
    this.emit({ type: 'login' });
    this.schedule(auth.renewable ? 'renew' : 'login', this.ttlMs * this.config.renewFraction);
    return auth.token;
  }

  private schedule(action: 'renew' | 'login', delayMs: number): void {
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

  /** Background renew/re-login. Never throws: failures are reported as events and retried. */
  private async background(action: 'renew' | 'login'): Promise<void> {
    if (this.closed) return;
    try {
      if (action === 'login' || this.#token === undefined) {
        await this.loginOnce({});
        return;
      }
      const token = this.#token;
      const body = await this.client.send('token renew-self', token, 'write', 'auth/token/renew-self', {});
      const auth = readAuth(body, 'token renew-self');
      if (this.#token !== token) return;
      this.expiresAt = Date.now() + auth.ttlSeconds * 1000;
      this.emit({ type: 'renew', ttlSeconds: auth.ttlSeconds });
      // Renewal is capped by the max TTL: when it no longer buys a useful lifetime, log in again before expiry.
      const usable = auth.ttlSeconds * 1000 >= this.ttlMs * this.config.renewFraction;
      this.schedule(usable ? 'renew' : 'login', auth.ttlSeconds * 1000 * this.config.renewFraction);
    } catch (error) {
      this.failures++;
      this.emit({
        type: 'auth-error',
        error: toVaultRequestError(error, action === 'renew' ? 'token renew-self' : 'approle login'),
      });
      // A refused renewal means the token is gone: log in again now; otherwise back off and retry.
      const refused = error instanceof VaultRequestError && error.reachedVault;
      this.schedule(refused ? 'login' : action, refused ? 0 : backoffMs(this.failures, 1000, 30_000) + 250);
    }
  }

  close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    return Promise.resolve();
  }
}
