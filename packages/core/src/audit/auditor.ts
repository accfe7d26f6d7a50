import { diag } from '@opentelemetry/api';
import type { AuditEvent, AuditSink } from './types.js';

/** Records events on the sink; says whether the write succeeded so callers can fail closed. */
export interface Auditor {
  /**
   * A boolean at once when the sink wrote synchronously (memory, callback sinks), else a promise of one: the call
   * path skips a promise and a microtask per event when it can.
   */
  record(event: AuditEvent): boolean | Promise<boolean>;
  /**
   * For synchronous callers (`lease.reveal()`): false when the sink throws at once or the last write failed.
   * An asynchronous rejection of this very write is only seen by the next call.
   */
  recordNow(event: AuditEvent): boolean;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function createAuditor(
  sink: AuditSink,
  prepare: (event: AuditEvent) => AuditEvent = (e) => e,
): Auditor {
  let lastFailed = false;
  const failed = (event: AuditEvent, error: unknown) => {
    lastFailed = true;
    // The sink's error may carry anything; report only that it failed and which event type.
    diag.error(`agent-lease: audit sink failed to record ${event.type}`, errorName(error));
  };
  return {
    record(event) {
      let pending: void | Promise<void>;
      try {
        pending = sink.write(prepare(event));
      } catch (error) {
        failed(event, error);
        return false;
      }
      if (pending === undefined) {
        lastFailed = false;
        return true;
      }
      return Promise.resolve(pending).then(
        () => {
          lastFailed = false;
          return true;
        },
        (error: unknown) => {
          failed(event, error);
          return false;
        },
      );
    },
    recordNow(event) {
      if (lastFailed) return false;
      try {
        const pending = sink.write(prepare(event));
        if (pending) {
          pending.then(
            () => undefined,
            (error: unknown) => {
              failed(event, error);
            },
          );
        }
        return true;
      } catch (error) {
        failed(event, error);
        return false;
      }
    },
    async flush() {
      await sink.flush?.();
    },
    async close() {
      await sink.close?.();
    },
  };
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
