import { diag } from '@opentelemetry/api';
import type { AuditEvent, AuditSink } from './types.js';

/** Records events on the sink; says whether the write succeeded so callers can fail closed. */
export interface Auditor {
  record(event: AuditEvent): Promise<boolean>;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function createAuditor(sink: AuditSink): Auditor {
  return {
    async record(event) {
      try {
        await sink.write(event);
        return true;
      } catch (error) {
        // The sink's error may carry anything; report only that it failed and which event type.
        diag.error(`agent-lease: audit sink failed to record ${event.type}`, errorName(error));
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
