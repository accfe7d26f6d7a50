/**
 * Attribute and span names. The GenAI names are copied from @opentelemetry/semantic-conventions@1.45.0
 * (incubating entry; GenAI moved to the semantic-conventions-genai repository), as that package's README asks
 * libraries to do for unstable names, so consumers get no runtime dependency and no deprecation churn.
 */

// GenAI (incubating)
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name' as const;
export const GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL = 'execute_tool' as const;
export const ATTR_GEN_AI_TOOL_NAME = 'gen_ai.tool.name' as const;
export const ATTR_GEN_AI_TOOL_CALL_ID = 'gen_ai.tool.call.id' as const;
export const ATTR_GEN_AI_TOOL_TYPE = 'gen_ai.tool.type' as const;
export const ATTR_GEN_AI_AGENT_ID = 'gen_ai.agent.id' as const;
export const ATTR_GEN_AI_AGENT_NAME = 'gen_ai.agent.name' as const;

// Stable
export const ATTR_ERROR_TYPE = 'error.type' as const;

// agent-lease's own namespace: there is no semantic convention for credential access.
export const ATTR_LEASE_CREDENTIAL = 'agent_lease.credential' as const;
export const ATTR_LEASE_SCOPES = 'agent_lease.scopes' as const;
export const ATTR_LEASE_TTL_MS = 'agent_lease.ttl_ms' as const;
/** Keyed HMAC fingerprint of the lease id, never the id itself. */
export const ATTR_LEASE_ID = 'agent_lease.lease.id' as const;
export const ATTR_LEASE_OUTCOME = 'agent_lease.outcome' as const;
export const ATTR_LEASE_REASON = 'agent_lease.reason' as const;
export const ATTR_BROKER_KIND = 'agent_lease.broker' as const;
export const ATTR_HOST = 'agent_lease.host' as const;
export const ATTR_ANOMALY_KIND = 'agent_lease.anomaly.kind' as const;

export const SPAN_LEASE_ACQUIRE = 'agent_lease.acquire' as const;
export const SPAN_LEASE_REVOKE = 'agent_lease.revoke' as const;
export const SPAN_LEASE_RENEW = 'agent_lease.renew' as const;

export const EVENT_LEASE_DENIED = 'agent_lease.lease.denied' as const;
export const EVENT_AGENT_LOCKED = 'agent_lease.agent.locked' as const;
export const EVENT_ANOMALY = 'agent_lease.anomaly' as const;
export const EVENT_HOST_BLOCKED = 'agent_lease.host.blocked' as const;

export const METRIC_LEASES_GRANTED = 'agent_lease.leases.granted' as const;
export const METRIC_LEASES_DENIED = 'agent_lease.leases.denied' as const;
export const METRIC_LEASES_REVOKED = 'agent_lease.leases.revoked' as const;
export const METRIC_LEASES_ACTIVE = 'agent_lease.leases.active' as const;
export const METRIC_ACQUIRE_DURATION = 'agent_lease.acquire.duration' as const;
