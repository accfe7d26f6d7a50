import { AsyncLocalStorage } from 'node:async_hooks';
import { NoActiveLeaseError } from './errors.js';
import type { Lease } from './lease.js';

interface CallContext {
  tool: string;
  toolCallId: string;
  leases: ReadonlyMap<string, Lease>;
}

/** Carries the current call's leases to the tool body without passing them through model-visible arguments. */
export const callStorage = new AsyncLocalStorage<CallContext>();

/**
 * The current guarded call's lease for `credential`. The name may be omitted when the call leased exactly one
 * credential. Throws `NoActiveLeaseError` outside a guarded call or for a credential the call did not lease.
 */
export function currentLease(credential?: string): Lease {
  const call = callStorage.getStore();
  if (!call) {
    throw new NoActiveLeaseError(
      'currentLease() was called outside a guarded tool call; wrap the tool with guardTools/guardTool or guard.withLease',
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
