/**
 * The Vault path: round trips and latency of acquire and revoke against the @agent-lease/testing Vault server
 * (running in its own process, over loopback HTTP), side by side in one run with
 * - the floor: the same Vault requests sent with bare `fetch` (no retries, circuit breaker, validation or queue);
 * - the embedded `localBroker` (no network at all);
 * - the whole `guard.withLease` call with each broker.
 * Each round runs every variant once, rotating the order, so drift and GC on a noisy machine hit all alike.
 * Reports median, min and max µs per operation, the ratio against the bare-fetch floor, and round trips counted in
 * the server's request log (and the broker's own `roundTrips` event).
 * Run: pnpm --filter @agent-lease/vault bench   [--smoke] [--rounds N]; BENCH_JSON=<file> writes the results.
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createGuard, currentLease, localBroker, type Broker, type LeaseRequest } from '@agent-lease/core';
import { vaultBroker, type VaultBroker } from '../src/index.js';
import type { Provisioned } from '../src/test-fixture.js';

const smoke = process.argv.includes('--smoke');
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const ROUNDS = arg('rounds', smoke ? 20 : 1500);
const WARMUP = arg('warmup', smoke ? 5 : 150);

// ---- the server, in its own process -------------------------------------------------------------------------
interface LogEntry {
  method: string;
  path: string;
  status: number;
}
const child = fork(fileURLToPath(new URL('./vault-server-process.ts', import.meta.url)), {
  execArgv: ['--import', 'tsx'],
});
// If this process ends early (an error), the server must not outlive it: it shares stdout with the runner, which
// would wait for that pipe to close.
process.on('exit', () => {
  if (child.exitCode === null) child.kill();
});
function ask<T>(question: object, answer: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: { type: string }): void => {
      if (m.type !== answer) return;
      child.off('message', on);
      resolve(m as T);
    };
    child.on('message', on);
    child.send(question);
  });
}
const { url, provisioned: p } = await new Promise<{ url: string; provisioned: Provisioned }>(
  (resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      reject(new Error(`vault server process exited with ${String(code)}`));
    });
    child.on('message', (m: { type: string; url: string; provisioned: Provisioned }) => {
      if (m.type === 'ready') resolve(m);
    });
  },
);
const logSize = async (): Promise<number> =>
  (await ask<{ size: number }>({ type: 'log-size' }, 'log-size')).size;
const logSince = async (from: number): Promise<LogEntry[]> =>
  (await ask<{ entries: LogEntry[] }>({ type: 'log-since', from }, 'log-since')).entries;

// ---- the variants ---------------------------------------------------------------------------------------------
const request = (credential: string): LeaseRequest => ({
  leaseId: randomUUID(),
  credential,
  scopes: ['read'],
  ttlMs: 60_000,
  agent: { id: 'bench-agent' },
  tool: 'read_issue',
  toolCallId: `call-${randomUUID()}`,
});

const brokerEvents: { acquireRoundTrips: number[] } = { acquireRoundTrips: [] };
const makeVault = (awaitRevocation: boolean): VaultBroker =>
  vaultBroker({
    endpoint: url,
    auth: { token: p.brokerToken },
    tokenRole: p.role,
    awaitRevocation,
    credentials: {
      github: {
        kv: { path: p.kvPath, field: 'token', policies: [p.policies.kv] },
        inject: { type: 'bearer' },
      },
      db: { dynamic: { path: p.dbPath, policies: [p.policies.db] }, inject: { type: 'basic' } },
    },
    onEvent: (e) => {
      if (e.type === 'acquire') brokerEvents.acquireRoundTrips.push(e.roundTrips);
    },
  });

/** The same requests vaultBroker sends, with bare fetch: the floor any Vault client pays on this server. */
const bareFetch: Broker = {
  kind: 'bare-fetch',
  async acquire(req) {
    const created = await fetch(`${url}/v1/auth/token/create/${p.role}`, {
      method: 'POST',
      headers: { 'x-vault-token': p.brokerToken, 'content-type': 'application/json' },
      body: JSON.stringify({
        policies: [p.policies.kv],
        ttl: `${req.ttlMs / 1000}s`,
        explicit_max_ttl: `${req.ttlMs / 1000}s`,
        num_uses: 2,
        renewable: false,
      }),
    });
    const token = ((await created.json()) as { auth: { client_token: string } }).auth.client_token;
    const read = await fetch(`${url}/v1/secret/data/${p.kvPath}`, { headers: { 'x-vault-token': token } });
    const body = (await read.json()) as { data: { data: { token: string } } };
    return {
      value: body.data.data.token,
      expiresAt: Date.now() + req.ttlMs,
      renewable: false,
      handle: token,
    };
  },
  async revoke(lease) {
    const res = await fetch(`${url}/v1/auth/token/revoke-self`, {
      method: 'POST',
      headers: { 'x-vault-token': lease.handle as string },
    });
    await res.arrayBuffer();
  },
};

