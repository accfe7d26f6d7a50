import { randomBytes } from 'node:crypto';
import { startVaultServer, type VaultServer } from '@agent-lease/testing';
import { vaultBroker, type VaultBroker } from '@agent-lease/vault';

export interface DemoVault {
  server: VaultServer;
  broker: VaultBroker;
  /** The tracker's API key, as an operator stored it in Vault KV. */
  trackerKey: string;
  /** The broker's own Vault token: a secret too, scanned for like every other. */
  brokerToken: string;
}

/**
 * `--broker vault`: the @agent-lease/testing Vault server stands in for Vault (none can be installed here). What an
 * operator would do with the vault CLI is done over HTTP: a policy per credential, a token role the broker mints
 * child tokens through, the tracker key in KV v2, and a broker token that may only use the role.
 */
export async function startDemoVault(): Promise<DemoVault> {
  const server = await startVaultServer();
  const put = async (path: string, body: unknown): Promise<unknown> => {
    const res = await server.request('POST', path, { body });
    if (res.status >= 300) throw new Error(`vault setup: ${path} answered ${res.status}`);
    return res.body;
  };
  await put('sys/policies/acl/tool-tracker', {
    policy: 'path "secret/data/agents/tracker" { capabilities = ["read"] }',
  });
  await put('sys/policies/acl/agent-lease-broker', {
    // The role mints the per-call tokens; plain create makes the broker's parent token, revoked at close.
    policy:
      'path "auth/token/create/agent-lease" { capabilities = ["update"] }\n' +
      'path "auth/token/create" { capabilities = ["update"] }',
  });
  await put('auth/token/roles/agent-lease', {
    allowed_policies: ['tool-tracker'],
    disallowed_policies: ['root'],
    renewable: false,
    token_explicit_max_ttl: '10m',
  });
  const trackerKey = `trk_${randomBytes(20).toString('hex')}`;
  await put('secret/data/agents/tracker', { data: { key: trackerKey } });
  const created = (await put('auth/token/create', { policies: ['agent-lease-broker'], ttl: '1h' })) as {
    auth: { client_token: string };
  };
  const brokerToken = created.auth.client_token;
  const broker = vaultBroker({
    endpoint: server.url,
    auth: { token: brokerToken },
    tokenRole: 'agent-lease',
    credentials: {
      tracker: {
        kv: { path: 'agents/tracker', field: 'key', policies: ['tool-tracker'] },
        inject: { type: 'bearer' },
      },
    },
  });
  return { server, broker, trackerKey, brokerToken };
}
