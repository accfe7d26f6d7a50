import type { Redactor } from './redaction/types.js';

/** One registration held by a lease; `release` is idempotent. */
export interface HeldSecret {
  readonly fingerprint: string;
  release(): void;
}

/**
 * Reference-counts the values leases hand out. Brokers often return the same value lease after lease (a static
 * key); registering it once instead of per lease keeps the redactor's tables and the HMAC work flat. When the last
 * lease holding a value ends, the value stays registered for the grace period, so late echoes are still caught.
 */
export function createSecretRegistry(
  redactor: Pick<Redactor, 'register'>,
  fingerprint: (value: string) => string,
  graceMs: number,
) {
  interface Entry {
    count: number;
    unregister: () => void;
    fingerprint: string;
    timer: NodeJS.Timeout | undefined;
  }
  const entries = new Map<string, Entry>();

  return {
    /** Throws (from the redactor) when the value cannot be redacted safely; nothing is registered then. */
    hold(value: string, label: string): HeldSecret {
      const key = `${label}\u0000${value}`;
      let entry = entries.get(key);
      if (entry) {
        entry.count++;
        if (entry.timer) clearTimeout(entry.timer);
        entry.timer = undefined;
      } else {
        entry = {
          count: 1,
          unregister: redactor.register(value, label),
          fingerprint: fingerprint(value),
          timer: undefined,
        };
        entries.set(key, entry);
      }
      const held = entry;
      let released = false;
      return {
        fingerprint: held.fingerprint,
        release() {
          if (released) return;
          released = true;
          if (--held.count > 0) return;
          held.timer = setTimeout(() => {
            if (held.count > 0) return;
            entries.delete(key);
            held.unregister();
          }, graceMs);
          held.timer.unref();
        },
      };
    },
    /** Values currently registered (held or in their grace period). */
    get size() {
      return entries.size;
    },
  };
}
