import { AsyncLocalStorage } from 'node:async_hooks';
import { NoActiveLeaseError } from './errors.js';
import type { Lease } from './lease.js';

interface CallContext {
  tool: string;
  toolCallId: string;
  leases: ReadonlyMap<string, Lease>;
}

/** Carries the current call's leases to the tool body without passing them through model-visible arguments. */
const callStorage = new AsyncLocalStorage<CallContext>();

/**
 * Node 20 and 22 build AsyncLocalStorage on async hooks: while an instance is enabled, every promise created
 * anywhere in the process pays for copying its store, guarded code or not (measured on Node 20: 300 awaits take
 * 8.7 µs with no instance enabled, 26.9 with one, 49.2 with two; an unguarded `generateText` call with a mock model
 * took ~20 µs longer once a guard had run a call). So the storage is enabled only while some call body runs.
 * Node 24's AsyncContextFrame has no per-promise cost (and no `_propagate`): there it simply stays enabled.
 */
const perPromiseCost =
  typeof (AsyncLocalStorage.prototype as { _propagate?: unknown })._propagate === 'function';
let bodiesRunning = 0;

/**
 * Runs a guarded call's body with `call` as the current call, for `currentLease()`; the caller must call
 * `callBodySettled()` once the body's result has settled (a finally in the same async function costs no extra
 * promise, a wrapping async function would). Once the last body in flight has settled, a continuation a body left
 * behind gets `NoActiveLeaseError` from `currentLease()` (its call is over) while no other call runs.
 */
export function runCallBody<T>(call: CallContext, body: () => T): T {
  bodiesRunning++;
  return callStorage.run(call, body);
}

export function callBodySettled(): void {
  if (--bodiesRunning === 0 && perPromiseCost) callStorage.disable();
}

/** True inside a guarded call's body (whose leases a nested call without needs must hide). */
export function insideCallBody(): boolean {
  return callStorage.getStore() !== undefined;
}

/**
 * The current guarded call's lease for `credential`. The name may be omitted when the call leased exactly one
 * credential. Throws `NoActiveLeaseError` outside a guarded call or for a credential the call did not lease.
 */
export function currentLease(credential?: string): Lease {
  const call = callStorage.getStore();
  if (!call) {
    throw new NoActiveLeaseError(
      'currentLease() found no lease: it was called outside a guarded tool call, or in a tool that declares no needs; wrap the tool with guardTools/guardTool or guard.withLease and declare the credential in its needs',
    );
  }
  if (credential === undefined) {
    if (call.leases.size !== 1) {
      throw new NoActiveLeaseError(
        `tool ${call.tool} holds ${call.leases.size} leases; name the credential: currentLease("...")`,
      );
    }
    return call.leases.values().next().value as Lease;
  }
  const lease = call.leases.get(credential);
  if (!lease) {
    throw new NoActiveLeaseError(
      `tool ${call.tool} holds no lease for credential ${credential}; declare it in the tool's needs`,
    );
  }
  return lease;
}
