/**
 * Consecutive-failure circuit breaker. After `failureThreshold` calls in a row fail because Vault is unreachable
 * or unavailable, calls fail immediately for `cooldownMs`; then one probe is let through (half-open). A success
 * closes the circuit. Written by hand: it is twenty lines, and the npm breakers (opossum and friends) wrap a single
 * function with their own timeouts and events, which would duplicate the retry/timeout logic here.
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | undefined;
  private probing = false;

  constructor(
    private readonly failureThreshold: number,
    private readonly cooldownMs: number,
    private readonly onChange: (state: CircuitState) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): CircuitState {
    if (this.openedAt === undefined) return 'closed';
    return this.now() - this.openedAt >= this.cooldownMs ? 'half-open' : 'open';
  }

  /** Whether a call may go out now. In half-open state only one probe at a time. */
  tryPass(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.probing) return false;
    this.probing = true;
    return true;
  }

  /** Milliseconds until the circuit lets a probe through (0 when closed). */
  waitMs(): number {
    return this.openedAt === undefined ? 0 : Math.max(0, this.openedAt + this.cooldownMs - this.now());
  }

  /** Ends a probe without a verdict (the caller retries and will report later). */
  release(): void {
    this.probing = false;
  }

  success(): void {
    this.probing = false;
    this.failures = 0;
    if (this.openedAt !== undefined) {
      this.openedAt = undefined;
      this.onChange('closed');
    }
  }

  failure(): void {
    this.probing = false;
    this.failures++;
    if (this.openedAt !== undefined || this.failures >= this.failureThreshold) {
      const wasOpen = this.openedAt !== undefined;
      this.openedAt = this.now();
      if (!wasOpen) this.onChange('open');
    }
  }
}
