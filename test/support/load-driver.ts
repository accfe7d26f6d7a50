// Drives many guarded calls at a fixed concurrency, each with a seeded fate: ok, broker fault, abort (before,
// during acquire, during the body), timeout, or a throwing tool body. Records what each call returned.
import { seededRandom } from '@agent-lease/testing';
import {
  AgentLeaseError,
  BrokerUnavailableError,
  LeaseAbortedError,
  LeaseTimeoutError,
  type Guard,
} from '@agent-lease/core';

export type Fate = 'ok' | 'broker-fault' | 'abort' | 'timeout' | 'throw';

export interface LoadResult {
  fates: Record<Fate, number>;
  /** Calls whose outcome did not match their fate (must be 0). */
  mismatches: string[];
  /** Highest number of live leases the guard reported while the load ran. */
  peakLive: number;
  elapsedMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function fateOf(i: number, seed: number): Fate {
  const r = seededRandom(seed * 100_003 + i)();
  if (r < 0.1) return 'broker-fault';
  if (r < 0.2) return 'abort';
  if (r < 0.3) return 'timeout';
  if (r < 0.4) return 'throw';
  return 'ok';
}

export async function runLoad(
  guard: Guard,
  options: {
    calls: number;
    concurrency: number;
    seed: number;
    credential?: string;
    /** Marks a call whose broker acquire must fail (the broker decides by tool call id). */
    injectBrokerFault?: (toolCallId: string) => void;
    offset?: number;
  },
): Promise<LoadResult> {
  const fates: Record<Fate, number> = { ok: 0, 'broker-fault': 0, abort: 0, timeout: 0, throw: 0 };
  const mismatches: string[] = [];
  let peakLive = 0;
  let next = 0;
  const started = performance.now();
  const needs = { credential: options.credential ?? 'svc', scopes: ['load:run'] };

  async function one(i: number): Promise<void> {
    const rand = seededRandom(options.seed * 7919 + i);
    const fate = fateOf(i, options.seed);
    fates[fate]++;
    const toolCallId = `load-${options.offset ?? 0}-${i}`;
    if (fate === 'broker-fault') options.injectBrokerFault?.(toolCallId);
    const controller = new AbortController();
    if (fate === 'abort') {
      const when = rand();
      if (when < 0.2) controller.abort(new Error('user pressed stop'));
      else setTimeout(() => controller.abort(new Error('user pressed stop')), Math.floor(rand() * 4));
    }
    const bodyMs = fate === 'timeout' ? 250 : Math.floor(rand() * 3);
    try {
      const out = await guard.withLease(
        {
          tool: 'load_tool',
          needs,
          toolCallId,
          signal: controller.signal,
          ...(fate === 'timeout' ? { timeout: 10 } : {}),
        },
        async (lease) => {
          peakLive = Math.max(peakLive, guard.leases().length);
          lease.reveal();
          await sleep(bodyMs); // keeps running after an abort or timeout, as real tools do
          if (fate === 'throw') throw new Error(`tool failed on call ${i}`);
          return i;
        },
      );
      // An abort that fires after the body finished is a clean success.
      if (!(fate === 'ok' || fate === 'abort') || out !== i) mismatches.push(`${i}:${fate}:resolved`);
    } catch (error) {
      const ok =
        (fate === 'broker-fault' && BrokerUnavailableError.isInstance(error)) ||
        (fate === 'abort' && LeaseAbortedError.isInstance(error)) ||
        (fate === 'timeout' && LeaseTimeoutError.isInstance(error)) ||
        (fate === 'throw' &&
          !AgentLeaseError.isInstance(error) &&
          (error as Error).message === `tool failed on call ${i}`);
      if (!ok)
        mismatches.push(
          `${i}:${fate}:${AgentLeaseError.isInstance(error) ? error.code : (error as Error).name}`,
        );
    }
  }

  async function worker(): Promise<void> {
    while (next < options.calls) await one(next++);
  }
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { fates, mismatches, peakLive, elapsedMs: performance.now() - started };
}
