export { createGuard } from './guard.js';
export type { Guard, LiveLease, ToolCall } from './guard.js';
export type { GuardConfig, GrantConfig, MonitorConfig } from './config.js';
export { currentLease } from './lease-context.js';
export type { Lease } from './lease.js';
export type { ToolNeeds, ToolNeedsSpec } from './needs.js';
export { parseDuration, formatDuration } from './duration.js';
export type { Duration } from './duration.js';
export { scopeMatches } from './scopes.js';

export { localBroker } from './broker/local-broker.js';
export type { LocalBroker, LocalBrokerOptions, LocalCredential } from './broker/local-broker.js';
export { TokenVerificationError } from './broker/token-minter.js';
export type { LeaseTokenClaims, TokenVerifier, VerifyOptions } from './broker/token-minter.js';
export type { AgentIdentity, Broker, BrokerLease, Injection, LeaseRequest } from './broker/types.js';

export { memoryAudit, jsonlAudit, callbackAudit, teeAudit } from './audit/sinks.js';
export type { MemoryAuditSink } from './audit/sinks.js';
export type { AuditEvent, AuditEventType, AuditSink } from './audit/types.js';

export { memoryMonitorStore } from './monitor/store.js';
export type { LeaseStats, LockState, MonitorStore } from './monitor/store.js';
export type { Anomaly } from './monitor/monitor.js';

export { builtinRules, createRedactor } from './redaction/index.js';
export type {
  Redactor,
  RedactorOptions,
  RuleOptions,
  SecretFinding,
  SecretRule,
  StreamRedactor,
} from './redaction/types.js';

export * as semconv from './telemetry/semconv.js';

export {
  AgentLeaseError,
  AgentLockedError,
  AuditUnavailableError,
  BrokerUnavailableError,
  GuardClosedError,
  HostNotAllowedError,
  InvalidConfigError,
  InvalidSecretError,
  LeaseAbortedError,
  LeaseDeniedError,
  LeaseTimeoutError,
  NoActiveLeaseError,
} from './errors.js';
export type { AgentLeaseErrorCode } from './errors.js';
export { redactJsonText } from './adapter-kit/redact-json-text.js';
export { redactRepeatedText } from './adapter-kit/redact-repeated-text.js';
