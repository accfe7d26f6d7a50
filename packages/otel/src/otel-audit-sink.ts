import type { AuditEvent, AuditSink } from '@agent-lease/core';
import { semconv } from '@agent-lease/core';
import { logs, SeverityNumber, type LogAttributes, type LoggerProvider } from '@opentelemetry/api-logs';
import {
  ATTR_AUDIT_CREDENTIAL,
  ATTR_AUDIT_DETAIL_PREFIX,
  ATTR_AUDIT_LEASE_ID,
  ATTR_AUDIT_OUTCOME,
  ATTR_AUDIT_REASON,
  ATTR_AUDIT_SCOPES,
  ATTR_AUDIT_VALUE_FINGERPRINT,
  AUDIT_LOGGER_NAME,
} from './semconv.js';

export interface OtelAuditSinkOptions {
  /** The SDK `LoggerProvider` to emit through; the global one (`logs.getLoggerProvider()`) when absent. */
  loggerProvider?: LoggerProvider;
  /** Logger (instrumentation scope) name; default `@agent-lease/otel/audit`. */
  loggerName?: string;
}

/** Events that mean "something was refused or looks wrong": WARN, the rest INFO. */
const WARN_EVENTS = new Set<string>([
  'lease.denied',
  'lease.host_blocked',
  'agent.locked',
  'secret.detected',
]);

/**
 * An `AuditSink` that emits each audit event as an OTel log record: `eventName` = the event type, attributes
 * flattened from the event (GenAI names where they exist, `agent_lease.*` otherwise), timestamp = event time.
 * Audit events hold fingerprints, never values. Use it next to the system-of-record sink, e.g.
 * `teeAudit(jsonlAudit(path), otelAuditSink())`: the OTel logs pipeline is asynchronous and may drop records.
 * A throwing logger makes `write` throw, which the guard treats as "not recorded" (fail closed).
 */
export function otelAuditSink(options: OtelAuditSinkOptions = {}): AuditSink {
  const name = options.loggerName ?? AUDIT_LOGGER_NAME;
  const explicit = options.loggerProvider?.getLogger(name);
  // The global provider is looked up per event so a provider registered after the guard is created still works.
  const logger = () => explicit ?? logs.getLogger(name);
  return {
    write(event: AuditEvent): void {
      const time = Date.parse(event.time);
      logger().emit({
        eventName: event.type,
        ...(Number.isNaN(time) ? {} : { timestamp: time }),
        severityNumber: WARN_EVENTS.has(event.type) ? SeverityNumber.WARN : SeverityNumber.INFO,
        severityText: WARN_EVENTS.has(event.type) ? 'WARN' : 'INFO',
        body: event.type,
        attributes: auditAttributes(event),
      });
    },
    async flush(): Promise<void> {
      const provider = (options.loggerProvider ?? logs.getLoggerProvider()) as {
        forceFlush?: () => Promise<void>;
      };
      if (typeof provider.forceFlush === 'function') await provider.forceFlush();
    },
  };
}

/** Flat attributes of an audit event; `detail` fields go under `agent_lease.detail.*`. */
export function auditAttributes(event: AuditEvent): LogAttributes {
  const a: LogAttributes = {
    [semconv.ATTR_GEN_AI_AGENT_ID]: event.agent.id,
    [ATTR_AUDIT_OUTCOME]: event.outcome,
  };
  if (event.agent.name !== undefined) a[semconv.ATTR_GEN_AI_AGENT_NAME] = event.agent.name;
  if (event.tool !== undefined) a[semconv.ATTR_GEN_AI_TOOL_NAME] = event.tool;
  if (event.toolCallId !== undefined) a[semconv.ATTR_GEN_AI_TOOL_CALL_ID] = event.toolCallId;
  if (event.credential !== undefined) a[ATTR_AUDIT_CREDENTIAL] = event.credential;
  if (event.scopes !== undefined) a[ATTR_AUDIT_SCOPES] = [...event.scopes];
  if (event.reason !== undefined) a[ATTR_AUDIT_REASON] = event.reason;
  if (event.leaseId !== undefined) a[ATTR_AUDIT_LEASE_ID] = event.leaseId;
  if (event.valueFingerprint !== undefined) a[ATTR_AUDIT_VALUE_FINGERPRINT] = event.valueFingerprint;
  for (const [key, value] of Object.entries(event.detail ?? {})) {
    a[ATTR_AUDIT_DETAIL_PREFIX + key] = typeof value === 'object' ? [...value] : value;
  }
  return a;
}
