/**
 * The broker contract: where credential values come from. The guard has already checked the request against the
 * agent's grants before a broker is asked, so a broker only issues what it is told.
 */

/** How a credential is attached to an outgoing request by `lease.fetch`. */
export type Injection =
  | { type: 'bearer' }
  | { type: 'basic'; username: string }
  | { type: 'header'; name: string; prefix?: string }
  | { type: 'query'; param: string };

export interface AgentIdentity {
  id: string;
  name?: string;
}

/** What the guard asks a broker for: one credential, already narrowed to granted scopes and a capped ttl. */
export interface LeaseRequest {
  /** Guard-assigned lease id (random, unguessable). */
  leaseId: string;
  credential: string;
  scopes: readonly string[];
  ttlMs: number;
  agent: AgentIdentity;
  tool: string;
  toolCallId: string;
  signal?: AbortSignal;
}

/** What a broker hands back. `value` is registered with the redactor before the tool body sees it. */
export interface BrokerLease {
  value: string;
  /** Extra secret values the lease carries (e.g. a username/password pair); all are redacted. */
  secrets?: readonly string[];
  /** When the broker will consider the lease expired. */
  expiresAt: number;
  renewable: boolean;
  inject?: Injection;
  /** Broker-private state, passed back to renew/revoke. Never logged. */
  handle?: unknown;
}

export interface Broker {
  /** Short name for spans and audit, e.g. `local`, `vault`. */
  readonly kind: string;
  /** Credential names the broker can issue, when it knows them up front; `createGuard` checks grants against it. */
  readonly credentialNames?: readonly string[];
  acquire(request: LeaseRequest): Promise<BrokerLease>;
  /** Extends a renewable lease; returns the new expiry. Absent for non-renewable brokers. */
  renew?(lease: BrokerLease, request: LeaseRequest, ttlMs: number): Promise<{ expiresAt: number }>;
  /** Ends the lease at the source. Must be idempotent. */
  revoke(lease: BrokerLease, request: LeaseRequest): Promise<void>;
  /** Waits for pending background work (e.g. queued revocations) and releases resources. */
  close?(): Promise<void>;
}
