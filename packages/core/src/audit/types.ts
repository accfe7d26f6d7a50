/**
 * Audit events: one per credential decision or access. They carry only keyed HMAC-SHA256 fingerprints of lease
 * ids and values (as Vault's audit log does), never a value.
 */

export type AuditEventType =
  | 'lease.requested'
  | 'lease.granted'
  | 'lease.denied'
  | 'lease.revealed'
  | 'lease.used'
  | 'lease.host_blocked'
  | 'lease.renewed'
  | 'lease.revoked'
  | 'lease.expired'
  | 'agent.locked'
  | 'agent.unlocked'
  | 'secret.detected';

export interface AuditEvent {
  type: AuditEventType;
  /** ISO 8601 time. */
  time: string;
  agent: { id: string; name?: string };
  tool?: string;
  toolCallId?: string;
  credential?: string;
  scopes?: readonly string[];
  /** `ok`, `denied`, `error`, or a short reason code. */
  outcome: string;
  /** Short, secret-free reason (e.g. the denial reason or the error code). */
  reason?: string;
  /** `hmac-sha256:<hex>` of the lease id. */
  leaseId?: string;
  /** `hmac-sha256:<hex>` of the leased value. */
  valueFingerprint?: string;
  /** Extra secret-free detail (host, ttl, rule ids...). */
  detail?: Readonly<Record<string, string | number | boolean | readonly string[]>>;
}

/** Where audit events go. `write` may be async; a rejection or throw means "not recorded". */
export interface AuditSink {
  write(event: AuditEvent): void | Promise<void>;
  flush?(): Promise<void>;
  close?(): Promise<void>;
}
