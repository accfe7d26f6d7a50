import { badRequest, int, notFound, type Route, type RouteContext } from './routes.js';

/** KV version 2 at a mount (default `secret`): data with versions, soft delete, destroy, metadata, list. */

interface Version {
  data: Record<string, unknown> | null;
  createdTime: number;
  deletionTime: number | undefined;
  destroyed: boolean;
}

interface Secret {
  versions: Map<number, Version>;
  currentVersion: number;
  oldestVersion: number;
  createdTime: number;
  updatedTime: number;
  maxVersions: number;
  casRequired: boolean;
  customMetadata: Record<string, string> | null;
}

export class KvV2Store {
  readonly secrets = new Map<string, Secret>();
}

const iso = (ms: number | undefined): string => (ms === undefined ? '' : new Date(ms).toISOString());

function versionMetadata(secret: Secret, n: number, v: Version): Record<string, unknown> {
  return {
    created_time: iso(v.createdTime),
    custom_metadata: secret.customMetadata,
    deletion_time: iso(v.deletionTime),
    destroyed: v.destroyed,
    version: n,
  };
}

function versionsFrom(ctx: RouteContext): number[] {
  const v = ctx.body.versions;
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => Number.isInteger(x)))
    throw badRequest('no version number provided');
  return v as number[];
}

export function kvV2Routes(mount: string, store: KvV2Store): Route[] {
  const m = mount.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const secretOf = (ctx: RouteContext): Secret | undefined => store.secrets.get(ctx.params[0] ?? '');
  return [
    {
      pattern: new RegExp(`^${m}/data/(.+)$`),
      ops: ['GET', 'WRITE', 'DELETE'],
      exists: (ctx) => secretOf(ctx) !== undefined,
      handler: (ctx) => {
        const key = ctx.params[0] ?? '';
        const secret = secretOf(ctx);
        const now = ctx.state.now();
        if (ctx.op === 'GET') {
          if (!secret) throw notFound();
          const n = int(Object.fromEntries(ctx.query), 'version') || secret.currentVersion;
          const v = secret.versions.get(n);
          if (!v) throw notFound();
          const data = {
            data: v.deletionTime !== undefined || v.destroyed ? null : v.data,
            metadata: versionMetadata(secret, n, v),
          };
          // Deleted/destroyed versions answer 404 with the envelope so clients can read the metadata.
          if (data.data === null) {
            throw notFound({
              request_id: '',
              lease_id: '',
              renewable: false,
              lease_duration: 0,
              data,
              wrap_info: null,
              warnings: null,
              auth: null,
            });
          }
          return { data };
        }
        if (ctx.op === 'DELETE') {
          const v = secret?.versions.get(secret.currentVersion);
          if (v && v.deletionTime === undefined) v.deletionTime = now;
          return { empty: true };
        }
        const data = ctx.body.data;
        if (typeof data !== 'object' || data === null || Array.isArray(data))
          throw badRequest('no data provided');
        const options = (ctx.body.options ?? {}) as Record<string, unknown>;
        const cas = int(options, 'cas');
        if (cas !== undefined && cas !== (secret?.currentVersion ?? 0))
          throw badRequest('check-and-set parameter did not match the current version');
        if (cas === undefined && secret?.casRequired)
          throw badRequest('check-and-set parameter required for this call');
        const s: Secret = secret ?? {
          versions: new Map(),
          currentVersion: 0,
          oldestVersion: 1,
          createdTime: now,
          updatedTime: now,
          maxVersions: 0,
          casRequired: false,
          customMetadata: null,
        };
        s.currentVersion++;
        s.updatedTime = now;
        const v: Version = {
          data: data as Record<string, unknown>,
          createdTime: now,
          deletionTime: undefined,
          destroyed: false,
        };
        s.versions.set(s.currentVersion, v);
        const max = s.maxVersions > 0 ? s.maxVersions : 10;
        while (s.versions.size > max) {
          s.versions.delete(s.oldestVersion);
          s.oldestVersion++;
        }
        store.secrets.set(key, s);
        return { data: versionMetadata(s, s.currentVersion, v) };
      },
    },
    {
      pattern: new RegExp(`^${m}/(delete|undelete|destroy)/(.+)$`),
      ops: ['WRITE'],
      handler: (ctx) => {
        const [action, key] = ctx.params;
        const secret = store.secrets.get(key ?? '');
        for (const n of versionsFrom(ctx)) {
          const v = secret?.versions.get(n);
          if (!v) continue;
          if (action === 'delete' && v.deletionTime === undefined) v.deletionTime = ctx.state.now();
          if (action === 'undelete' && !v.destroyed) v.deletionTime = undefined;
          if (action === 'destroy') {
            v.destroyed = true;
            v.data = null;
          }
        }
        return { empty: true };
      },
    },
    {
      pattern: new RegExp(`^${m}/metadata/?(.*)$`),
      ops: ['GET', 'LIST', 'WRITE', 'DELETE'],
      exists: (ctx) => secretOf(ctx) !== undefined,
      handler: (ctx) => {
        const key = ctx.params[0] ?? '';
        if (ctx.op === 'LIST') {
          const prefix = key === '' || key.endsWith('/') ? key : `${key}/`;
          const keys = new Set<string>();
          for (const k of store.secrets.keys()) {
            if (!k.startsWith(prefix)) continue;
            const rest = k.slice(prefix.length);
            const slash = rest.indexOf('/');
            keys.add(slash === -1 ? rest : rest.slice(0, slash + 1));
          }
          if (keys.size === 0) throw notFound();
          return { data: { keys: [...keys].sort() } };
        }
        const secret = store.secrets.get(key);
        if (ctx.op === 'DELETE') {
          store.secrets.delete(key);
          return { empty: true };
        }
        if (ctx.op === 'WRITE') {
          if (!secret) throw notFound();
          const maxVersions = int(ctx.body, 'max_versions');
          if (maxVersions !== undefined) secret.maxVersions = maxVersions;
          if (typeof ctx.body.cas_required === 'boolean') secret.casRequired = ctx.body.cas_required;
          const custom = ctx.body.custom_metadata;
          if (typeof custom === 'object' && custom !== null)
            secret.customMetadata = custom as Record<string, string>;
          return { empty: true };
        }
        if (!secret) throw notFound();
        const versions: Record<string, unknown> = {};
        for (const [n, v] of secret.versions) {
          versions[String(n)] = {
            created_time: iso(v.createdTime),
            deletion_time: iso(v.deletionTime),
            destroyed: v.destroyed,
          };
        }
        return {
          data: {
            cas_required: secret.casRequired,
            created_time: iso(secret.createdTime),
            current_version: secret.currentVersion,
            custom_metadata: secret.customMetadata,
            delete_version_after: '0s',
            max_versions: secret.maxVersions,
            oldest_version: secret.oldestVersion,
            updated_time: iso(secret.updatedTime),
            versions,
          },
        };
      },
    },
  ];
}
