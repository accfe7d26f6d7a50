/**
 * Test fixture shared by the broker suites: provisions policies, a token role, a KV secret, a database role and an
 * AppRole on a Vault (the @agent-lease/testing server, or a real Vault/OpenBao when VAULT_ADDR and VAULT_TOKEN are
 * set), all under a random suffix so runs never collide. Not part of the public API.
 */
import { randomBytes } from 'node:crypto';
import { startVaultServer, type VaultServer, type VaultServerOptions } from '@agent-lease/testing';

export interface VaultTarget {
  kind: 'test-server' | 'real';
  url: string;
  rootToken: string;
  /** Only for the test server: introspection and fault injection. */
  server: VaultServer | undefined;
  /** Whether `database/` issues dynamic creds (always on the test server; VAULT_DATABASE_MOUNT on a real Vault). */
  dynamic: boolean;
  close(): Promise<void>;
}

export interface Provisioned {
  id: string;
  role: string;
  brokerToken: string;
  appRole: { roleId: string; secretId: string };
  kvPath: string;
  kvValue: string;
  dbPath: string;
  policies: { broker: string; kv: string; db: string };
}

export const realVaultConfigured = (): boolean =>
  (process.env.VAULT_ADDR ?? '') !== '' && (process.env.VAULT_TOKEN ?? '') !== '';

export async function startTarget(
  kind: 'test-server' | 'real',
  options: VaultServerOptions = {},
): Promise<VaultTarget> {
  if (kind === 'real') {
    return {
      kind,
      url: process.env.VAULT_ADDR ?? '',
      rootToken: process.env.VAULT_TOKEN ?? '',
      server: undefined,
      dynamic: (process.env.VAULT_DATABASE_MOUNT ?? '') !== '',
      close: () => Promise.resolve(),
    };
  }
  const server = await startVaultServer(options);
  return {
    kind,
    url: server.url,
    rootToken: server.rootToken,
    server,
    dynamic: true,
    close: () => server.close(),
  };
}

export async function vaultRequest(
  target: VaultTarget,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = target.rootToken,
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = {};
  if (token !== null) headers['x-vault-token'] = token;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${target.url}/v1/${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

async function must(
  target: VaultTarget,
  method: string,
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const res = await vaultRequest(target, method, path, body);
  if (res.status >= 300) throw new Error(`fixture: ${method} ${path} answered ${res.status}`);
  return (res.body ?? {}) as Record<string, unknown>;
}

const dataOf = (body: Record<string, unknown>): Record<string, unknown> =>
  body.data as Record<string, unknown>;

export async function provision(target: VaultTarget): Promise<Provisioned> {
  const id = randomBytes(4).toString('hex');
  const role = `agent-lease-${id}`;
  const dbMount = process.env.VAULT_DATABASE_MOUNT ?? 'database';
  const kvPath = `agent-lease-test-${id}/github`;
  const dbPath = `${dbMount}/creds/${role}`;
  const policies = { broker: `agent-lease-broker-${id}`, kv: `tool-kv-${id}`, db: `tool-db-${id}` };
  await must(target, 'PUT', `sys/policies/acl/${policies.broker}`, {
    // The role mints the per-call tokens; plain create makes the broker's parent token (inherits these policies).
    policy: `path "auth/token/create/${role}" { capabilities = ["update"] }\npath "auth/token/create" { capabilities = ["update"] }`,
  });
  await must(target, 'PUT', `sys/policies/acl/${policies.kv}`, {
    policy: `path "secret/data/${kvPath}" { capabilities = ["read"] }`,
  });
  await must(target, 'PUT', `sys/policies/acl/${policies.db}`, {
    policy: `path "${dbPath}" { capabilities = ["read"] }`,
  });
  await must(target, 'POST', `auth/token/roles/${role}`, {
    allowed_policies: [policies.kv, policies.db],
    orphan: false,
    renewable: false,
    token_explicit_max_ttl: '10m',
  });
  const kvValue = `ghp_${randomBytes(18).toString('hex')}`;
  await must(target, 'POST', `secret/data/${kvPath}`, { data: { token: kvValue } });
  if (target.dynamic) {
    await must(target, 'POST', `${dbMount}/roles/${role}`, {
      db_name: process.env.VAULT_DATABASE_NAME ?? 'pg',
      default_ttl: '10m',
      max_ttl: '1h',
      creation_statements: [
        `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
      ],
    });
  }
  const broker = await must(target, 'POST', 'auth/token/create', { policies: [policies.broker], ttl: '1h' });
  const brokerToken = (broker.auth as { client_token: string }).client_token;
  // Enabling AppRole twice is a 400 ("path is already in use"); the test server always has it mounted.
  if (target.kind === 'real') await vaultRequest(target, 'POST', 'sys/auth/approle', { type: 'approle' });
  await must(target, 'POST', `auth/approle/role/${role}`, {
    token_policies: [policies.broker],
    token_ttl: '20m',
    token_max_ttl: '1h',
  });
  const roleId = dataOf(await must(target, 'GET', `auth/approle/role/${role}/role-id`)).role_id as string;
  const secretId = dataOf(await must(target, 'POST', `auth/approle/role/${role}/secret-id`))
    .secret_id as string;
  return { id, role, brokerToken, appRole: { roleId, secretId }, kvPath, kvValue, dbPath, policies };
}

/** Live child tokens minted through the fixture's token role. */
export async function liveChildTokens(target: VaultTarget, p: Provisioned): Promise<number> {
  if (target.server)
    return target.server.liveTokens().filter((t) => t.path === `auth/token/create/${p.role}`).length;
  const list = await vaultRequest(target, 'GET', 'auth/token/accessors?list=true');
  if (list.status === 404) return 0;
  const keys = (list.body as { data: { keys: string[] } }).data.keys;
  let count = 0;
  for (const accessor of keys) {
    const res = await vaultRequest(target, 'POST', 'auth/token/lookup-accessor', { accessor });
    if (
      res.status === 200 &&
      (res.body as { data: { path: string } }).data.path === `auth/token/create/${p.role}`
    )
      count++;
  }
  return count;
}

/** Live leases under the fixture's dynamic creds path. */
export async function liveLeases(target: VaultTarget, p: Provisioned): Promise<number> {
  if (target.server) return target.server.liveLeases().filter((l) => l.id.startsWith(`${p.dbPath}/`)).length;
  const res = await vaultRequest(target, 'GET', `sys/leases/lookup/${p.dbPath}/?list=true`);
  return res.status === 200 ? (res.body as { data: { keys: string[] } }).data.keys.length : 0;
}
