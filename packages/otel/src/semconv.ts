/**
 * Names this package adds. The span and attribute names the guard emits live in `@agent-lease/core`
 * (`semconv`); these cover what only the OTel integration writes.
 */

/** Set (true) on a span or log record whose content was replaced because scrubbing it failed. */
export const ATTR_REDACTION_FAILED = 'agent_lease.redaction.failed' as const;

// Audit events as log records (see otel-audit-sink.ts).
export const ATTR_AUDIT_OUTCOME = 'agent_lease.outcome' as const;
export const ATTR_AUDIT_REASON = 'agent_lease.reason' as const;
export const ATTR_AUDIT_CREDENTIAL = 'agent_lease.credential' as const;
export const ATTR_AUDIT_SCOPES = 'agent_lease.scopes' as const;
export const ATTR_AUDIT_LEASE_ID = 'agent_lease.lease.id' as const;
export const ATTR_AUDIT_VALUE_FINGERPRINT = 'agent_lease.value.fingerprint' as const;
/** Prefix for each `detail` field: `agent_lease.detail.host`, `agent_lease.detail.ttl_ms`, ... */
export const ATTR_AUDIT_DETAIL_PREFIX = 'agent_lease.detail.' as const;
/** Logger (instrumentation scope) name of the audit log records. */
export const AUDIT_LOGGER_NAME = '@agent-lease/otel/audit' as const;
