import type { Guard, ToolCall } from '@agent-lease/core';
import { toModelSafeError } from './tool-error.js';

type Command = 'next' | 'stop';

/** A one-slot hand-over between two async loops that take turns (never more than one value in flight). */
class Slot<T> {
  private value: { v: T } | undefined;
  private waiter: ((v: T) => void) | undefined;

  put(v: T): void {
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w(v);
    } else this.value = { v };
  }

  take(): Promise<T> {
    const held = this.value;
    if (held) {
      this.value = undefined;
      return Promise.resolve(held.v);
    }
    return new Promise((resolve) => (this.waiter = resolve));
  }
}

const ENDED = Symbol('ended');

/**
 * Runs a streaming tool (an `execute` that yields preliminary results) inside one lease. The lease must stay
 * live while the generator runs and be revoked when it finishes, throws or is abandoned; and the generator
 * body must run inside the lease's async context so `currentLease()` works in it. So the source is pulled
 * from *within* `guard.withLease`, one value per request of the consumer (no read-ahead), and each value is
 * redacted before it leaves. Closing the returned generator early stops the source (`return()`) and waits for
 * the revocation. The lease is acquired on the first `next()`, so an iterable nobody reads never takes one.
 */
export async function* leasedIterable<T>(
  guard: Guard,
  call: ToolCall,
  open: () => AsyncIterable<T> | Iterable<T>,
): AsyncGenerator<T, void, undefined> {
  const commands = new Slot<Command>();
  const results = new Slot<IteratorResult<T, undefined>>();
  commands.put('next');
  const run = guard.withLease(call, async () => {
    const source = open();
    const it: AsyncIterator<T> | Iterator<T> =
      Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
    let done = false;
    try {
      while ((await commands.take()) === 'next') {
        const r = await it.next();
        if (r.done === true) {
          done = true;
          results.put({ done: true, value: undefined });
          return;
        }
        results.put({ done: false, value: guard.redactDeep(r.value) });
      }
    } finally {
      if (!done) await it.return?.();
    }
  });
  const ended = run.then((): typeof ENDED => ENDED);
  // The consumer may stop between values; a rejection seen only by `finally` must not become unhandled.
  ended.catch(() => undefined);
  try {
    for (;;) {
      const r = await Promise.race([results.take(), ended]);
      if (r === ENDED || r.done === true) break;
      yield r.value;
      commands.put('next');
    }
    await run;
  } catch (error) {
    throw toModelSafeError(guard, error, call.tool);
  } finally {
    commands.put('stop');
    await run.catch(() => undefined);
  }
}
