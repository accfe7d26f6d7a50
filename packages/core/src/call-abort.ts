import { AgentLeaseError, LeaseAbortedError } from './errors.js';

/**
 * What ends one guarded call early: the caller's signal, the call's timeout, or the guard closing.
 * It used to be an AbortController per call, an 'abort' listener and an abort promise raced twice (once per
 * acquisition, once for the body); each is small, but on the call path of every tool call they added up (and on
 * Node 20, with AsyncLocalStorage on, every extra promise costs a promise-hook round). Here the AbortController is
 * made only when something asks for `signal` (a broker that forwards it to its HTTP client), and the call races
 * its work against the abort once.
 */
export class CallAbort {
  #aborted = false;
  #reason: unknown;
  #controller: AbortController | undefined;
  #onAbort: ((error: unknown) => void) | undefined;

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  /** An AbortSignal that follows this call, made on first use. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Ends the call; the first reason wins, as with AbortController. */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
    this.#onAbort?.(this.error());
  }

  /** What an aborted call rejects with: the reason when it is one of ours, else a LeaseAbortedError. */
  error(): AgentLeaseError {
    return AgentLeaseError.isInstance(this.#reason)
      ? this.#reason
      : new LeaseAbortedError({ cause: this.#reason });
  }

  /**
   * Settles with `work`, or rejects at once when the call is aborted first (the work goes on; its outcome is then
   * ignored). Meant to be called once per call.
   */
  race<T>(work: Promise<T>): Promise<T> {
    if (this.#aborted) {
      work.catch(() => undefined);
      return Promise.reject(this.error());
    }
    return new Promise<T>((resolve, reject) => {
      this.#onAbort = reject;
      work.then(resolve, reject);
    });
  }
}
