import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { VaultTransportError } from './transport.js';
import { RETRYABLE_STATUS, toVaultRequestError } from './vault-error.js';

const TOKEN = 'hvs.CAESIJlY0QqZ3Jl1fQ6kJk0hZ2VudC1sZWFzZQ';

describe('toVaultRequestError', () => {
  it('keeps status and scrubbed Vault errors from an ApiResponseError, never the request', () => {
    const apiError = Object.assign(new Error('permission denied'), {
      response: { statusCode: 403, body: { errors: [`token ${TOKEN} is not allowed`] } },
      config: { headers: { 'X-Vault-Token': TOKEN } },
    });
    const safe = toVaultRequestError(apiError, 'kv read');
    expect(safe).toMatchObject({
      status: 403,
      retryable: false,
      reachedVault: true,
      vaultErrors: ['token [token] is not allowed'],
    });
    expect(safe.message).toBe('vault kv read failed: HTTP 403');
    expect(inspect(safe, { showHidden: true, depth: 10 }).includes(TOKEN)).toBe(false);
  });

  it('classifies retryable statuses exactly as Vault documents them', () => {
    expect([...RETRYABLE_STATUS].sort()).toEqual([412, 429, 500, 502, 503]);
    for (const status of [400, 403, 404, 405, 501]) {
      expect(toVaultRequestError({ response: { statusCode: status, body: '' } }, 'x').retryable).toBe(false);
    }
    expect(toVaultRequestError({ response: { statusCode: 502, body: 'bad gateway' } }, 'x').retryable).toBe(
      true,
    );
  });

  it('keeps only the code of a transport error, and never retries an abort', () => {
    expect(toVaultRequestError(new VaultTransportError('ECONNRESET'), 'x')).toMatchObject({
      code: 'ECONNRESET',
      retryable: true,
    });
    expect(toVaultRequestError(new VaultTransportError('ABORTED', true), 'x')).toMatchObject({
      aborted: true,
      retryable: false,
    });
  });

  it('drops everything from unknown errors (e.g. tv4 validation errors carrying arguments)', () => {
    const safe = toVaultRequestError({ message: `bad ${TOKEN}`, params: { token: TOKEN } }, 'x');
    expect(safe.code).toBe('EINVALID');
    expect(inspect(safe, { showHidden: true }).includes(TOKEN)).toBe(false);
  });
});
