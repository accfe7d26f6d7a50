import type { MonitorConfig } from '../config.js';
import { parseDuration } from '../duration.js';
import { memoryMonitorStore, type LeaseStats, type MonitorStore } from './store.js';

export interface Anomaly {
  /** Stable kind for audit and spans. */
  kind:
    | 'agent_rate'
    | 'credential_rate'
    | 'distinct_credentials'
    | 'new_credential_after_warmup'
    | 'rate_above_baseline';
  /** Short, secret-free description. */
  message: string;
}

export interface Monitor {
  readonly onAnomaly: 'lock' | 'alert';
  readonly store: MonitorStore;
  /** Records a lease request and returns the first anomaly it shows, if any. */
  observe(agentId: string, credential: string, now: number): Promise<Anomaly | undefined>;
}

const DEFAULT_WINDOW = 10 * 60_000;

/** Limits are hard caps; the baseline learns what is normal for this agent and flags sharp departures. */
export function createMonitor(config: MonitorConfig): Monitor {
  const store = config.store ?? memoryMonitorStore();
  const windowMs =
    config.window === undefined ? DEFAULT_WINDOW : (parseDuration(config.window) ?? DEFAULT_WINDOW);
  const baseline =
    config.baseline === false
      ? undefined
      : { warmup: 50, rateFactor: 5, minRate: 10, ...(config.baseline ?? {}) };

  const check = (credential: string, s: LeaseStats): Anomaly | undefined => {
    if (config.maxLeasesPerMinute !== undefined && s.agentPerMinute > config.maxLeasesPerMinute) {
      return { kind: 'agent_rate', message: `more than ${config.maxLeasesPerMinute} leases per minute` };
    }
    const perCredential = config.maxLeasesPerMinutePerCredential;
    if (perCredential !== undefined && s.credentialPerMinute > perCredential) {
      return {
        kind: 'credential_rate',
        message: `more than ${perCredential} leases per minute of credential ${credential}`,
      };
    }
    if (
      config.maxDistinctCredentials !== undefined &&
      s.distinctCredentials > config.maxDistinctCredentials
    ) {
      return {
        kind: 'distinct_credentials',
        message: `more than ${config.maxDistinctCredentials} distinct credentials in the window`,
      };
    }
    if (baseline && s.priorLeases >= baseline.warmup) {
      if (!s.seenCredential) {
        return {
          kind: 'new_credential_after_warmup',
          message: `credential ${credential} was never used before by this agent`,
        };
      }
      const limit = Math.max(baseline.minRate, baseline.rateFactor * s.credentialAveragePerMinute);
      if (s.credentialAveragePerMinute > 0 && s.credentialPerMinute > limit) {
        return {
          kind: 'rate_above_baseline',
          message: `credential ${credential} rate is far above its moving average`,
        };
      }
    }
    return undefined;
  };

  return {
    onAnomaly: config.onAnomaly ?? 'lock',
    store,
    async observe(agentId, credential, now) {
      return check(credential, await store.recordLease(agentId, credential, now, windowMs));
    },
  };
}
