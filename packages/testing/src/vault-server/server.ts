import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appRoleRoutes, AppRoleStore } from './approle.js';
import { tokenRoutes } from './auth-token.js';
import { systemClock, type Clock } from './clock.js';
import { DatabaseEngine, databaseRoutes, type DatabaseUser } from './database.js';
import { DurationError, parseDuration } from './durations.js';
import { FaultInjector, type Fault } from './faults.js';
import { newAccessor, newRequestId, newServiceToken, randomBase62 } from './ids.js';
import { kvV2Routes, KvV2Store } from './kv-v2.js';
import { capabilitiesFor, type Capability } from './policy.js';
import { RequestLog, type RequestLogEntry } from './request-log.js';
import {
  VaultHttpError,
  permissionDenied,
  type Op,
  type Reply,
  type Route,
  type RouteContext,
} from './routes.js';
import { VaultState, type RevocationEvent, type TokenEntry } from './state.js';
import { sysRoutes } from './sys.js';

export interface VaultServerOptions {
  /** Time source for TTLs and expiry; pass `createManualClock()` to expire things without waiting. */
  clock?: Clock;
  /** The root token's id (default: random `hvs.` token). */
  rootToken?: string;
  /** Seed for fractional fault injection. */
  seed?: number;
  /** Mount of the KV v2 engine (default `secret`). */
  kvMount?: string;
  /** Mount of the database-like dynamic engine (default `database`). */
  databaseMount?: string;
}

/** A token as tests may see it: never its id. */
export interface TokenInfo {
  accessor: string;
  path: string;
  policies: string[];
  meta: Record<string, string> | null;
  numUses: number;
  orphan: boolean;
  renewable: boolean;
  parentAccessor: string | undefined;
  expireAt: number | undefined;
  displayName: string;
}

export interface LeaseInfo {
  id: string;
  tokenAccessor: string | undefined;
  expireAt: number;
  renewable: boolean;
}

export interface VaultServerStats {
  /** Live tokens other than the root token the server started with. */
  tokens: number;
  leases: number;
  wrapped: number;
  databaseUsers: number;
}

export interface VaultServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly rootToken: string;
  readonly clock: Clock;
  readonly faults: FaultInjector;
  readonly requestLog: readonly RequestLogEntry[];
  readonly revocations: readonly RevocationEvent[];
  /** The HMAC the request log uses for `value` (like `sys/audit-hash`). */
  hmac(value: string): string;
  seal(): void;
  unseal(): void;
  stats(): VaultServerStats;
  liveTokens(): TokenInfo[];
  liveLeases(): LeaseInfo[];
  databaseUsers(): DatabaseUser[];
  /** Convenience HTTP call against this server (JSON in, parsed JSON out). */
  request(
    method: string,
    path: string,
    options?: { token?: string | null; body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; body: unknown; headers: Headers }>;
  close(): Promise<void>;
}

const SEALED_EXEMPT = new Set(['sys/health', 'sys/seal-status', 'sys/unseal', 'sys/init', 'sys/leader']);
const MAX_BODY = 32 * 1024 * 1024;

function opOf(method: string, query: URLSearchParams): Op | undefined {
  const list = query.get('list');
  if ((method === 'GET' || method === 'HEAD') && (list === 'true' || list === '1')) return 'LIST';
  switch (method) {
    case 'GET':
    case 'HEAD':
      return 'GET';
    case 'POST':
    case 'PUT':
      return 'WRITE';
    case 'DELETE':
      return 'DELETE';
    case 'PATCH':
      return 'PATCH';
    case 'LIST':
      return 'LIST';
    default:
      return undefined;
  }
}

