import type { AgentIdentity, Injection } from './broker/types.js';
import { HostNotAllowedError, NoActiveLeaseError } from './errors.js';
import { hostAllowed, transportAllowed } from './hosts.js';

/** The lease a guarded tool body holds for one credential during one call. */
export interface Lease {
  readonly credential: string;
  readonly scopes: readonly string[];
  readonly tool: string;
  readonly toolCallId: string;
  readonly agent: AgentIdentity;
  /** Epoch milliseconds; moves forward when the lease is renewed. */
  readonly expiresAt: number;
  /** False once the lease was revoked or expired. */
  readonly active: boolean;
  /** Aborted when the lease ends (requests made with `fetch` are aborted with it), so work can stop with it. */
  readonly signal: AbortSignal;
  /**
   * `fetch` with the credential injected, only for URLs whose host the grant lists (https, or http to loopback).
   * The credential is never forwarded across a redirect to another host.
   */
  fetch(input: string | URL, init?: RequestInit): Promise<Response>;
  /** The raw value, for SDKs that need it. Audited; still redacted from everything downstream. */
  reveal(): string;
}

/** What a lease asks of the guard that issued it. */
export interface LeaseHost {
  /** Synchronous; throws `AuditUnavailableError` when the guard fails closed and the reveal cannot be recorded. */
  recordReveal(lease: LeaseImpl): void;
  /** Rejects with `AuditUnavailableError` when the guard fails closed and the use cannot be recorded. */
  recordUse(lease: LeaseImpl, host: string): Promise<void>;
  recordHostBlocked(lease: LeaseImpl, host: string, reason: string): Promise<void>;
  fetch: typeof fetch;
}

const MAX_REDIRECTS = 5;
/** One shared abort reason: building an error (and its stack) per lease end is measurable on the hot path. */
const LEASE_ENDED = new NoActiveLeaseError('the lease has ended');
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie'];

export class LeaseImpl implements Lease {
  readonly #value: string;
  readonly #inject: Injection;
  readonly #hosts: readonly string[];
  readonly #host: LeaseHost;
  // Created on first use: most tools never look at the signal, and an AbortController per lease shows up in profiles.
  #controller: AbortController | undefined;
  #expiresAt: number;
  #state: 'active' | 'revoked' | 'expired' = 'active';

  constructor(
    readonly id: string,
    readonly credential: string,
    readonly scopes: readonly string[],
    readonly tool: string,
    readonly toolCallId: string,
    readonly agent: AgentIdentity,
    expiresAt: number,
    value: string,
    inject: Injection,
    hosts: readonly string[],
    host: LeaseHost,
  ) {
    this.#expiresAt = expiresAt;
    this.#value = value;
    this.#inject = inject;
    this.#hosts = hosts;
    this.#host = host;
  }

  get expiresAt(): number {
    return this.#expiresAt;
  }
  get active(): boolean {
    return this.#state === 'active';
  }
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#state !== 'active') this.#controller.abort(LEASE_ENDED);
    }
    return this.#controller.signal;
  }

  /** @internal */
  extend(expiresAt: number): void {
    this.#expiresAt = expiresAt;
  }

  /** @internal Ends the lease; the body can no longer use it. */
  end(state: 'revoked' | 'expired'): void {
    if (this.#state !== 'active') return;
    this.#state = state;
    this.#controller?.abort(LEASE_ENDED);
  }

  reveal(): string {
    this.#assertActive();
    this.#host.recordReveal(this);
    return this.#value;
  }

  async fetch(input: string | URL, init: RequestInit = {}): Promise<Response> {
    this.#assertActive();
    let url: URL;
    try {
      url = new URL(input);
    } catch {
      throw new TypeError('lease.fetch: expected an absolute URL');
    }
    if (!transportAllowed(url) || !hostAllowed(this.#hosts, url)) {
      const reason = transportAllowed(url) ? 'host not granted' : 'credentials travel only over https';
      await this.#host.recordHostBlocked(this, url.host, reason);
      throw new HostNotAllowedError(this.credential, url.host);
    }
    await this.#host.recordUse(this, url.host);

    const origin = url;
    let method = (init.method ?? 'GET').toUpperCase();
    let body = init.body;
    const signal = init.signal ? AbortSignal.any([init.signal, this.signal]) : this.signal;
    for (let hop = 0; ; hop++) {
      // Same host, port and no downgrade: keep the credential. Anywhere else: strip it and every credential header.
      const credentialed =
        url.host === origin.host && (url.protocol === origin.protocol || url.protocol === 'https:');
      const headers = new Headers(init.headers);
      let target = url;
      if (credentialed) target = this.#applyCredential(headers, url);
      else {
        for (const h of CREDENTIAL_HEADERS) headers.delete(h);
        // A redirect that keeps the query string would carry a query-injected credential to the next host.
        target = this.#withoutCredential(url);
        if (this.#carriesValue(target)) {
          await this.#host.recordHostBlocked(this, url.host, 'redirect would carry the credential');
          throw new HostNotAllowedError(this.credential, url.host);
        }
      }

      const response = await this.#host.fetch(target, {
        ...init,
        method,
        body: body ?? null,
        headers,
        redirect: 'manual',
        signal,
      });
      const location = response.headers.get('location');
      const isRedirect = [301, 302, 303, 307, 308].includes(response.status) && location !== null;
      if (!isRedirect || init.redirect === 'manual') return response;
      if (init.redirect === 'error') throw new TypeError('lease.fetch: unexpected redirect');
      if (hop >= MAX_REDIRECTS) throw new TypeError('lease.fetch: too many redirects');
      await response.body?.cancel();
      url = new URL(location, url);
      if (
        response.status === 303 ||
        ((response.status === 301 || response.status === 302) && method === 'POST')
      ) {
        method = method === 'HEAD' ? 'HEAD' : 'GET';
        body = undefined;
      }
    }
  }

  #applyCredential(headers: Headers, url: URL): URL {
    const inject = this.#inject;
    switch (inject.type) {
      case 'bearer':
        headers.set('authorization', `Bearer ${this.#value}`);
        return url;
      case 'basic':
        headers.set(
          'authorization',
          `Basic ${Buffer.from(`${inject.username}:${this.#value}`).toString('base64')}`,
        );
        return url;
      case 'header':
        headers.set(inject.name, `${inject.prefix ?? ''}${this.#value}`);
        return url;
      case 'query': {
        const withParam = new URL(url);
        withParam.searchParams.set(inject.param, this.#value);
        return withParam;
      }
    }
  }

  #withoutCredential(url: URL): URL {
    if (this.#inject.type !== 'query' || !url.searchParams.has(this.#inject.param)) return url;
    const clean = new URL(url);
    clean.searchParams.delete(this.#inject.param);
    return clean;
  }

  /** Whether the URL holds the value, raw or in either URL encoding. */
  #carriesValue(url: URL): boolean {
    const href = url.href;
    const v = this.#value;
    return [v, encodeURIComponent(v), new URLSearchParams({ v }).toString().slice(2)].some((form) =>
      href.includes(form),
    );
  }

  #assertActive(): void {
    if (this.#state !== 'active') {
      throw new NoActiveLeaseError(
        `lease for ${this.credential} has ${this.#state === 'expired' ? 'expired' : 'ended'}`,
      );
    }
    if (Date.now() >= this.#expiresAt) {
      this.end('expired');
      throw new NoActiveLeaseError(`lease for ${this.credential} has expired`);
    }
  }
}