const TOKEN = 'bench-local-token-5f0c2e8a9d71b3';
const local = localBroker({ credentials: { github: { value: TOKEN } } });
const vaultAwaited = makeVault(true);
const vaultBackground = makeVault(false);
const vaultForGuard = makeVault(false);
// The parent of the per-call tokens is created once per broker, off the call's path (as the README advises).
await Promise.all([vaultAwaited.ready(), vaultBackground.ready(), vaultForGuard.ready()]);

interface Variant {
  name: string;
  credential: string;
  broker: Broker;
  acquire: number[];
  revoke: number[];
}
const variants: Variant[] = [
  { name: 'bare fetch, KV (floor)', credential: 'github', broker: bareFetch },
  { name: 'vaultBroker KV, awaitRevocation', credential: 'github', broker: vaultAwaited },
  { name: 'vaultBroker KV, background revoke (default)', credential: 'github', broker: vaultBackground },
  { name: 'vaultBroker dynamic (database creds), awaitRevocation', credential: 'db', broker: vaultAwaited },
  { name: 'localBroker (embedded, no network)', credential: 'github', broker: local },
].map((v) => ({ ...v, acquire: [], revoke: [] }));

// The whole guarded call: grants, monitor, audit, redactor registration, AsyncLocalStorage, revoke.
const guards = [
  { name: 'guard.withLease + localBroker', guard: createGuard(guardConfig(local)), times: [] as number[] },
  {
    name: 'guard.withLease + vaultBroker KV (default)',
    guard: createGuard(guardConfig(vaultForGuard)),
    times: [] as number[],
  },
];
function guardConfig(broker: Broker): Parameters<typeof createGuard>[0] {
  return {
    agent: { id: 'bench-agent' },
    broker,
    grants: { github: { scopes: ['issues:*'], maxTtl: '1m' } },
    // The monitor's counting stays on the measured path; its learned baseline is off: thousands of leases a minute
    // are this bench's normal, and a minute that starts faster than the last one would lock the agent mid-run.
    monitor: { maxLeasesPerMinute: 1_000_000, baseline: false },
  };
}
const NEEDS = { credential: 'github', scopes: ['issues:read'] };

const now = (): number => performance.now() * 1000; // µs
async function once(v: Variant, record: boolean): Promise<void> {
  const t0 = now();
  const lease = await v.broker.acquire(request(v.credential));
  const t1 = now();
  await v.broker.revoke(lease, request(v.credential));
  const t2 = now();
  if (record) {
    v.acquire.push(t1 - t0);
    v.revoke.push(t2 - t1);
  }
}
async function guarded(g: (typeof guards)[number], record: boolean): Promise<void> {
  const t0 = now();
  await g.guard.withLease({ tool: 'read_issue', needs: NEEDS }, () => currentLease('github').expiresAt);
  if (record) g.times.push(now() - t0);
}

// ---- round trips on the critical path, from the server's request log ----------------------------------------
async function roundTrips(v: Variant): Promise<{ acquire: number; revoke: number; paths: string[] }> {
  const before = await logSize();
  const lease = await v.broker.acquire(request(v.credential));
  const mid = await logSize();
  await v.broker.revoke(lease, request(v.credential));
  // A background revoke is still in flight: give it time to land before counting.
  if (v.broker === vaultBackground) await new Promise((r) => setTimeout(r, 200));
  const entries = await logSince(before);
  return {
    acquire: mid - before,
    revoke: entries.length - (mid - before),
    paths: entries.map((e) => `${e.method} ${e.path.replace(p.id, '<id>')} ${e.status}`),
  };
}

