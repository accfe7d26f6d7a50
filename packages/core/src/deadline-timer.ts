import { AsyncResource } from 'node:async_hooks';

/** A scheduled callback; `cancel` is idempotent and cheap. */
export interface Deadline {
  cancel(): void;
}

export interface DeadlineTimer {
  /**
   * Runs `fn` once, `delayMs` from now (monotonic time, like setTimeout: a wall-clock change moves no deadline), unless cancelled first. Unlike setTimeout, `fn`
   * runs in the async context the timer was created in, not the caller's: bind it (AsyncResource.bind) if it
   * needs the caller's.
   */
  after(delayMs: number, fn: () => void): Deadline;
  /** Scheduled callbacks not yet run or cancelled. */
  readonly size: number;
}

class Entry implements Deadline {
  constructor(
    readonly entries: Set<Entry>,
    readonly due: number,
    readonly fn: () => void,
  ) {}
  cancel(): void {
    this.entries.delete(this);
  }
}

/** setTimeout fires after 1 ms when asked to wait longer than 2^31-1 ms. */
const MAX_DELAY = 2 ** 31 - 1;

/**
 * Many deadlines on one unref'd Node timer. A guard used to start a setTimeout per lease (its lifetime) and one per
 * call (the bounded wait for the revoke), and clear almost all of them microseconds later: each cost a Timeout
 * object, a timer-list insert and removal, and an async-hooks resource, a measurable share of a guarded call. Here
 * adding and cancelling is a Set insert and delete; the one timer is re-armed only when a new deadline is earlier
 * than the armed one, and when it fires it runs what is due and re-arms for the earliest that is left. Entries are
 * scanned linearly: they are the live leases and calls of one guard, a short list.
 * The Node timer is always started in the async context the deadline timer was created in, so it does not keep
 * whichever call happened to arm it (its AsyncLocalStorage stores, its spans) reachable until it fires.
 * Written by hand because timer wheels on npm are built for many thousands of timers and bring their own clocks.
 */
export function createDeadlineTimer(): DeadlineTimer {
  const entries = new Set<Entry>();
  const scope = new AsyncResource('agent-lease.deadline-timer');
  let timer: NodeJS.Timeout | undefined;
  let armedAt = Infinity;

  const start = (delay: number) => setTimeout(fire, delay);
  const arm = (due: number) => {
    if (timer !== undefined) clearTimeout(timer);
    armedAt = due;
    timer = scope.runInAsyncScope(
      start,
      undefined,
      Math.min(Math.max(due - performance.now(), 1), MAX_DELAY),
    );
    timer.unref();
  };

  function fire() {
    timer = undefined;
    armedAt = Infinity;
    const now = performance.now();
    const due: Entry[] = [];
    let next = Infinity;
    for (const e of entries) {
      if (e.due <= now) due.push(e);
      else if (e.due < next) next = e.due;
    }
    for (const e of due) entries.delete(e);
    if (next !== Infinity) arm(next);
    // Each callback runs on its own: one that throws must not stop the others (setTimeout gave each its own turn).
    for (const e of due) {
      try {
        e.fn();
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  return {
    after(delayMs, fn) {
      const entry = new Entry(entries, performance.now() + delayMs, fn);
      entries.add(entry);
      if (entry.due < armedAt) arm(entry.due);
      return entry;
    },
    get size() {
      return entries.size;
    },
  };
}
