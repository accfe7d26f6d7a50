import { LeaseAbortedError } from './errors.js';

/** What follows a caller's signal: a call's abort state (or an AbortController). */
export interface Abortable {
  abort(reason: unknown): void;
}

const followers = new WeakMap<AbortSignal, Set<Abortable>>();

/**
 * Aborts `own` when the caller's `signal` aborts; returns the function that stops following.
 * One listener per caller signal fans out to every call following it: the parallel tool calls of one step share a
 * signal, and a listener each would trip MaxListenersExceededWarning. AbortSignal.any is not used because on
 * Node 20 each signal it makes stays reachable from its sources (about 1 KB per call).
 */
export function followSignal(signal: AbortSignal, own: Abortable): () => void {
  if (signal.aborted) {
    own.abort(new LeaseAbortedError({ cause: signal.reason }));
    return () => undefined;
  }
  let set = followers.get(signal);
  if (!set) {
    const created = new Set<Abortable>();
    set = created;
    followers.set(signal, created);
    signal.addEventListener(
      'abort',
      () => {
        for (const c of created) c.abort(new LeaseAbortedError({ cause: signal.reason }));
        created.clear();
      },
      { once: true },
    );
  }
  const following = set;
  following.add(own);
  return () => following.delete(own);
}
