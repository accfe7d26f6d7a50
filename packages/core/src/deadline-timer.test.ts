import { AsyncLocalStorage } from 'node:async_hooks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDeadlineTimer } from './deadline-timer.js';

describe('deadline timer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs each callback at its deadline, in time order, whatever order they were added in', () => {
    const timer = createDeadlineTimer();
    const fired: string[] = [];
    timer.after(300, () => fired.push(`c@${Date.now()}`));
    timer.after(100, () => fired.push(`a@${Date.now()}`));
    timer.after(200, () => fired.push(`b@${Date.now()}`));
    const start = Date.now();
    vi.advanceTimersByTime(99);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([`a@${start + 100}`]);
    vi.advanceTimersByTime(200);
    expect(fired).toEqual([`a@${start + 100}`, `b@${start + 200}`, `c@${start + 300}`]);
    expect(timer.size).toBe(0);
  });

  it('keeps to monotonic time: a wall clock set back an hour does not postpone a lease deadline', () => {
    const timer = createDeadlineTimer();
    const fn = vi.fn();
    timer.after(100, fn);
    vi.setSystemTime(Date.now() - 3_600_000);
    vi.advanceTimersByTime(100);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('an earlier deadline added later is not held up by the armed one', () => {
    const timer = createDeadlineTimer();
    const late = vi.fn();
    const early = vi.fn();
    timer.after(60_000, late);
    timer.after(50, early);
    vi.advanceTimersByTime(50);
    expect(early).toHaveBeenCalledTimes(1);
    expect(late).not.toHaveBeenCalled();
    vi.advanceTimersByTime(59_950);
    expect(late).toHaveBeenCalledTimes(1);
  });

  it('a cancelled callback never runs; cancelling the earliest does not delay the rest', () => {
    const timer = createDeadlineTimer();
    const cancelled = vi.fn();
    const kept = vi.fn();
    const d = timer.after(10, cancelled);
    timer.after(20, kept);
    d.cancel();
    d.cancel(); // idempotent
    expect(timer.size).toBe(1);
    vi.advanceTimersByTime(20);
    expect(cancelled).not.toHaveBeenCalled();
    expect(kept).toHaveBeenCalledTimes(1);
  });

  it('uses one Node timer however many deadlines are pending', () => {
    const timer = createDeadlineTimer();
    const before = vi.getTimerCount();
    for (let i = 0; i < 100; i++) timer.after(1_000 + i, () => undefined).cancel();
    for (let i = 0; i < 100; i++) timer.after(5_000 + i, () => undefined);
    expect(vi.getTimerCount() - before).toBe(1);
    const spy = vi.spyOn(globalThis, 'setTimeout');
    timer.after(9_000, () => undefined); // later than the armed deadline: no new Node timer
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });

  it('a callback added from a firing callback, and one that throws, do not stop the others', () => {
    // The error is rethrown in a microtask, as an uncaught timer error would surface; caught here instead.
    const rethrown: (() => void)[] = [];
    const spy = vi.spyOn(globalThis, 'queueMicrotask').mockImplementation((job) => rethrown.push(job));
    const timer = createDeadlineTimer();
    const order: string[] = [];
    timer.after(10, () => {
      order.push('first');
      timer.after(10, () => order.push('added'));
      throw new Error('boom');
    });
    timer.after(10, () => order.push('second'));
    vi.advanceTimersByTime(10);
    spy.mockRestore();
    expect(order).toEqual(['first', 'second']);
    expect(rethrown).toHaveLength(1);
    expect(rethrown[0]).toThrow('boom');
    vi.advanceTimersByTime(10);
    expect(order).toEqual(['first', 'second', 'added']);
  });

  it('clamps very long delays to what setTimeout can wait, and re-arms until the deadline', () => {
    const timer = createDeadlineTimer();
    const fn = vi.fn();
    timer.after(2 ** 31 + 5_000, fn);
    vi.advanceTimersByTime(2 ** 31 - 1);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(5_001);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('does not keep the process alive (its timer is unref-ed)', () => {
    vi.useRealTimers();
    const refed = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = refed();
    const d = createDeadlineTimer().after(60_000, () => undefined);
    expect(refed()).toBe(before);
    d.cancel();
  });

  it('runs callbacks in the context it was created in, not in the context of whoever armed it', async () => {
    vi.useRealTimers(); // fake timers do not carry async context
    const als = new AsyncLocalStorage<string>();
    const timer = als.run('created', () => createDeadlineTimer());
    const seen: (string | undefined)[] = [];
    als.run('call-1', () => timer.after(10, () => seen.push(als.getStore())));
    als.run('call-2', () => timer.after(20, () => seen.push(als.getStore())));
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(seen).toEqual(['created', 'created']);
  });
});
