/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- wire JSON is navigated dynamically; each access is asserted. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from './clock.js';
import { startVaultServer, type VaultServer } from './server.js';

let server: VaultServer;
let clock: ManualClock;

beforeEach(async () => {
  clock = createManualClock();
  server = await startVaultServer({ clock });
});
afterEach(async () => {
  await server.close();
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function call(
  method: string,
  path: string,
  opts: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {},
) {
  const res = await server.request(method, path, opts);
  return { status: res.status, body: res.body as Json, headers: res.headers };
}

async function createToken(
  body: Json,
  token?: string,
): Promise<{ token: string; accessor: string; auth: Json; warnings: unknown }> {
  const res = await call('POST', 'auth/token/create', { body, ...(token !== undefined ? { token } : {}) });
  expect(res.status).toBe(200);
  return {
    token: res.body.auth.client_token,
    accessor: res.body.auth.accessor,
    auth: res.body.auth,
    warnings: res.body.warnings,
  };
}

async function putPolicy(name: string, policy: string): Promise<void> {
  expect((await call('PUT', `sys/policies/acl/${name}`, { body: { policy } })).status).toBe(204);
}

async function setupDatabase(role = 'readonly', ttl = '1h'): Promise<void> {
  expect(
    (
      await call('POST', `database/roles/${role}`, {
        body: { db_name: 'pg', default_ttl: ttl, max_ttl: '24h', creation_statements: ['CREATE ROLE'] },
      })
    ).status,
  ).toBe(204);
}

describe('sys/health and sealing', () => {
  it('reports an active, unsealed node and 503 once sealed', async () => {
    const ok = await call('GET', 'sys/health', { token: null });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ initialized: true, sealed: false, standby: false });
    expect(typeof ok.body.cluster_id).toBe('string');
    server.seal();
    const sealed = await call('GET', 'sys/health', { token: null });
    expect(sealed.status).toBe(503);
    expect(sealed.body.sealed).toBe(true);
    expect(sealed.body.cluster_id).toBeUndefined();
    expect((await call('GET', 'sys/health?sealedcode=200', { token: null })).status).toBe(200);
    const denied = await call('GET', 'auth/token/lookup-self');
    expect(denied).toMatchObject({ status: 503, body: { errors: ['Vault is sealed'] } });
    server.unseal();
    expect((await call('GET', 'auth/token/lookup-self')).status).toBe(200);
  });

  it('root can seal over HTTP; a non-sudo token cannot', async () => {
    const { token } = await createToken({ policies: ['default'] });
    expect(await call('PUT', 'sys/seal', { token })).toMatchObject({
      status: 403,
      body: { errors: ['permission denied'] },
    });
    expect((await call('PUT', 'sys/seal')).status).toBe(204);
    expect((await call('GET', 'sys/seal-status', { token: null })).body.sealed).toBe(true);
  });
});

