export { guardTools } from './guard-tools.js';
export type { NeedsByName } from './guard-tools.js';
export { redactionMiddleware } from './redaction-middleware.js';
export type { RedactionMiddleware, RedactionMiddlewareOptions } from './redaction-middleware.js';
export { ToolExecutionError } from './tool-error.js';