// ---- run --------------------------------------------------------------------------------------------------------
// One round runs every variant once; the starting variant rotates.
const run = [
  ...variants.map((v) => (record: boolean) => once(v, record)),
  ...guards.map((g) => (record: boolean) => guarded(g, record)),
];
for (let i = 0; i < WARMUP + ROUNDS; i++) {
  for (let k = 0; k < run.length; k++) await run[(i + k) % run.length]!(i >= WARMUP);
}
// Let background revocations from the timed rounds land, so the log window holds only this lease's requests.
await new Promise((r) => setTimeout(r, 500));
const rt = new Map<string, Awaited<ReturnType<typeof roundTrips>>>();
for (const v of variants) if (v.broker !== local) rt.set(v.name, await roundTrips(v));
const eventTrips = [...new Set(brokerEvents.acquireRoundTrips)].sort();

await vaultBackground.close();
await vaultAwaited.close();
for (const g of guards) await g.guard.close();
const stats = (await ask<{ stats: Record<string, number> }>({ type: 'stats' }, 'stats')).stats;
child.send({ type: 'close' });

// ---- report -------------------------------------------------------------------------------------------------
interface Row {
  name: string;
  median: number;
  min: number;
  max: number;
  n: number;
  ratio?: number;
  [extra: string]: unknown;
}
const summary = (xs: number[]): { median: number; min: number; max: number; n: number } => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, min: s[0]!, max: s[s.length - 1]!, n: s.length };
};
const floor = summary(variants[0]!.acquire).median;
const floorRevoke = summary(variants[0]!.revoke).median;
const acquireRows: Row[] = variants.map((v) => ({
  name: v.name,
  ...summary(v.acquire),
  ratio: summary(v.acquire).median / floor,
  roundTrips: rt.get(v.name)?.acquire ?? 0,
}));
const revokeRows: Row[] = variants.map((v) => ({
  name: v.name,
  ...summary(v.revoke),
  ratio: summary(v.revoke).median / floorRevoke,
  roundTrips: rt.get(v.name)?.revoke ?? 0,
}));
const guardBase = summary(guards[0]!.times).median;
const guardRows: Row[] = guards.map((g) => ({
  name: g.name,
  ...summary(g.times),
  ratio: summary(g.times).median / guardBase,
}));

const f = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
function print(title: string, rows: Row[], baseline: string, extra?: string): void {
  console.log(`\n## ${title}`);
  const table = [
    ['variant', 'median µs', 'min µs', 'max µs', `ratio vs ${baseline}`, ...(extra ? [extra] : [])],
  ];
  for (const r of rows)
    table.push([
      r.name,
      f(r.median),
      f(r.min),
      f(r.max),
      `${(r.ratio ?? 1).toFixed(2)}x`,
      ...(extra ? [String(r.roundTrips)] : []),
    ]);
  const w = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table)
    console.log(row.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  '));
}
console.log(
  `Vault path against the @agent-lease/testing server (own process, loopback HTTP); ${ROUNDS} rounds after ${WARMUP} warm-up; node ${process.version}`,
);
print('acquire (critical path of a tool call)', acquireRows, 'bare fetch', 'round trips');
print('revoke (time the caller waits)', revokeRows, 'bare fetch', 'round trips');
print('whole guarded call, guard.withLease', guardRows, 'localBroker');
console.log('\nrequests per acquire + revoke, from the server log:');
for (const [name, r] of rt) console.log(`  ${name}: ${r.paths.join(', ')}`);
console.log(`vaultBroker acquire events report roundTrips = ${eventTrips.join(', ')}`);
console.log(
  `server after close: ${JSON.stringify(stats)} (live tokens and leases; the broker's own token is the one left)`,
);

if (process.env.BENCH_JSON)
  writeFileSync(
    process.env.BENCH_JSON,
    JSON.stringify(
      {
        bench: 'vault-path',
        mode: smoke ? 'smoke' : 'full',
        node: process.version,
        config: { rounds: ROUNDS, warmup: WARMUP },
        tables: [
          { title: 'Vault acquire', unit: 'µs', baseline: variants[0]!.name, rows: acquireRows },
          { title: 'Vault revoke (caller waits)', unit: 'µs', baseline: variants[0]!.name, rows: revokeRows },
          { title: 'guard.withLease whole call', unit: 'µs', baseline: guards[0]!.name, rows: guardRows },
        ],
        metrics: {
          acquireRoundTrips: rt.get('vaultBroker KV, awaitRevocation')?.acquire,
          acquireRoundTripsEvent: eventTrips,
          serverAfterClose: stats,
        },
      },
      null,
      2,
    ),
  );
