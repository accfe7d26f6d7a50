/**
 * Where the monitor keeps its state. In memory by default; a shared store (Redis, a database) can implement the
 * same interface so several processes running one agent see one rate and one lock.
 */

export interface LockState {
  reason: string;
  /** Epoch milliseconds. */
  since: number;
}

export interface LeaseStats {
  /** Leases of this agent in the last minute, including this one. */
  agentPerMinute: number;
  /** Leases of this credential by this agent in the last minute, including this one. */
  credentialPerMinute: number;
  /** Distinct credentials leased by this agent within the window, including this one. */
  distinctCredentials: number;
  /** Leases this agent had before this one, ever (for warm-up). */
  priorLeases: number;
  /** Whether this agent had leased this credential before. */
  seenCredential: boolean;
  /** Moving average of this credential's leases per minute over previous minutes (EWMA), 0 before one minute. */
  credentialAveragePerMinute: number;
}

export interface MonitorStore {
  /** Records one lease request and returns the statistics that include it. */
  recordLease(agentId: string, credential: string, now: number, windowMs: number): Promise<LeaseStats>;
  getLock(agentId: string): Promise<LockState | undefined>;
  setLock(agentId: string, state: LockState | undefined): Promise<void>;
}

interface CredentialState {
  times: number[];
  /** Minute index being counted, its count, and the EWMA of completed minutes. */
  minute: number;
  minuteCount: number;
  ewma: number;
  minutesSeen: number;
}

interface AgentState {
  times: number[];
  lastUse: Map<string, number>;
  credentials: Map<string, CredentialState>;
  total: number;
}

const MINUTE = 60_000;
const EWMA_ALPHA = 0.3;

interface SyncLockReader {
  getLock: MonitorStore['getLock'];
  read(agentId: string): LockState | undefined;
}
const syncReaders = new WeakMap<MonitorStore, SyncLockReader>();

/**
 * @internal How the guard reads the lock of a built-in memory store on every call without awaiting a promise.
 * Undefined for any other store, and for a memory store whose `getLock` was replaced (the replacement must be
 * asked).
 */
export function syncLockReader(
  store: MonitorStore,
): ((agentId: string) => LockState | undefined) | undefined {
  const reader = syncReaders.get(store);
  // Identity only: the method is compared, never called unbound.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  return reader && reader.getLock === store.getLock ? reader.read : undefined;
}

/** Sliding windows of timestamps, trimmed on every write; memory is bounded by the rate limits. */
export function memoryMonitorStore(): MonitorStore {
  const agents = new Map<string, AgentState>();
  const locks = new Map<string, LockState>();

  const trim = (times: number[], from: number) => {
    let drop = 0;
    while (drop < times.length && (times[drop] ?? 0) <= from) drop++;
    if (drop > 0) times.splice(0, drop);
  };

  const store: MonitorStore = {
    recordLease(agentId, credential, now, windowMs) {
      let agent = agents.get(agentId);
      if (!agent) {
        agent = { times: [], lastUse: new Map(), credentials: new Map(), total: 0 };
        agents.set(agentId, agent);
      }
      const priorLeases = agent.total;
      agent.total++;
      agent.times.push(now);
      trim(agent.times, now - MINUTE);

      let cred = agent.credentials.get(credential);
      const seenCredential = cred !== undefined;
      const minute = Math.floor(now / MINUTE);
      if (!cred) {
        cred = { times: [], minute, minuteCount: 0, ewma: 0, minutesSeen: 0 };
        agent.credentials.set(credential, cred);
      }
      // Close the minutes that passed (idle minutes count as zero) into the moving average.
      const elapsed = Math.min(minute - cred.minute, 60);
      for (let i = 0; i < elapsed; i++) {
        const count = i === 0 ? cred.minuteCount : 0;
        cred.ewma = cred.minutesSeen === 0 ? count : EWMA_ALPHA * count + (1 - EWMA_ALPHA) * cred.ewma;
        cred.minutesSeen++;
      }
      if (elapsed > 0) {
        cred.minute = minute;
        cred.minuteCount = 0;
      }
      cred.minuteCount++;
      cred.times.push(now);
      trim(cred.times, now - MINUTE);

      agent.lastUse.set(credential, now);
      let distinct = 0;
      for (const [, last] of agent.lastUse) if (last > now - windowMs) distinct++;

      return Promise.resolve({
        agentPerMinute: agent.times.length,
        credentialPerMinute: cred.times.length,
        distinctCredentials: distinct,
        priorLeases,
        seenCredential,
        credentialAveragePerMinute: cred.minutesSeen === 0 ? 0 : cred.ewma,
      });
    },
    getLock(agentId) {
      return Promise.resolve(locks.get(agentId));
    },
    setLock(agentId, state) {
      if (state) locks.set(agentId, state);
      else locks.delete(agentId);
      return Promise.resolve();
    },
  };
  // Kept to compare identity with the store's later `getLock`, never called from here.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  syncReaders.set(store, { getLock: store.getLock, read: (agentId) => locks.get(agentId) });
  return store;
}
