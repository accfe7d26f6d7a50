import { seededRandom } from '../seeded-random.js';

/**
 * Fault injection for the Vault test server. A fault applies to the next `count` matching requests, or to a
 * `fraction` of them (seeded, so runs are reproducible). `phase: 'before'` (default) fails the request before Vault
 * would act on it, like a rate-limit quota, a sealed or overloaded node, or a dropped connection; `phase: 'after'`
 * performs the request and then loses the response, the ambiguous case a client cannot see through.
 */
export type Fault =
  | { kind: 'latency'; ms: number }
  | { kind: 'status'; status: 412 | 429 | 500 | 502 | 503; retryAfterSeconds?: number }
  | { kind: 'reset' };

export interface FaultRule {
  fault: Fault;
  count?: number;
  fraction?: number;
  phase?: 'before' | 'after';
  /** Restrict to some requests, e.g. `(r) => r.path.startsWith('auth/token/create')`. */
  match?: (request: { method: string; path: string }) => boolean;
}

interface ActiveRule extends FaultRule {
  remaining: number;
}

export class FaultInjector {
  private rules: ActiveRule[] = [];
  private random: () => number;
  /** How many faults fired, by kind (for assertions that faults really happened). */
  readonly fired = { latency: 0, status: 0, reset: 0 };

  constructor(seed = 1) {
    this.random = seededRandom(seed);
  }

  inject(rule: FaultRule): void {
    if (rule.count === undefined && rule.fraction === undefined)
      throw new TypeError('a fault needs a count or a fraction');
    if (rule.fraction !== undefined && !(rule.fraction >= 0 && rule.fraction <= 1))
      throw new RangeError('fraction must be in [0, 1]');
    this.rules.push({ ...rule, remaining: rule.count ?? Infinity });
  }

  clear(): void {
    this.rules = [];
  }

  /** Faults that apply to this request in this phase; consumes counts. */
  take(request: { method: string; path: string }, phase: 'before' | 'after'): Fault[] {
    const out: Fault[] = [];
    for (const rule of this.rules) {
      if ((rule.phase ?? 'before') !== phase || rule.remaining <= 0) continue;
      if (rule.match && !rule.match(request)) continue;
      if (rule.fraction !== undefined && this.random() >= rule.fraction) continue;
      rule.remaining--;
      this.fired[rule.fault.kind]++;
      out.push(rule.fault);
    }
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return out;
  }
}
