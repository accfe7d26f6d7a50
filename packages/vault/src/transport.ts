/**
 * node-vault's pluggable request layer (its documented `request-promise` option), implemented on Node's fetch.
 * Written by hand because node-vault's built-in axios layer cannot do three things this broker must:
 * - it drops response headers, so `Retry-After` on a 429 is lost;
 * - it ignores AbortSignal, so a cancelled tool call cannot stop its Vault request;
 * - its network errors are AxiosErrors whose `config.headers` carry the Vault token in clear.
 * It also refuses redirects (Vault's own client does not follow them: a redirect would forward X-Vault-Token).
 * node-vault still builds the paths and turns non-2xx answers into its ApiResponseError.
 */

/** A transport failure without any request detail: no URL query, no headers, no token. */
export class VaultTransportError extends Error {
  constructor(
    readonly code: string,
    readonly aborted = false,
  ) {
    super(`vault transport error: ${code}`);
    this.name = 'VaultTransportError';
  }
}

interface RpOptions {
  method: string;
  uri: string;
  headers?: Record<string, string>;
  json?: unknown;
  timeout?: number;
  signal?: AbortSignal;
}

export interface RpResponse {
  statusCode: number;
  body: unknown;
  request: { path: string };
}

const retryAfter = new WeakMap<object, number>();

/** Seconds from the `Retry-After` header of the response whose body this is (429/503), if any. */
export function retryAfterSeconds(body: unknown): number | undefined {
  return typeof body === 'object' && body !== null ? retryAfter.get(body) : undefined;
}

function transportCode(error: unknown): VaultTransportError {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return new VaultTransportError(
      error.name === 'TimeoutError' ? 'ETIMEDOUT' : 'ABORTED',
      error.name === 'AbortError',
    );
  }
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown; name?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return new VaultTransportError(cause.code);
  if (cause && cause.name === 'TimeoutError') return new VaultTransportError('ETIMEDOUT');
  return new VaultTransportError('ENETWORK');
}

export function fetchTransport(defaultTimeoutMs: number): {
  defaults: () => (options: RpOptions) => Promise<RpResponse>;
} {
  const send = async (options: RpOptions): Promise<RpResponse> => {
    const timeout = AbortSignal.timeout(options.timeout ?? defaultTimeoutMs);
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
    const headers: Record<string, string> = { ...options.headers };
    const hasBody = options.json !== undefined && options.json !== null && typeof options.json === 'object';
    if (hasBody) headers['content-type'] ??= 'application/json';
    let status: number;
    let text: string;
    let after: string | null;
    try {
      const res = await fetch(options.uri, {
        method: options.method,
        headers,
        ...(hasBody ? { body: JSON.stringify(options.json) } : {}),
        redirect: 'manual',
        signal,
      });
      status = res.status;
      after = res.headers.get('retry-after');
      text = await res.text();
    } catch (error) {
      throw transportCode(error);
    }
    let body: unknown = text;
    if (text !== '') {
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        body = text;
      }
    }
    if (after !== null && typeof body === 'object' && body !== null) {
      const seconds = /^\d+$/.test(after)
        ? Number(after)
        : Math.max(0, (Date.parse(after) - Date.now()) / 1000);
      if (Number.isFinite(seconds)) retryAfter.set(body, seconds);
    }
    return { statusCode: status, body, request: { path: new URL(options.uri).pathname } };
  };
  return { defaults: () => send };
}
