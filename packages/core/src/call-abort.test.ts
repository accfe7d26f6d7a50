import { describe, expect, it } from 'vitest';
import { CallAbort } from './call-abort.js';
import { GuardClosedError, LeaseAbortedError, LeaseTimeoutError } from './errors.js';

describe('call abort', () => {
  it('makes no AbortController until the signal is asked for, and the signal follows the abort either way', () => {
    const early = new CallAbort();
    const signal = early.signal;
    expect(signal.aborted).toBe(false);
    const reason = new LeaseTimeoutError(50);
    early.abort(reason);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);

    const late = new CallAbort();
    late.abort(reason);
    expect(late.signal.aborted).toBe(true);
    expect(late.signal.reason).toBe(reason);
  });

  it('the first reason wins', () => {
    const state = new CallAbort();
    const first = new GuardClosedError();
    state.abort(first);
    state.abort(new LeaseTimeoutError(1));
    expect(state.reason).toBe(first);
    expect(state.error()).toBe(first);
  });

  it('race settles with the work, or rejects at once on abort while the work goes on', async () => {
    const done = new CallAbort();
    await expect(done.race(Promise.resolve(7))).resolves.toBe(7);
    await expect(done.race(Promise.reject(new Error('body failed')))).rejects.toThrow('body failed');

    const state = new CallAbort();
    let finish!: (v: string) => void;
    const work = new Promise<string>((resolve) => (finish = resolve));
    const raced = state.race(work);
    const reason = new LeaseTimeoutError(10);
    state.abort(reason);
    await expect(raced).rejects.toBe(reason);
    finish('late'); // ignored
    await expect(work).resolves.toBe('late');
  });

  it('a reason that is not one of ours becomes a LeaseAbortedError with it as the cause', async () => {
    const state = new CallAbort();
    const cause = new Error('user left');
    state.abort(cause);
    const error = await state.race(new Promise(() => undefined)).catch((e: unknown) => e);
    expect(LeaseAbortedError.isInstance(error)).toBe(true);
    expect((error as Error).cause).toBe(cause);
  });

  it('racing after the abort rejects at once and does not leave the work unhandled', async () => {
    const state = new CallAbort();
    state.abort(new GuardClosedError());
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      await expect(state.race(Promise.reject(new Error('work failed')))).rejects.toSatisfy(
        GuardClosedError.isInstance,
      );
      await new Promise((r) => setTimeout(r, 10));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
