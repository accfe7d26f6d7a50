import { duration } from './auth-token.js';
import { randomBase62 } from './ids.js';
import { notFound, str, badRequest, type Route } from './routes.js';
import { SYSTEM_MAX_TTL } from './state.js';

/**
 * A dynamic secrets engine shaped like Vault's database engine: roles with default/max TTL; reading
 * `<mount>/creds/<role>` creates a user and a lease; revoking the lease drops the user.
 */
export interface DatabaseUser {
  username: string;
  role: string;
  createdAt: number;
}

interface DbRole {
  dbName: string;
  defaultTtl: number;
  maxTtl: number;
  creationStatements: string[];
}

export class DatabaseEngine {
  readonly roles = new Map<string, DbRole>();
  /** Live users by username (the password is deliberately not kept: nothing in tests should need it). */
  readonly users = new Map<string, DatabaseUser>();
}

export function databaseRoutes(mount: string, engine: DatabaseEngine): Route[] {
  const m = mount.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return [
    {
      pattern: new RegExp(`^${m}/roles/([^/]+)$`),
      ops: ['GET', 'WRITE', 'DELETE'],
      handler: (ctx) => {
        const name = ctx.params[0] ?? '';
        if (ctx.op === 'DELETE') {
          engine.roles.delete(name);
          return { empty: true };
        }
        if (ctx.op === 'GET') {
          const role = engine.roles.get(name);
          if (!role) throw notFound();
          return {
            data: {
              db_name: role.dbName,
              default_ttl: role.defaultTtl,
              max_ttl: role.maxTtl,
              creation_statements: role.creationStatements,
              credential_type: 'password',
            },
          };
        }
        const dbName = str(ctx.body, 'db_name');
        if (dbName === undefined) throw badRequest('empty database name attribute');
        const cs = ctx.body.creation_statements;
        engine.roles.set(name, {
          dbName,
          defaultTtl: duration(ctx.body, 'default_ttl') ?? 0,
          maxTtl: duration(ctx.body, 'max_ttl') ?? 0,
          creationStatements: typeof cs === 'string' ? [cs] : Array.isArray(cs) ? cs.map(String) : [],
        });
        return { empty: true };
      },
    },
    {
      pattern: new RegExp(`^${m}/creds/([^/]+)$`),
      ops: ['GET'],
      handler: (ctx) => {
        const name = ctx.params[0] ?? '';
        const role = engine.roles.get(name);
        if (!role) throw badRequest(`unknown role: ${name}`);
        const now = ctx.state.now();
        const username = `v-token-${name.slice(0, 8)}-${randomBase62(20)}-${Math.floor(now / 1000)}`;
        const password = `A1a-${randomBase62(20)}`;
        engine.users.set(username, { username, role: name, createdAt: now });
        const ttl = role.defaultTtl > 0 ? role.defaultTtl : SYSTEM_MAX_TTL;
        const maxTtl = role.maxTtl > 0 ? role.maxTtl : SYSTEM_MAX_TTL;
        return {
          data: { username, password },
          lease: {
            path: `${mount}/creds/${name}`,
            ttl: Math.min(ttl, maxTtl),
            maxTtl,
            renewable: true,
            onRevoke: () => engine.users.delete(username),
          },
        };
      },
    },
  ];
}