const REQUIRED: Record<Exclude<Op, 'WRITE'>, Capability> = {
  GET: 'read',
  LIST: 'list',
  DELETE: 'delete',
  PATCH: 'patch',
};

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new VaultHttpError(413, ['request too large']);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startVaultServer(options: VaultServerOptions = {}): Promise<VaultServer> {
  const clock = options.clock ?? systemClock;
  const state = new VaultState(clock);
  const faults = new FaultInjector(options.seed ?? 1);
  const log = new RequestLog();
  const kv = new KvV2Store();
  const db = new DatabaseEngine();
  const approle = new AppRoleStore();
  const kvMount = options.kvMount ?? 'secret';
  const dbMount = options.databaseMount ?? 'database';
  const root = state.createToken({
    id: options.rootToken ?? newServiceToken(),
    policies: ['root'],
    parent: undefined,
    meta: null,
    displayName: 'root',
    numUses: 0,
    renewable: false,
    creationTtl: 0,
    explicitMaxTtl: 0,
    period: 0,
    issueTime: clock.now(),
    expireAt: undefined,
    maxExpireAt: undefined,
    path: 'auth/token/root',
    orphan: true,
    role: undefined,
  });
  const unsealKey = randomBase62(32);

  const headerToken = (req: IncomingMessage): string | undefined => {
    const t = req.headers['x-vault-token'];
    if (typeof t === 'string' && t !== '') return t;
    const auth = req.headers.authorization;
    return auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
  };
  const requestTokens = new WeakMap<RouteContext, string | undefined>();
  const routes: Route[] = [
    ...sysRoutes((ctx) => requestTokens.get(ctx)),
    {
      pattern: /^sys\/unseal$/,
      ops: ['WRITE'],
      auth: 'none',
      handler: (ctx) => {
        // The single key share is never revealed: tests unseal with `server.unseal()`.
        if (ctx.body.key === unsealKey) state.sealed = false;
        return { raw: { sealed: state.sealed, t: 1, n: 1, progress: 0 } };
      },
    },
    ...tokenRoutes,
    ...appRoleRoutes(approle),
    ...kvV2Routes(kvMount, kv),
    ...databaseRoutes(dbMount, db),
  ];

  function capabilitiesOf(token: TokenEntry | undefined, path: string): Set<Capability | 'root'> {
    if (!token) return new Set();
    if (token.policies.includes('root')) return new Set(['root']);
    return capabilitiesFor(state.policyRules(token.policies), path);
  }

  function authBlock(t: TokenEntry): Record<string, unknown> {
    const ttl = t.expireAt === undefined ? 0 : Math.max(0, Math.ceil((t.expireAt - clock.now()) / 1000));
    return {
      client_token: t.id,
      accessor: t.accessor,
      policies: t.policies,
      token_policies: t.policies,
      metadata: t.meta,
      lease_duration: ttl,
      renewable: t.renewable,
      entity_id: '',
      token_type: 'service',
      orphan: t.orphan,
      mfa_requirement: null,
      num_uses: t.numUses,
    };
  }

  interface Outcome {
    status: number;
    body: unknown;
    headers?: Record<string, string>;
  }

  function run(
    op: Op,
    path: string,
    query: URLSearchParams,
    body: Record<string, unknown>,
    rawToken: string | undefined,
    wrapTtl: string | undefined,
  ): Outcome {
    if (state.sealed && !SEALED_EXEMPT.has(path)) throw new VaultHttpError(503, ['Vault is sealed']);
    let params: string[] = [];
    const route = routes.find((r) => {
      const m = r.pattern.exec(path);
      if (m) params = m.slice(1).map((p: string | undefined) => p ?? '');
      return m !== null;
    });
    if (!route)
      throw new VaultHttpError(404, [`no handler for route ${JSON.stringify(path)}. route entry not found.`]);
    if (!route.ops.includes(op)) throw new VaultHttpError(405, ['unsupported operation']);

    const ctx: RouteContext = {
      state,
      op,
      path,
      params,
      query,
      body,
      token: undefined,
      capabilities: (p) => capabilitiesOf(ctx.token, p),
    };
    requestTokens.set(ctx, rawToken);
    // Vault validates the header token of an unwrap as a wrapping token first; an unknown one is a 400 from the
    // handler ("wrapping token is not valid or does not exist"), not a 403.
    const wrappingAuth =
      route.auth === 'wrapping' && (rawToken === undefined || state.lookupToken(rawToken) === undefined);
    if (route.auth !== 'none' && !wrappingAuth) {
      const token = state.lookupToken(rawToken);
      if (!token || token.exhausted) throw permissionDenied();
      ctx.token = token;
      // Vault decrements the use count before the ACL check: a denied request still burns a use.
      if (token.numUses > 0) {
        token.numUses--;
        if (token.numUses === 0) token.exhausted = true;
      }
    }
    try {
      if (ctx.token) {
        const caps = capabilitiesOf(ctx.token, path);
        if (!caps.has('root')) {
          const needed: Capability =
            op === 'WRITE' ? (route.exists && !route.exists(ctx) ? 'create' : 'update') : REQUIRED[op];
          if (!caps.has(needed) || (route.sudo === true && !caps.has('sudo'))) throw permissionDenied();
        }
      }
      if (path === 'sys/wrapping/wrap' && wrapTtl === undefined)
        throw new VaultHttpError(400, ['use of the wrapping endpoint requires a wrap TTL']);
      const reply: Reply = route.handler(ctx);
      return finish(ctx, reply, wrapTtl);
    } finally {
      if (ctx.token?.exhausted && state.tokens.has(ctx.token.id))
        state.revokeToken(ctx.token.id, 'exhausted');
    }
  }

  function finish(ctx: RouteContext, reply: Reply, wrapTtl: string | undefined): Outcome {
    const warnings = reply.warnings ?? [];
    let leaseId = '';
    let leaseDuration = 0;
    let renewable = false;
    if (reply.lease) {
      const spec = reply.lease;
      const token = ctx.token;
      if (!token) throw new VaultHttpError(500, ['internal error']);
      if (token.exhausted) {
        spec.onRevoke();
        state.revokeToken(token.id, 'one-use');
        throw new VaultHttpError(400, [
          'Secret cannot be returned; token had one use left, so leased credentials were immediately revoked.',
        ]);
      }
      const now = clock.now();
      leaseId = `${spec.path}/${randomBase62(24)}`;
      leaseDuration = spec.ttl;
      renewable = spec.renewable;
      state.leases.set(leaseId, {
        id: leaseId,
        path: spec.path,
        token: token.id,
        issueTime: now,
        lastRenewal: undefined,
        expireAt: now + spec.ttl * 1000,
        maxExpireAt: now + spec.maxTtl * 1000,
        renewable: spec.renewable,
        ttl: spec.ttl,
        onRevoke: spec.onRevoke,
      });
      token.leases.add(leaseId);
    }
    if (reply.empty && warnings.length === 0 && wrapTtl === undefined)
      return { status: 204, body: undefined };
    let body: unknown;
    if (reply.raw !== undefined) body = reply.raw;
    else {
      const data = reply.data ?? null;
      body = {
        request_id: newRequestId(),
        lease_id: leaseId,
        renewable,
        lease_duration: leaseDuration,
        data,
        wrap_info: null,
        warnings: warnings.length > 0 ? warnings : null,
        auth: reply.auth ? authBlock(reply.auth) : null,
        mount_type: '',
        ...(reply.sys && typeof data === 'object' && data !== null ? data : {}),
      };
    }
    const status = reply.status ?? 200;
    if (wrapTtl !== undefined && status === 200) {
      let ttl: number | undefined;
      try {
        ttl = parseDuration(/^\d+$/.test(wrapTtl) ? Number(wrapTtl) : wrapTtl);
      } catch (error) {
        if (error instanceof DurationError) throw new VaultHttpError(400, ['error parsing wrap ttl']);
        throw error;
      }
      if (ttl === undefined || ttl <= 0) throw new VaultHttpError(400, ['error parsing wrap ttl']);
      const token = newServiceToken();
      const accessor = newAccessor();
      const now = clock.now();
      state.wrapped.set(token, {
        accessor,
        body,
        ttl,
        creationTime: now,
        creationPath: ctx.path,
        expireAt: now + ttl * 1000,
      });
      return {
        status: 200,
        body: {
          request_id: newRequestId(),
          lease_id: '',
          renewable: false,
          lease_duration: 0,
          data: null,
          wrap_info: {
            token,
            accessor,
            ttl,
            creation_time: new Date(now).toISOString(),
            creation_path: ctx.path,
            ...(reply.auth ? { wrapped_accessor: reply.auth.accessor } : {}),
          },
          warnings: null,
          auth: null,
        },
      };
    }
    return { status, body };
  }

  function send(res: ServerResponse, outcome: Outcome, head: boolean): void {
    const headers: Record<string, string> = { 'cache-control': 'no-store', ...outcome.headers };
    if (outcome.body === undefined || outcome.status === 204) {
      res.writeHead(outcome.status, headers).end();
      return;
    }
    const text = JSON.stringify(outcome.body);
    res.writeHead(outcome.status, { ...headers, 'content-type': 'application/json' });
    res.end(head ? undefined : text);
  }

  function faultOutcome(fault: Extract<Fault, { kind: 'status' }>, path: string): Outcome {
    const messages: Record<number, string> = {
      412: 'required index state not present',
      429: `request path ${JSON.stringify(path)}: rate limit quota exceeded`,
      500: 'internal error',
      502: 'upstream error',
      503: 'Vault server temporarily overloaded',
    };
    return {
      status: fault.status,
      body: { errors: [messages[fault.status] ?? 'error'] },
      ...(fault.retryAfterSeconds !== undefined
        ? { headers: { 'retry-after': String(fault.retryAfterSeconds) } }
        : {}),
    };
  }

  async function applyFaults(
    list: Fault[],
    res: ServerResponse,
    path: string,
    entry: RequestLogEntry,
    phase: 'before' | 'after',
  ): Promise<boolean> {
    for (const fault of list) {
      entry.faultPhase = phase;
      if (fault.kind === 'latency') {
        await new Promise((resolve) => setTimeout(resolve, fault.ms));
        entry.fault = entry.fault === undefined ? 'latency' : `${entry.fault},latency`;
      } else if (fault.kind === 'reset') {
        entry.fault = 'reset';
        entry.status = 0;
        res.socket?.resetAndDestroy();
        return true;
      } else {
        const outcome = faultOutcome(fault, path);
        entry.fault = `status ${fault.status}`;
        entry.status = outcome.status;
        send(res, outcome, false);
        return true;
      }
    }
    return false;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const path = decodeURIComponent(url.pathname.replace(/^\/v1\//, '')).replace(/\/+$/, '');
    const rawToken = headerToken(req);
    const wrapHeader = req.headers['x-vault-wrap-ttl'];
    const wrapTtl = typeof wrapHeader === 'string' && wrapHeader !== '' ? wrapHeader : undefined;
    const entry: RequestLogEntry = {
      time: clock.now(),
      method,
      path,
      clientToken: rawToken === undefined ? null : log.hmac(rawToken),
      body: null,
      status: 0,
      ...(wrapTtl !== undefined ? { wrapTtl } : {}),
    };
    log.entries.push(entry);
    let outcome: Outcome;
    try {
      const text = await readBody(req);
      let body: Record<string, unknown> = {};
      if (text.trim() !== '') {
        try {
          const parsed: unknown = JSON.parse(text);
          body =
            typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
              ? (parsed as Record<string, unknown>)
              : {};
        } catch {
          throw new VaultHttpError(400, ['failed to parse JSON input']);
        }
      }
      entry.body = log.hmacDeep(body);
      if (!url.pathname.startsWith('/v1/')) throw new VaultHttpError(404, []);
      const request = { method, path };
      if (await applyFaults(faults.take(request, 'before'), res, path, entry, 'before')) return;
      const op = opOf(method, url.searchParams);
      if (!op) throw new VaultHttpError(405, ['unsupported operation']);
      outcome = run(op, path, url.searchParams, body, rawToken, wrapTtl);
      if (await applyFaults(faults.take(request, 'after'), res, path, entry, 'after')) return;
    } catch (error) {
      if (!(error instanceof VaultHttpError)) throw error;
      outcome = { status: error.status, body: error.body ?? { errors: error.errors } };
    }
    entry.status = outcome.status;
    send(res, outcome, method === 'HEAD');
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A bug in the test server: answer like Vault's internal error and keep serving.
      process.emitWarning(`vault test server: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent)
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"errors":["internal error"]}');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  const tokenInfo = (t: TokenEntry): TokenInfo => ({
    accessor: t.accessor,
    path: t.path,
    policies: t.policies,
    meta: t.meta,
    numUses: t.numUses,
    orphan: t.orphan,
    renewable: t.renewable,
    parentAccessor: t.parent === undefined ? undefined : state.tokens.get(t.parent)?.accessor,
    expireAt: t.expireAt,
    displayName: t.displayName,
  });

  return {
    url,
    rootToken: root.id,
    clock,
    faults,
    requestLog: log.entries,
    revocations: state.revocations,
    hmac: (value) => log.hmac(value),
    seal() {
      state.sealed = true;
    },
    unseal() {
      state.sealed = false;
    },
    stats() {
      state.sweep();
      return {
        tokens: [...state.tokens.keys()].filter((id) => id !== root.id).length,
        leases: state.leases.size,
        wrapped: state.wrapped.size,
        databaseUsers: db.users.size,
      };
    },
    liveTokens() {
      state.sweep();
      return [...state.tokens.values()].map(tokenInfo);
    },
    liveLeases() {
      state.sweep();
      return [...state.leases.values()].map((l) => ({
        id: l.id,
        tokenAccessor: state.tokens.get(l.token)?.accessor,
        expireAt: l.expireAt,
        renewable: l.renewable,
      }));
    },
    databaseUsers() {
      state.sweep();
      return [...db.users.values()];
    },
    async request(method, path, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      const token = opts.token === undefined ? root.id : opts.token;
      if (token !== null) headers['x-vault-token'] = token;
      const init: RequestInit = { method, headers };
      if (opts.body !== undefined) {
        headers['content-type'] = 'application/json';
        init.body = JSON.stringify(opts.body);
      }
      const res = await fetch(`${url}/v1/${path.replace(/^\//, '')}`, init);
      const text = await res.text();
      return {
        status: res.status,
        body: text === '' ? undefined : (JSON.parse(text) as unknown),
        headers: res.headers,
      };
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      });
    },
  };
}
