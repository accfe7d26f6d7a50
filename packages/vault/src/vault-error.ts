import { retryAfterSeconds, VaultTransportError } from './transport.js';

/**
 * What this package keeps of a failed Vault request: the operation name, the HTTP status or transport code, and
 * Vault's error strings with anything token-shaped removed. Never the request, its headers or body. This is the
 * `cause` of every BrokerUnavailableError the broker throws.
 */
export class VaultRequestError extends Error {
  readonly operation: string;
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly vaultErrors: readonly string[];
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly aborted: boolean;

  constructor(init: {
    operation: string;
    status?: number;
    code?: string;
    vaultErrors?: readonly string[];
    retryAfterMs?: number;
    aborted?: boolean;
  }) {
    const what =
      init.status !== undefined ? `HTTP ${init.status}` : `network error ${init.code ?? 'unknown'}`;
    super(`vault ${init.operation} failed: ${what}`);
    this.name = 'VaultRequestError';
    this.operation = init.operation;
    this.status = init.status;
    this.code = init.code;
    this.vaultErrors = init.vaultErrors ?? [];
    this.retryAfterMs = init.retryAfterMs;
    this.aborted = init.aborted ?? false;
    this.retryable = !this.aborted && (init.status === undefined ? true : RETRYABLE_STATUS.has(init.status));
  }

  /** True when Vault answered at all (any HTTP status other than the "unavailable" ones). */
  get reachedVault(): boolean {
    return this.status !== undefined && !RETRYABLE_STATUS.has(this.status);
  }
}

/** Vault's retry rules (its Go client): 412 (eventual consistency), 429, 500, 502, 503. Never 400/403/404/405/501. */
export const RETRYABLE_STATUS: ReadonlySet<number> = new Set([412, 429, 500, 502, 503]);

const TOKEN_SHAPED = /\b(?:hv[sbr]|s|b|r)\.[A-Za-z0-9_-]{8,}/g;

function scrub(text: string): string {
  return text.replace(TOKEN_SHAPED, '[token]').slice(0, 200);
}

/** Maps whatever node-vault or the transport threw to a VaultRequestError that is safe to keep and log. */
export function toVaultRequestError(error: unknown, operation: string): VaultRequestError {
  if (error instanceof VaultRequestError) return error;
  if (error instanceof VaultTransportError) {
    return new VaultRequestError({ operation, code: error.code, aborted: error.aborted });
  }
  const response = (error as { response?: { statusCode?: unknown; body?: unknown } } | null)?.response;
  if (response && typeof response.statusCode === 'number') {
    const errors = (response.body as { errors?: unknown } | null)?.errors;
    const after = retryAfterSeconds(response.body);
    return new VaultRequestError({
      operation,
      status: response.statusCode,
      vaultErrors: Array.isArray(errors)
        ? errors.filter((e): e is string => typeof e === 'string').map(scrub)
        : [],
      ...(after !== undefined ? { retryAfterMs: after * 1000 } : {}),
    });
  }
  // tv4 validation errors or programming errors: keep no detail that could carry arguments.
  return new VaultRequestError({ operation, code: 'EINVALID' });
}
