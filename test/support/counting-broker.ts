// A broker that is the broker-side ground truth for the lease lifecycle: how many leases are live, and whether any
// lease was revoked twice, never, or without having been issued. It keeps counters and a flag on each lease's
// handle only, so it retains nothing per call and does not distort the heap measurement. It can fail chosen
// acquires (injected broker faults) and, as a deliberate break, swallow one revoke.
import type { Broker, BrokerLease } from '@agent-lease/core';

export interface CountingBroker extends Broker {
  readonly counts: { issued: number; revoked: number; doubleRevokes: number; unknownRevokes: number };
  /** Issued and not yet revoked. */
  live(): number;
  /** Acquires still running (an aborted call can leave one behind for a while). */
  inflight(): number;
  /** Tool call ids whose acquire throws (an injected broker fault); consumed on use. */
  readonly failFor: Set<string>;
  idle(): Promise<void>;
}

export interface CountingBrokerOptions {
  /** Latency of each acquire in ms. */
  latencyMs?: (toolCallId: string) => number;
  /** Deliberate break: swallow the revoke of the n-th issued lease (answer success, do nothing). */
  dropRevokeOfLease?: number;
}

interface Handle {
  n: number;
  revoked: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function countingBroker(options: CountingBrokerOptions = {}): CountingBroker {
  const counts = { issued: 0, revoked: 0, doubleRevokes: 0, unknownRevokes: 0 };
  const failFor = new Set<string>();
  let running = 0;
  return {
    kind: 'counting',
    credentialNames: ['svc'],
    counts,
    failFor,
    live: () => counts.issued - counts.revoked,
    inflight: () => running,
    async acquire(request): Promise<BrokerLease> {
      running++;
      try {
        const ms = options.latencyMs?.(request.toolCallId) ?? 0;
        if (ms > 0) await sleep(ms);
        if (failFor.delete(request.toolCallId)) throw new Error('injected broker fault: upstream 503');
        const handle: Handle = { n: counts.issued++, revoked: false };
        // Unique per lease and long enough to register.
        return {
          value: `lv-${request.leaseId}`,
          expiresAt: Date.now() + request.ttlMs,
          renewable: false,
          handle,
        };
      } finally {
        running--;
      }
    },
    revoke(lease) {
      const handle = lease.handle as Handle | undefined;
      if (handle === undefined) counts.unknownRevokes++;
      else if (handle.revoked) counts.doubleRevokes++;
      else if (handle.n !== options.dropRevokeOfLease) {
        handle.revoked = true;
        counts.revoked++;
      }
      return Promise.resolve();
    },
    async idle() {
      while (running > 0) await sleep(5);
    },
  };
}

/** Every lifecycle invariant, as a list of violations (empty = all hold). Never includes a value. */
export function lifecycleViolations(broker: CountingBroker, guard: { leases(): unknown[] }): string[] {
  const out: string[] = [];
  const c = broker.counts;
  if (guard.leases().length > 0) out.push(`guard still holds ${guard.leases().length} live lease(s)`);
  if (broker.live() > 0) out.push(`broker still has ${broker.live()} live lease(s)`);
  if (c.doubleRevokes > 0) out.push(`${c.doubleRevokes} lease(s) revoked more than once`);
  if (c.unknownRevokes > 0) out.push(`${c.unknownRevokes} revoke(s) of leases the broker never issued`);
  return out;
}
