import type { VaultBrokerConfig } from './config.js';
import type { EventSink } from './events.js';
import { readAuth, RenewingToken, type TokenSource } from './renewing-token.js';
import type { VaultClient } from './vault-client.js';

/**
 * AppRole login: the broker's own token, renewed while it lives and obtained again (a new login) before it
 * expires.
 */
export function appRoleSession(
  client: VaultClient,
  config: VaultBrokerConfig,
  appRole: { roleId: string; secretId: string; mount: string },
  emit: EventSink,
): TokenSource {
  const login = new RenewingToken(client, config, emit, 'login', async (options) => {
    const body = await client.send(
      'approle login',
      undefined,
      'write',
      `auth/${appRole.mount}/login`,
      { role_id: appRole.roleId, secret_id: appRole.secretId },
      { onAttempt: options.onAttempt },
    );
    const auth = readAuth(body, 'approle login');
    emit({ type: 'login' });
    return auth;
  });
  return {
    kind: 'approle',
    token: (options) => login.token(options),
    refused: (token, options) => login.refused(token, options),
    close: () => login.close(),
  };
}
