import { describe, expect, it, vi } from 'vitest';
import { createSecretRegistry } from './secret-registry.js';

describe('secret registry', () => {
  it('registers a value once however many leases hold it, and unregisters after the last release plus grace', () => {
    vi.useFakeTimers();
    try {
      const unregister = vi.fn();
      const register = vi.fn(() => unregister);
      const registry = createSecretRegistry({ register }, (v) => `fp(${v.length})`, 1_000);
      const a = registry.hold('static-key-123456', 'github');
      const b = registry.hold('static-key-123456', 'github');
      expect(register).toHaveBeenCalledTimes(1);
      expect(a.fingerprint).toBe('fp(17)');
      a.release();
      a.release(); // idempotent
      vi.advanceTimersByTime(5_000);
      expect(unregister).not.toHaveBeenCalled();
      b.release();
      vi.advanceTimersByTime(999);
      expect(unregister).not.toHaveBeenCalled();
      // Held again within the grace period: the pending unregister is cancelled.
      const c = registry.hold('static-key-123456', 'github');
      vi.advanceTimersByTime(5_000);
      expect(unregister).not.toHaveBeenCalled();
      c.release();
      vi.advanceTimersByTime(1_000);
      expect(unregister).toHaveBeenCalledTimes(1);
      expect(registry.size).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps the same value under two labels apart, and registers nothing when the redactor refuses', () => {
    const register = vi.fn((value: string) => {
      if (value.length < 8) throw new Error('too short');
      return () => undefined;
    });
    const registry = createSecretRegistry({ register }, (v) => v, 10);
    registry.hold('value-123456', 'a');
    registry.hold('value-123456', 'b');
    expect(register).toHaveBeenCalledTimes(2);
    expect(() => registry.hold('short', 'a')).toThrow('too short');
    expect(registry.size).toBe(2);
  });
});