describe('token store', () => {
  it('creates tokens with the documented auth shape, warnings and lookup data', async () => {
    const res = await call('POST', 'auth/token/create', {
      body: {
        policies: ['web', 'stage'],
        meta: { user: 'armon' },
        ttl: '1h',
        renewable: true,
        display_name: 'My App',
      },
    });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(
      expect.arrayContaining([
        'request_id',
        'lease_id',
        'renewable',
        'lease_duration',
        'data',
        'wrap_info',
        'warnings',
        'auth',
      ]),
    );
    expect(res.body.warnings).toEqual(['Policy "stage" does not exist', 'Policy "web" does not exist']);
    expect(res.body.auth).toMatchObject({
      policies: ['default', 'stage', 'web'],
      token_policies: ['default', 'stage', 'web'],
      metadata: { user: 'armon' },
      lease_duration: 3600,
      renewable: true,
      token_type: 'service',
      orphan: false,
      num_uses: 0,
    });
    expect(res.body.auth.client_token).toMatch(/^hvs\./);
    const lookup = await call('GET', 'auth/token/lookup-self', { token: res.body.auth.client_token });
    expect(lookup.body.data).toMatchObject({
      display_name: 'token-my-app',
      path: 'auth/token/create',
      ttl: 3600,
      creation_ttl: 3600,
      meta: { user: 'armon' },
      accessor: res.body.auth.accessor,
    });
    const byAccessor = await call('POST', 'auth/token/lookup-accessor', {
      body: { accessor: res.body.auth.accessor },
    });
    expect(byAccessor.body.data.id).toBe('');
  });

  it('rejects missing, unknown and revoked tokens with 403 permission denied', async () => {
    expect(await call('GET', 'auth/token/lookup-self', { token: null })).toMatchObject({
      status: 403,
      body: { errors: ['permission denied'] },
    });
    expect((await call('GET', 'auth/token/lookup-self', { token: 'hvs.nope' })).status).toBe(403);
    const { token } = await createToken({ policies: ['default'] });
    expect((await call('POST', 'auth/token/revoke-self', { token })).status).toBe(204);
    expect((await call('GET', 'auth/token/lookup-self', { token })).status).toBe(403);
  });

  it('counts num_uses down, including denied requests, and revokes at zero', async () => {
    const { token } = await createToken({ policies: ['default'], num_uses: 3 });
    expect((await call('GET', 'auth/token/lookup-self', { token })).body.data.num_uses).toBe(2);
    // Use count is decremented before the ACL check: a denied call still burns a use.
    expect((await call('GET', 'secret/data/x', { token })).status).toBe(403);
    expect((await call('GET', 'auth/token/lookup-self', { token })).status).toBe(200);
    expect((await call('GET', 'auth/token/lookup-self', { token })).status).toBe(403);
    expect(server.stats().tokens).toBe(0);
  });

  it('refuses children of restricted-use tokens and non-subset policies', async () => {
    await putPolicy('creator', 'path "auth/token/create" { capabilities = ["update"] }');
    const limited = await createToken({ policies: ['creator'], num_uses: 5 });
    expect(await call('POST', 'auth/token/create', { token: limited.token, body: {} })).toMatchObject({
      status: 400,
      body: { errors: ['restricted use token cannot generate child tokens'] },
    });
    const parent = await createToken({ policies: ['creator'] });
    expect(
      await call('POST', 'auth/token/create', { token: parent.token, body: { policies: ['admin'] } }),
    ).toMatchObject({
      status: 400,
      body: { errors: ['child policies must be subset of parent'] },
    });
    expect(
      await call('POST', 'auth/token/create', { token: parent.token, body: { no_parent: true } }),
    ).toMatchObject({
      status: 400,
      body: { errors: ['root or sudo privileges required to create orphan token'] },
    });
    const child = await call('POST', 'auth/token/create', { token: parent.token, body: {} });
    expect(child.body.auth.policies).toEqual(['creator', 'default']);
  });

  it('caps ttl at explicit_max_ttl with a warning and refuses renewal past the max', async () => {
    const res = await call('POST', 'auth/token/create', {
      body: { ttl: '1h', explicit_max_ttl: '30m', policies: ['default'] },
    });
    expect(res.body.auth.lease_duration).toBe(1800);
    expect(res.body.warnings).toEqual([
      'TTL of "1h0m0s" exceeded the effective max_ttl of "30m0s"; TTL value is capped accordingly',
    ]);
    const token = res.body.auth.client_token as string;
    clock.advance(20 * 60_000);
    const renewed = await call('POST', 'auth/token/renew-self', { token, body: { increment: '1h' } });
    expect(renewed.status).toBe(200);
    expect(renewed.body.auth.lease_duration).toBe(600);
    clock.advance(10 * 60_000);
    expect((await call('GET', 'auth/token/lookup-self', { token })).status).toBe(403);
  });

  it('renews from now, and refuses non-renewable tokens', async () => {
    const { token } = await createToken({ ttl: '10m', policies: ['default'] });
    clock.advance(5 * 60_000);
    const renewed = await call('POST', 'auth/token/renew-self', { token, body: { increment: 1200 } });
    expect(renewed.body.auth.lease_duration).toBe(1200);
    const fixed = await createToken({ ttl: '10m', renewable: false, policies: ['default'] });
    expect(await call('POST', 'auth/token/renew-self', { token: fixed.token })).toMatchObject({
      status: 400,
      body: { errors: ['lease is not renewable'] },
    });
  });

  it('expires tokens at their TTL and revokes children with the parent', async () => {
    await putPolicy('creator', 'path "auth/token/create" { capabilities = ["update"] }');
    const parent = await createToken({ ttl: '60s', policies: ['creator'] });
    const child = await createToken({ ttl: '1h', policies: ['default'] }, parent.token);
    const orphan = await call('POST', 'auth/token/create-orphan', {
      token: parent.token,
      body: { ttl: '1h' },
    });
    expect(orphan.status).toBe(403); // create-orphan needs an ACL grant
    expect(server.stats().tokens).toBe(2);
    clock.advance(60_000);
    expect((await call('GET', 'auth/token/lookup-self', { token: child.token })).status).toBe(403);
    expect(server.stats().tokens).toBe(0);
    expect(server.revocations.map((r) => r.reason)).toEqual(['parent', 'expired']);
  });

  it('lists live token accessors (LIST, sudo only)', async () => {
    await putPolicy('creator', 'path "auth/token/create" { capabilities = ["update"] }');
    const parent = await createToken({ policies: ['creator'] });
    const child = await createToken({ ttl: '60s', policies: ['default'] }, parent.token);
    const list = await call('GET', 'auth/token/accessors?list=true');
    expect(list.status).toBe(200);
    const keys = (list.body as { data: { keys: string[] } }).data.keys;
    expect(keys).toEqual(expect.arrayContaining([parent.accessor, child.accessor]));
    expect((await call('GET', 'auth/token/accessors?list=true', { token: parent.token })).status).toBe(403);
    clock.advance(60_000);
    const after = await call('GET', 'auth/token/accessors?list=true');
    expect((after.body as { data: { keys: string[] } }).data.keys).not.toContain(child.accessor);
  });

  it('revoke-accessor revokes the tree; unknown accessors are a 400', async () => {
    await putPolicy('creator', 'path "auth/token/create" { capabilities = ["update"] }');
    const parent = await createToken({ policies: ['creator'] });
    await createToken({ policies: ['default'] }, parent.token);
    expect(
      (await call('POST', 'auth/token/revoke-accessor', { body: { accessor: parent.accessor } })).status,
    ).toBe(204);
    expect(server.stats().tokens).toBe(0);
    expect(
      await call('POST', 'auth/token/revoke-accessor', { body: { accessor: parent.accessor } }),
    ).toMatchObject({
      status: 400,
      body: { errors: ['invalid accessor'] },
    });
  });

  it('token roles mint tokens with policies the caller lacks, within allowed_policies', async () => {
    await putPolicy('tool-db', 'path "database/creds/readonly" { capabilities = ["read"] }');
    await putPolicy('broker', 'path "auth/token/create/agent-tool" { capabilities = ["create", "update"] }');
    expect(
      (
        await call('POST', 'auth/token/roles/agent-tool', {
          body: {
            allowed_policies: 'tool-db,tool-kv',
            disallowed_policies: 'root',
            token_explicit_max_ttl: '2m',
            renewable: false,
          },
        })
      ).status,
    ).toBe(204);
    expect((await call('GET', 'auth/token/roles/agent-tool')).body.data).toMatchObject({
      allowed_policies: ['tool-db', 'tool-kv'],
      renewable: false,
      token_explicit_max_ttl: 120,
    });
    const broker = await createToken({ policies: ['broker'] });
    const res = await call('POST', 'auth/token/create/agent-tool', {
      token: broker.token,
      body: { policies: ['tool-db'], ttl: '5m', num_uses: 2, meta: { tool: 'search' } },
    });
    expect(res.status).toBe(200);
    expect(res.body.auth).toMatchObject({
      policies: ['default', 'tool-db'],
      renewable: false,
      num_uses: 2,
      lease_duration: 120,
    });
    const info = server.liveTokens().find((t) => t.accessor === res.body.auth.accessor);
    expect(info).toMatchObject({
      path: 'auth/token/create/agent-tool',
      parentAccessor: broker.accessor,
      meta: { tool: 'search' },
    });
    const bad = await call('POST', 'auth/token/create/agent-tool', {
      token: broker.token,
      body: { policies: ['admin'] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toMatch(/must be subset of the role's allowed policies/);
    expect((await call('POST', 'auth/token/create/nope', { token: broker.token, body: {} })).status).toBe(
      403,
    );
  });
});

describe('ACL policies', () => {
  it('matches globs and + segments, prefers the most specific rule, and lets deny win', async () => {
    await putPolicy(
      'p',
      `
      # comments are fine
      path "secret/data/*" { capabilities = ["read"] }
      path "secret/data/team/+/config" { capabilities = ["read", "update", "create"] }
      path "secret/data/team/private/*" { capabilities = ["deny"] }
      path "secret/metadata/" { capabilities = ["list"] }
      `,
    );
    const { token } = await createToken({ policies: ['p'] });
    const caps = async (path: string): Promise<unknown> =>
      (await call('POST', 'sys/capabilities-self', { token, body: { paths: [path] } })).body.capabilities;
    expect(await caps('secret/data/app')).toEqual(['read']);
    expect(await caps('secret/data/team/a/config')).toEqual(['create', 'read', 'update']);
    expect(await caps('secret/data/team/private/x')).toEqual(['deny']);
    expect(await caps('database/creds/x')).toEqual(['deny']);
    expect(
      (await call('POST', 'secret/data/team/a/config', { token, body: { data: { a: '1' } } })).status,
    ).toBe(200);
    expect(await call('POST', 'secret/data/app', { token, body: { data: { a: '1' } } })).toMatchObject({
      status: 403,
      body: { errors: ['permission denied'] },
    });
  });

  it('distinguishes create from update on KV (existence check) and applies policy changes at once', async () => {
    await putPolicy('writer', 'path "secret/data/*" { capabilities = ["update"] }');
    const { token } = await createToken({ policies: ['writer'] });
    expect((await call('POST', 'secret/data/new', { token, body: { data: { a: '1' } } })).status).toBe(403);
    expect((await call('POST', 'secret/data/new', { body: { data: { a: '1' } } })).status).toBe(200);
    expect((await call('POST', 'secret/data/new', { token, body: { data: { a: '2' } } })).status).toBe(200);
    await putPolicy('writer', 'path "secret/data/other" { capabilities = ["update"] }');
    expect((await call('POST', 'secret/data/new', { token, body: { data: { a: '3' } } })).status).toBe(403);
  });

  it('stores, lists, reads and protects policies; rejects bad HCL', async () => {
    await putPolicy('a', 'path "x/*" { capabilities = ["read"] }');
    expect((await call('GET', 'sys/policies/acl/a')).body).toMatchObject({
      name: 'a',
      policy: 'path "x/*" { capabilities = ["read"] }',
    });
    expect((await call('GET', 'sys/policies/acl?list=true')).body.data.keys).toEqual([
      'a',
      'default',
      'root',
    ]);
    expect((await call('DELETE', 'sys/policies/acl/default')).status).toBe(400);
    expect(
      (await call('PUT', 'sys/policies/acl/b', { body: { policy: 'path "x" { capabilities = ["fly"] }' } }))
        .status,
    ).toBe(400);
    expect(
      (await call('PUT', 'sys/policies/acl/b', { body: { policy: 'path "x" { capabilities = [' } })).status,
    ).toBe(400);
    expect(
      (
        await call('PUT', 'sys/policies/acl/j', {
          body: { policy: '{"path":{"y/+":{"capabilities":["list"]}}}' },
        })
      ).status,
    ).toBe(204);
  });
});

describe('KV v2', () => {
  it('keeps versions, soft-deletes with a 404 carrying metadata, undeletes and destroys', async () => {
    const v1 = await call('POST', 'secret/data/app', { body: { data: { token: 'one' } } });
    expect(v1.body.data).toMatchObject({ version: 1, destroyed: false, deletion_time: '' });
    await call('POST', 'secret/data/app', { body: { data: { token: 'two' } } });
    expect((await call('GET', 'secret/data/app')).body.data).toMatchObject({
      data: { token: 'two' },
      metadata: { version: 2 },
    });
    expect((await call('GET', 'secret/data/app?version=1')).body.data.data).toEqual({ token: 'one' });
    expect((await call('GET', 'secret/metadata/app')).body.data).toMatchObject({
      current_version: 2,
      oldest_version: 1,
    });
    expect(
      await call('POST', 'secret/data/app', { body: { options: { cas: 1 }, data: { token: 'x' } } }),
    ).toMatchObject({
      status: 400,
      body: { errors: ['check-and-set parameter did not match the current version'] },
    });
    expect((await call('DELETE', 'secret/data/app')).status).toBe(204);
    const deleted = await call('GET', 'secret/data/app');
    expect(deleted.status).toBe(404);
    expect(deleted.body.data).toMatchObject({ data: null, metadata: { version: 2 } });
    expect((await call('POST', 'secret/undelete/app', { body: { versions: [2] } })).status).toBe(204);
    expect((await call('GET', 'secret/data/app')).body.data.data).toEqual({ token: 'two' });
    await call('POST', 'secret/destroy/app', { body: { versions: [1] } });
    expect((await call('GET', 'secret/data/app?version=1')).body.data.metadata.destroyed).toBe(true);
    expect(await call('GET', 'secret/data/missing')).toMatchObject({ status: 404, body: { errors: [] } });
    expect((await call('GET', 'secret/metadata/?list=true')).body.data.keys).toEqual(['app']);
    // KV never creates leases.
    expect((await call('GET', 'secret/data/app')).body).toMatchObject({ lease_id: '', lease_duration: 0 });
  });
});

describe('dynamic credentials and sys/leases', () => {
  it('issues leased creds, looks up, renews, revokes idempotently and by prefix', async () => {
    await setupDatabase('readonly', '1h');
    const creds = await call('GET', 'database/creds/readonly');
    expect(creds.status).toBe(200);
    expect(creds.body).toMatchObject({ lease_duration: 3600, renewable: true });
    expect(creds.body.lease_id).toMatch(/^database\/creds\/readonly\/\w{24}$/);
    expect(creds.body.data.username).toMatch(/^v-token-readonly-/);
    expect(server.databaseUsers()).toHaveLength(1);
    const leaseId = creds.body.lease_id as string;
    const lookup = await call('PUT', 'sys/leases/lookup', { body: { lease_id: leaseId } });
    expect(lookup.body.data).toMatchObject({ id: leaseId, renewable: true, ttl: 3600 });
    clock.advance(600_000);
    const renewed = await call('PUT', 'sys/leases/renew', { body: { lease_id: leaseId, increment: 7200 } });
    expect(renewed.body).toMatchObject({ lease_id: leaseId, renewable: true, lease_duration: 7200 });
    expect((await call('PUT', 'sys/leases/revoke', { body: { lease_id: leaseId } })).status).toBe(204);
    expect((await call('PUT', 'sys/leases/revoke', { body: { lease_id: leaseId } })).status).toBe(204);
    expect(await call('PUT', 'sys/leases/lookup', { body: { lease_id: leaseId } })).toMatchObject({
      status: 400,
      body: { errors: ['invalid lease'] },
    });
    expect(await call('PUT', 'sys/leases/renew', { body: { lease_id: leaseId } })).toMatchObject({
      status: 400,
      body: { errors: ['lease not found'] },
    });
    expect(server.databaseUsers()).toHaveLength(0);
    await call('GET', 'database/creds/readonly');
    await call('GET', 'database/creds/readonly');
    expect(server.stats().leases).toBe(2);
    expect((await call('PUT', 'sys/leases/revoke-prefix/database/creds/readonly')).status).toBe(204);
    expect(server.stats()).toMatchObject({ leases: 0, databaseUsers: 0 });
  });

  it('expires leases at their TTL and drops the user', async () => {
    await setupDatabase('short', '30s');
    await call('GET', 'database/creds/short');
    clock.advance(29_000);
    expect(server.stats().leases).toBe(1);
    clock.advance(1_000);
    expect(server.stats()).toMatchObject({ leases: 0, databaseUsers: 0 });
  });

  it('revoking the token that created a lease revokes the lease', async () => {
    await setupDatabase();
    await putPolicy('tool-db', 'path "database/creds/readonly" { capabilities = ["read"] }');
    const { token } = await createToken({ policies: ['tool-db'], num_uses: 2 });
    expect((await call('GET', 'database/creds/readonly', { token })).status).toBe(200);
    expect(server.stats().leases).toBe(1);
    expect((await call('POST', 'auth/token/revoke-self', { token })).status).toBe(204);
    expect(server.stats()).toMatchObject({ tokens: 0, leases: 0, databaseUsers: 0 });
  });

  it('refuses to return a leased secret on a token last use', async () => {
    await setupDatabase();
    await putPolicy('tool-db', 'path "database/creds/readonly" { capabilities = ["read"] }');
    const { token } = await createToken({ policies: ['tool-db'], num_uses: 1 });
    expect(await call('GET', 'database/creds/readonly', { token })).toMatchObject({
      status: 400,
      body: {
        errors: [
          'Secret cannot be returned; token had one use left, so leased credentials were immediately revoked.',
        ],
      },
    });
    expect(server.stats()).toMatchObject({ tokens: 0, leases: 0, databaseUsers: 0 });
  });
});

describe('AppRole', () => {
  it('logs in with role_id and secret_id, honouring secret_id_num_uses', async () => {
    await putPolicy('broker', 'path "auth/token/create/*" { capabilities = ["update"] }');
    await call('POST', 'auth/approle/role/agent', {
      body: { token_policies: ['broker'], token_ttl: '20m', token_max_ttl: '1h', secret_id_num_uses: 1 },
    });
    const roleId = (await call('GET', 'auth/approle/role/agent/role-id')).body.data.role_id as string;
    const secretId = (await call('POST', 'auth/approle/role/agent/secret-id')).body.data.secret_id as string;
    const login = await call('POST', 'auth/approle/login', {
      token: null,
      body: { role_id: roleId, secret_id: secretId },
    });
    expect(login.status).toBe(200);
    expect(login.body.auth).toMatchObject({
      policies: ['broker', 'default'],
      lease_duration: 1200,
      renewable: true,
      orphan: true,
      metadata: { role_name: 'agent' },
    });
    expect(
      await call('POST', 'auth/approle/login', {
        token: null,
        body: { role_id: roleId, secret_id: secretId },
      }),
    ).toMatchObject({
      status: 400,
      body: { errors: ['invalid role or secret ID'] },
    });
    expect(await call('POST', 'auth/approle/login', { token: null, body: {} })).toMatchObject({
      status: 400,
      body: { errors: ['missing role_id'] },
    });
  });
});

describe('response wrapping', () => {
  it('wraps any response, unwraps it once, and supports lookup', async () => {
    await call('POST', 'secret/data/app', { body: { data: { token: 'wrapped-value' } } });
    const wrapped = await call('GET', 'secret/data/app', { headers: { 'x-vault-wrap-ttl': '5m' } });
    expect(wrapped.body).toMatchObject({
      data: null,
      auth: null,
      wrap_info: { ttl: 300, creation_path: 'secret/data/app' },
    });
    const wrapToken = wrapped.body.wrap_info.token as string;
    expect(
      (await call('POST', 'sys/wrapping/lookup', { token: null, body: { token: wrapToken } })).body.data,
    ).toMatchObject({
      creation_path: 'secret/data/app',
      creation_ttl: 300,
    });
    const unwrapped = await call('POST', 'sys/wrapping/unwrap', { token: wrapToken });
    expect(unwrapped.body.data.data).toEqual({ token: 'wrapped-value' });
    expect(await call('POST', 'sys/wrapping/unwrap', { token: wrapToken })).toMatchObject({
      status: 400,
      body: { errors: ['wrapping token is not valid or does not exist'] },
    });
  });

  it('wrapping tokens expire at their TTL; wrapped auth carries wrapped_accessor', async () => {
    const res = await call('POST', 'auth/token/create', {
      body: { policies: ['default'] },
      headers: { 'x-vault-wrap-ttl': '60' },
    });
    expect(res.body.auth).toBeNull();
    expect(typeof res.body.wrap_info.wrapped_accessor).toBe('string');
    clock.advance(61_000);
    expect(
      (await call('POST', 'sys/wrapping/unwrap', { body: { token: res.body.wrap_info.token } })).status,
    ).toBe(400);
  });
});

describe('routing', () => {
  it('answers unknown routes with 404 and unsupported verbs with 405', async () => {
    expect((await call('GET', 'nope/thing')).status).toBe(404);
    expect((await call('DELETE', 'auth/token/lookup-self')).status).toBe(405);
  });
});

describe('fault injection', () => {
  it('fails the next N matching requests with 429 and Retry-After, then recovers', async () => {
    server.faults.inject({
      fault: { kind: 'status', status: 429, retryAfterSeconds: 2 },
      count: 2,
      match: (r) => r.path === 'sys/health',
    });
    const first = await call('GET', 'sys/health', { token: null });
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('2');
    expect(first.body.errors[0]).toBe('request path "sys/health": rate limit quota exceeded');
    expect((await call('GET', 'sys/health', { token: null })).status).toBe(429);
    expect((await call('GET', 'sys/health', { token: null })).status).toBe(200);
  });

  it('resets connections, adds latency, and applies a fraction of faults', async () => {
    server.faults.inject({ fault: { kind: 'reset' }, count: 1 });
    await expect(call('GET', 'sys/health', { token: null })).rejects.toThrow();
    server.faults.inject({ fault: { kind: 'latency', ms: 150 }, count: 1 });
    const start = performance.now();
    await call('GET', 'sys/health', { token: null });
    expect(performance.now() - start).toBeGreaterThanOrEqual(140);
    server.faults.inject({ fault: { kind: 'status', status: 503 }, fraction: 0.3 });
    let failed = 0;
    for (let i = 0; i < 200; i++)
      if ((await call('GET', 'sys/health', { token: null })).status === 503) failed++;
    expect(failed).toBeGreaterThan(30);
    expect(failed).toBeLessThan(90);
  });

  it('phase "after" performs the request and loses the response', async () => {
    server.faults.inject({ fault: { kind: 'status', status: 502 }, count: 1, phase: 'after' });
    expect((await call('POST', 'auth/token/create', { body: { policies: ['default'] } })).status).toBe(502);
    expect(server.stats().tokens).toBe(1);
  });
});

describe('request log', () => {
  it('HMACs every string value and the client token, keeps numbers in clear', async () => {
    await call('POST', 'secret/data/app', {
      body: { data: { password: 'hunter2-very-secret' }, options: { cas: 0 } },
    });
    const entry = server.requestLog.at(-1)!;
    expect(entry).toMatchObject({
      method: 'POST',
      path: 'secret/data/app',
      status: 200,
      clientToken: server.hmac(server.rootToken),
    });
    expect(entry.body).toEqual({
      data: { password: server.hmac('hunter2-very-secret') },
      options: { cas: 0 },
    });
    expect(JSON.stringify(server.requestLog)).not.toContain('hunter2');
    expect(JSON.stringify(server.requestLog)).not.toContain(server.rootToken);
  });
});
