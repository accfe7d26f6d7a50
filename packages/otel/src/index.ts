export { RedactingSpanProcessor } from './redacting-span-processor.js';
export { redactingExporter } from './redacting-exporter.js';
export { setupTracing } from './setup-tracing.js';
export type { SetupTracingOptions, TracingSetup } from './setup-tracing.js';
export { REDACTION_FAILED } from './redact-source.js';
export type { RedactSource } from './redact-source.js';
export * as otelSemconv from './semconv.js';
