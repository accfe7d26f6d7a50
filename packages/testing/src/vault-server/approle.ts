import { duration } from './auth-token.js';
import { newUuid } from './ids.js';
import { badRequest, bool, int, notFound, str, strList, type Route } from './routes.js';
import { SYSTEM_MAX_TTL, type VaultState } from './state.js';

/** AppRole auth at `auth/approle`: roles, role-id, secret-id (num uses, ttl) and login. */
interface SecretId {
  accessor: string;
  remainingUses: number;
  expireAt: number | undefined;
}

interface AppRole {
  name: string;
  roleId: string;
  tokenPolicies: string[];
  tokenTtl: number;
  tokenMaxTtl: number;
  tokenNumUses: number;
  secretIdNumUses: number;
  secretIdTtl: number;
  bindSecretId: boolean;
  secretIds: Map<string, SecretId>;
}

export class AppRoleStore {
  readonly roles = new Map<string, AppRole>();
}

function login(
  state: VaultState,
  store: AppRoleStore,
  roleId: string | undefined,
  secretId: string | undefined,
) {
  if (roleId === undefined || roleId === '') throw badRequest('missing role_id');
  const role = [...store.roles.values()].find((r) => r.roleId === roleId);
  if (!role) throw badRequest('invalid role or secret ID');
  const now = state.now();
  if (role.bindSecretId) {
    if (secretId === undefined || secretId === '') throw badRequest('missing secret_id');
    const entry = role.secretIds.get(secretId);
    if (!entry || (entry.expireAt !== undefined && entry.expireAt <= now)) {
      if (entry) role.secretIds.delete(secretId);
      throw badRequest('invalid role or secret ID');
    }
    if (entry.remainingUses > 0) {
      entry.remainingUses--;
      if (entry.remainingUses === 0) role.secretIds.delete(secretId);
    }
  }
  const maxTtl = role.tokenMaxTtl > 0 ? Math.min(role.tokenMaxTtl, SYSTEM_MAX_TTL) : SYSTEM_MAX_TTL;
  const ttl = Math.min(role.tokenTtl > 0 ? role.tokenTtl : SYSTEM_MAX_TTL, maxTtl);
  return state.createToken({
    policies: [...new Set([...role.tokenPolicies, 'default'])].sort(),
    parent: undefined,
    meta: { role_name: role.name },
    displayName: 'approle',
    numUses: role.tokenNumUses,
    renewable: true,
    creationTtl: ttl,
    explicitMaxTtl: 0,
    period: 0,
    issueTime: now,
    expireAt: now + ttl * 1000,
    maxExpireAt: now + maxTtl * 1000,
    path: 'auth/approle/login',
    orphan: true,
    role: undefined,
  });
}

export function appRoleRoutes(store: AppRoleStore): Route[] {
  return [
    {
      pattern: /^auth\/approle\/login$/,
      ops: ['WRITE'],
      auth: 'none',
      handler: (ctx) => ({
        auth: login(ctx.state, store, str(ctx.body, 'role_id'), str(ctx.body, 'secret_id')),
      }),
    },
    {
      pattern: /^auth\/approle\/role\/([^/]+)$/,
      ops: ['GET', 'WRITE', 'DELETE'],
      handler: (ctx) => {
        const name = ctx.params[0] ?? '';
        const existing = store.roles.get(name);
        if (ctx.op === 'DELETE') {
          store.roles.delete(name);
          return { empty: true };
        }
        if (ctx.op === 'GET') {
          if (!existing) throw notFound();
          return {
            data: {
              bind_secret_id: existing.bindSecretId,
              secret_id_num_uses: existing.secretIdNumUses,
              secret_id_ttl: existing.secretIdTtl,
              token_max_ttl: existing.tokenMaxTtl,
              token_num_uses: existing.tokenNumUses,
              token_policies: existing.tokenPolicies,
              token_ttl: existing.tokenTtl,
              token_type: 'default',
            },
          };
        }
        const b = ctx.body;
        store.roles.set(name, {
          name,
          roleId: existing?.roleId ?? newUuid(),
          tokenPolicies:
            strList(b, 'token_policies') ?? strList(b, 'policies') ?? existing?.tokenPolicies ?? [],
          tokenTtl: duration(b, 'token_ttl') ?? existing?.tokenTtl ?? 0,
          tokenMaxTtl: duration(b, 'token_max_ttl') ?? existing?.tokenMaxTtl ?? 0,
          tokenNumUses: int(b, 'token_num_uses') ?? existing?.tokenNumUses ?? 0,
          secretIdNumUses: int(b, 'secret_id_num_uses') ?? existing?.secretIdNumUses ?? 0,
          secretIdTtl: duration(b, 'secret_id_ttl') ?? existing?.secretIdTtl ?? 0,
          bindSecretId: bool(b, 'bind_secret_id') ?? existing?.bindSecretId ?? true,
          secretIds: existing?.secretIds ?? new Map<string, SecretId>(),
        });
        return { empty: true };
      },
    },
    {
      pattern: /^auth\/approle\/role\/([^/]+)\/role-id$/,
      ops: ['GET', 'WRITE'],
      handler: (ctx) => {
        const role = store.roles.get(ctx.params[0] ?? '');
        if (!role) throw badRequest('role not found');
        if (ctx.op === 'WRITE') {
          const roleId = str(ctx.body, 'role_id');
          if (roleId === undefined) throw badRequest('missing role_id');
          role.roleId = roleId;
          return { empty: true };
        }
        return { data: { role_id: role.roleId } };
      },
    },
    {
      pattern: /^auth\/approle\/role\/([^/]+)\/secret-id$/,
      ops: ['WRITE'],
      handler: (ctx) => {
        const role = store.roles.get(ctx.params[0] ?? '');
        if (!role) throw badRequest('role not found');
        const secretId = newUuid();
        const accessor = newUuid();
        const now = ctx.state.now();
        role.secretIds.set(secretId, {
          accessor,
          remainingUses: role.secretIdNumUses,
          expireAt: role.secretIdTtl > 0 ? now + role.secretIdTtl * 1000 : undefined,
        });
        return {
          data: {
            secret_id: secretId,
            secret_id_accessor: accessor,
            secret_id_ttl: role.secretIdTtl,
            secret_id_num_uses: role.secretIdNumUses,
          },
        };
      },
    },
  ];
}
