/**
 * Typed errors. Each has a stable `code` for programs and a short `message` that is safe to show to a model:
 * it never carries a secret, a stack or upstream error text. Detection uses a marker symbol rather than
 * `instanceof`, as the AI SDK does, so it survives duplicate package copies and bundling.
 */
const marker = 'agent-lease.error';
const symbol = Symbol.for(marker);

export type AgentLeaseErrorCode =
  | 'INVALID_CONFIG'
  | 'INVALID_NEEDS'
  | 'LEASE_DENIED'
  | 'AGENT_LOCKED'
  | 'HOST_NOT_ALLOWED'
  | 'BROKER_UNAVAILABLE'
  | 'AUDIT_UNAVAILABLE'
  | 'NO_ACTIVE_LEASE'
  | 'GUARD_CLOSED'
  | 'LEASE_ABORTED'
  | 'LEASE_TIMEOUT'
  | 'INVALID_SECRET';

export class AgentLeaseError extends Error {
  private readonly [symbol] = true;
  readonly code: AgentLeaseErrorCode;

  constructor(code: AgentLeaseErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AgentLeaseError';
    this.code = code;
  }

  static isInstance(error: unknown): error is AgentLeaseError {
    return AgentLeaseError.hasMarker(error);
  }

  protected static hasMarker(error: unknown, code?: AgentLeaseErrorCode): boolean {
    if (typeof error !== 'object' || error === null || !(symbol in error)) return false;
    return code === undefined || (error as { code?: unknown }).code === code;
  }
}

/** Bad configuration: `createGuard`, a broker factory or a tool's needs. `issues` lists every problem found. */
export class InvalidConfigError extends AgentLeaseError {
  readonly issues: readonly string[];
  constructor(issues: readonly string[], where = 'agent-lease config') {
    super('INVALID_CONFIG', `${where} is invalid:\n  - ${issues.join('\n  - ')}`);
    this.name = 'InvalidConfigError';
    this.issues = issues;
  }
  static override isInstance(error: unknown): error is InvalidConfigError {
    return AgentLeaseError.hasMarker(error, 'INVALID_CONFIG');
  }
}

/** The request falls outside the agent's grants (or the scope function rejected the input). The broker was not asked. */
export class LeaseDeniedError extends AgentLeaseError {
  readonly credential: string;
  readonly reason: string;
  constructor(credential: string, reason: string) {
    super('LEASE_DENIED', `credential ${credential}: ${reason}`);
    this.name = 'LeaseDeniedError';
    this.credential = credential;
    this.reason = reason;
  }
  static override isInstance(error: unknown): error is LeaseDeniedError {
    return AgentLeaseError.hasMarker(error, 'LEASE_DENIED');
  }
}

/** The agent is locked (by the monitor or by `guard.lock`) until an operator calls `guard.unlock()`. */
export class AgentLockedError extends AgentLeaseError {
  readonly agentId: string;
  constructor(agentId: string, reason: string) {
    super('AGENT_LOCKED', `agent ${agentId} is locked: ${reason}; an operator must unlock it`);
    this.name = 'AgentLockedError';
    this.agentId = agentId;
  }
  static override isInstance(error: unknown): error is AgentLockedError {
    return AgentLeaseError.hasMarker(error, 'AGENT_LOCKED');
  }
}

/** `lease.fetch` was asked to send the credential to a host outside the grant's `hosts`. */
export class HostNotAllowedError extends AgentLeaseError {
  readonly credential: string;
  readonly host: string;
  constructor(credential: string, host: string) {
    super('HOST_NOT_ALLOWED', `credential ${credential}: host ${host} is not granted`);
    this.name = 'HostNotAllowedError';
    this.credential = credential;
    this.host = host;
  }
  static override isInstance(error: unknown): error is HostNotAllowedError {
    return AgentLeaseError.hasMarker(error, 'HOST_NOT_ALLOWED');
  }
}

/** The broker could not be reached or failed; upstream detail stays in `cause`, never in the message. */
export class BrokerUnavailableError extends AgentLeaseError {
  readonly credential: string | undefined;
  constructor(message: string, options?: { cause?: unknown; credential?: string }) {
    super('BROKER_UNAVAILABLE', message, options);
    this.name = 'BrokerUnavailableError';
    this.credential = options?.credential;
  }
  static override isInstance(error: unknown): error is BrokerUnavailableError {
    return AgentLeaseError.hasMarker(error, 'BROKER_UNAVAILABLE');
  }
}

/** The audit sink failed to record a grant while `failClosed` is on; the lease was revoked. */
export class AuditUnavailableError extends AgentLeaseError {
  constructor(options?: { cause?: unknown }) {
    super('AUDIT_UNAVAILABLE', 'audit log unavailable: the credential was not issued', options);
    this.name = 'AuditUnavailableError';
  }
  static override isInstance(error: unknown): error is AuditUnavailableError {
    return AgentLeaseError.hasMarker(error, 'AUDIT_UNAVAILABLE');
  }
}

/** `currentLease(name)` was called outside a guarded call, or for a credential the call did not lease. */
export class NoActiveLeaseError extends AgentLeaseError {
  constructor(message: string) {
    super('NO_ACTIVE_LEASE', message);
    this.name = 'NoActiveLeaseError';
  }
  static override isInstance(error: unknown): error is NoActiveLeaseError {
    return AgentLeaseError.hasMarker(error, 'NO_ACTIVE_LEASE');
  }
}

/** `guard.close()` was called; the guard refuses new calls. */
export class GuardClosedError extends AgentLeaseError {
  constructor() {
    super('GUARD_CLOSED', 'the guard is closed and issues no more leases');
    this.name = 'GuardClosedError';
  }
  static override isInstance(error: unknown): error is GuardClosedError {
    return AgentLeaseError.hasMarker(error, 'GUARD_CLOSED');
  }
}

/** The caller's abort signal fired; the lease was revoked. */
export class LeaseAbortedError extends AgentLeaseError {
  constructor(options?: { cause?: unknown }) {
    super('LEASE_ABORTED', 'the tool call was aborted; its lease was revoked', options);
    this.name = 'LeaseAbortedError';
  }
  static override isInstance(error: unknown): error is LeaseAbortedError {
    return AgentLeaseError.hasMarker(error, 'LEASE_ABORTED');
  }
}

/** The call ran past its timeout; the lease was revoked. */
export class LeaseTimeoutError extends AgentLeaseError {
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super('LEASE_TIMEOUT', `the tool call timed out after ${timeoutMs} ms; its lease was revoked`);
    this.name = 'LeaseTimeoutError';
    this.timeoutMs = timeoutMs;
  }
  static override isInstance(error: unknown): error is LeaseTimeoutError {
    return AgentLeaseError.hasMarker(error, 'LEASE_TIMEOUT');
  }
}

/** A secret value that the redactor cannot match safely (for example shorter than its minimum length). */
export class InvalidSecretError extends AgentLeaseError {
  constructor(message: string) {
    super('INVALID_SECRET', message);
    this.name = 'InvalidSecretError';
  }
  static override isInstance(error: unknown): error is InvalidSecretError {
    return AgentLeaseError.hasMarker(error, 'INVALID_SECRET');
  }
}
