import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AuditEvent, AuditSink } from './types.js';

export interface MemoryAuditSink extends AuditSink {
  /** Events in order, oldest first (at most `capacity`). */
  events(): AuditEvent[];
  clear(): void;
}

/** The default sink: a ring of the last `capacity` events in memory. */
export function memoryAudit(options: { capacity?: number } = {}): MemoryAuditSink {
  const capacity = options.capacity ?? 10_000;
  const ring: AuditEvent[] = [];
  let start = 0;
  return {
    write(event) {
      if (ring.length < capacity) ring.push(event);
      else {
        ring[start] = event;
        start = (start + 1) % capacity;
      }
    },
    events: () => [...ring.slice(start), ...ring.slice(0, start)],
    clear() {
      ring.length = 0;
      start = 0;
    },
  };
}

/**
 * Appends one JSON line per event. `write` resolves only after the line reached the file, so a fail-closed guard
 * knows the grant was recorded before it hands out the credential. Writes are serialised to keep lines whole.
 */
export function jsonlAudit(path: string): AuditSink {
  let handle: Promise<FileHandle> | undefined;
  let tail: Promise<void> = Promise.resolve();
  const file = () =>
    (handle ??= mkdir(dirname(path), { recursive: true })
      .then(() => open(path, 'a'))
      .catch((error: unknown) => {
        handle = undefined; // retry on the next write rather than caching the failure
        throw error;
      }));
  return {
    write(event) {
      const line = `${JSON.stringify(event)}\n`;
      const next = tail.then(async () => {
        await (await file()).appendFile(line, 'utf8');
      });
      tail = next.catch(() => undefined);
      return next;
    },
    async flush() {
      await tail;
    },
    async close() {
      await tail;
      if (handle) await (await handle).close();
      handle = undefined;
    },
  };
}

/** Hands each event to a function (send it to a SIEM, a queue, a logger). A throw or rejection means "not recorded". */
export function callbackAudit(fn: (event: AuditEvent) => void | Promise<void>): AuditSink {
  return { write: (event) => fn(event) };
}

/** Writes to every sink; fails when any sink fails, so fail-closed stays meaningful. */
export function teeAudit(...sinks: AuditSink[]): AuditSink {
  return {
    async write(event) {
      await Promise.all(
        sinks.map(async (s) => {
          await s.write(event);
        }),
      );
    },
    async flush() {
      await Promise.all(sinks.map((s) => s.flush?.() ?? Promise.resolve()));
    },
    async close() {
      await Promise.all(sinks.map((s) => s.close?.() ?? Promise.resolve()));
    },
  };
}
