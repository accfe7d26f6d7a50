// `@agent-lease/otel/logs`: needs the optional peers @opentelemetry/api-logs and @opentelemetry/sdk-logs (0.223.x).
export { RedactingLogRecordProcessor } from './redacting-log-processor.js';
export { otelAuditSink, auditAttributes } from './otel-audit-sink.js';
export type { OtelAuditSinkOptions } from './otel-audit-sink.js';
export { REDACTION_FAILED } from './redact-source.js';
export type { RedactSource } from './redact-source.js';
