import { createDeadlineTimer, type Deadline, type DeadlineTimer } from './deadline-timer.js';
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
  // A static key is released and held again on every call: a shared deadline timer makes that a Set delete and
  // insert instead of a Node timer started and cleared per call.
  timer: DeadlineTimer = createDeadlineTimer(),
) {
  /** One registered value; lives on through its grace period after the last lease let go of it. */
  class Entry {
    count = 1;
    timer: Deadline | undefined;
    constructor(
      readonly values: Map<string, Entry>,
      readonly value: string,
      readonly unregister: () => void,
      readonly fingerprint: string,
    ) {}
    /** Made once per entry, not once per release. */
    readonly expire = () => {
      if (this.count > 0) return;
      this.values.delete(this.value);
      size--;
      this.unregister();
    };
  }

  /** What one lease holds; `release` is idempotent. */
  class Hold implements HeldSecret {
    #released = false;
    constructor(readonly entry: Entry) {}
    get fingerprint(): string {
      return this.entry.fingerprint;
    }
    release(): void {
      if (this.#released) return;
      this.#released = true;
      const entry = this.entry;
      if (--entry.count > 0) return;
      entry.timer = timer.after(graceMs, entry.expire);
    }
  }

  // By label, then value: the value string a broker hands out lease after lease is the same string, so the lookup
  // hashes nothing new (a combined "label\0value" key was a fresh string to hash on every call).
  const byLabel = new Map<string, Map<string, Entry>>();
  let size = 0;

  return {
    /** Throws (from the redactor) when the value cannot be redacted safely; nothing is registered then. */
    hold(value: string, label: string): HeldSecret {
      let values = byLabel.get(label);
      if (!values) {
        values = new Map();
        byLabel.set(label, values);
      }
      let entry = values.get(value);
      if (entry) {
        entry.count++;
        entry.timer?.cancel();
        entry.timer = undefined;
      } else {
        entry = new Entry(values, value, redactor.register(value, label), fingerprint(value));
        values.set(value, entry);
        size++;
      }
      return new Hold(entry);
    },
    /** Values currently registered (held or in their grace period). */
    get size() {
      return size;
    },
  };
}
