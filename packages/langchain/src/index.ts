export { guardTool, guardTools, isGuardedTool } from './guard-tool.js';
export type { GuardableTool, LeaseToolConfig, NeedsByName, ToolInputOf } from './guard-tool.js';
export { leaseMiddleware } from './lease-middleware.js';
export type { LeaseMiddlewareOptions } from './lease-middleware.js';
export { createLcRedactor } from './lc-redactor.js';
export type { LcRedactor, RedactingGuard } from './lc-redactor.js';
export { redactCallbacks, redactingHandler } from './redacting-callbacks.js';
export { redactAgentStream } from './redact-stream.js';
export { langsmithAnonymizer } from './langsmith-anonymizer.js';
