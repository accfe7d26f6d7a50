import { describe, expect, it } from 'vitest';
import { createMonitor } from './monitor.js';
import { memoryMonitorStore } from './store.js';

const MIN = 60_000;

describe('monitor', () => {
  it('limits per agent, per credential and distinct credentials', async () => {
    const m = createMonitor({
      maxLeasesPerMinutePerCredential: 2,
      maxDistinctCredentials: 2,
      baseline: false,
    });
    expect(await m.observe('a', 'x', 0)).toBeUndefined();
    expect(await m.observe('a', 'x', 1)).toBeUndefined();
    expect((await m.observe('a', 'x', 2))?.kind).toBe('credential_rate');
    expect(await m.observe('a', 'y', 3)).toBeUndefined();
    expect((await m.observe('a', 'z', 4))?.kind).toBe('distinct_credentials');
    // Another agent has its own counters.
    expect(await m.observe('b', 'x', 5)).toBeUndefined();
  });

  it('the per-minute window slides', async () => {
    const m = createMonitor({ maxLeasesPerMinute: 2, baseline: false });
    await m.observe('a', 'x', 0);
    await m.observe('a', 'x', 1);
    expect((await m.observe('a', 'x', 2))?.kind).toBe('agent_rate');
    expect(await m.observe('a', 'x', MIN + 10)).toBeUndefined();
  });

  it('learns a moving average and flags a rate far above it', async () => {
    const m = createMonitor({ baseline: { warmup: 10, rateFactor: 3, minRate: 4 } });
    let t = 0;
    // Ten minutes of two leases a minute: the average settles near 2.
    for (let minute = 0; minute < 10; minute++) {
      t = minute * MIN;
      expect(await m.observe('a', 'x', t)).toBeUndefined();
      expect(await m.observe('a', 'x', t + 1_000)).toBeUndefined();
    }
    // The burst starts once minute 9's leases have left the sliding one-minute window.
    t = 10 * MIN + 2_000;
    const seen: (string | undefined)[] = [];
    for (let i = 0; i < 8; i++) seen.push((await m.observe('a', 'x', t + i * 100))?.kind);
    // The limit is max(minRate 4, 3 × ~2 = 6): the 7th lease in the minute is the anomaly.
    expect(seen.slice(0, 6)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
    expect(seen[6]).toBe('rate_above_baseline');
  });

  it('a new credential is only an anomaly after warm-up', async () => {
    const m = createMonitor({ baseline: { warmup: 3 } });
    expect(await m.observe('a', 'x', 0)).toBeUndefined();
    expect(await m.observe('a', 'y', 1)).toBeUndefined();
    expect(await m.observe('a', 'x', 2)).toBeUndefined();
    expect((await m.observe('a', 'z', 3))?.kind).toBe('new_credential_after_warmup');
  });

  it('the store keeps locks per agent', async () => {
    const store = memoryMonitorStore();
    await store.setLock('a', { reason: 'r', since: 1 });
    expect(await store.getLock('a')).toEqual({ reason: 'r', since: 1 });
    expect(await store.getLock('b')).toBeUndefined();
    await store.setLock('a', undefined);
    expect(await store.getLock('a')).toBeUndefined();
  });
});
