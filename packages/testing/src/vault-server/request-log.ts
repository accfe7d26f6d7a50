import { createHmac, randomBytes } from 'node:crypto';

/**
 * The server's request log, shaped like a Vault audit device: every string value is HMAC-SHA256'd with a per-server
 * key (`hmac-sha256:<hex>`), numbers and booleans stay in clear. Tests compare against `hmac(expected)`.
 */
export interface RequestLogEntry {
  time: number;
  method: string;
  /** Path below `/v1/`, in clear as Vault's audit log shows it. */
  path: string;
  clientToken: string | null;
  body: unknown;
  status: number;
  /** The injected fault, if any, e.g. `status 503`, `reset`, `latency`. */
  fault?: string;
  /** Whether the fault hit before the request was performed, or after (response lost). */
  faultPhase?: 'before' | 'after';
  wrapTtl?: string;
}

export class RequestLog {
  private readonly key = randomBytes(32);
  readonly entries: RequestLogEntry[] = [];

  hmac(value: string): string {
    return `hmac-sha256:${createHmac('sha256', this.key).update(value).digest('hex')}`;
  }

  hmacDeep(value: unknown): unknown {
    if (typeof value === 'string') return this.hmac(value);
    if (Array.isArray(value)) return value.map((v) => this.hmacDeep(v));
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.hmacDeep(v)]));
    }
    return value;
  }
}
