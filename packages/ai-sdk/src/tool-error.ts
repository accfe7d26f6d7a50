import { AgentLeaseError, type Guard } from '@agent-lease/core';

/**
 * What a guarded tool throws when its body failed. The SDK hands `error.message` to the model as the tool's
 * `error-text` result, and stores the error in `steps`, `toolResults` and telemetry; so the message is the
 * guard's short, redacted description, never a stack. `cause` keeps the (already redacted) original for the app.
 */
export class ToolExecutionError extends Error {
  readonly toolName: string;

  constructor(message: string, toolName: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ToolExecutionError';
    this.toolName = toolName;
  }

  /** The SDK shows the model `String(error)`; the message already names the original error type. */
  override toString(): string {
    return this.message;
  }
}

/**
 * Turns whatever a guarded call threw into what the model may see. Lease errors (denied, locked, host not
 * granted, timeout) keep their type and their message, which is written to be actionable
 * ("credential github: scope issues:delete is not granted"); any other error is reduced to one redacted line.
 */
export function toModelSafeError(guard: Guard, error: unknown, toolName: string): Error {
  if (AgentLeaseError.isInstance(error) && guard.redact(error.message) === error.message) return error;
  return new ToolExecutionError(guard.describeError(error), toolName, { cause: error });
}
