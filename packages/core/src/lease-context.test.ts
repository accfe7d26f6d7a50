import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { NoActiveLeaseError } from './errors.js';
import { currentLease } from './lease-context.js';
import { sleep, testGuard } from './test-utils.js';

const needs = { credential: 'github', scopes: ['issues:write'], ttl: '60s' };
/** Node 20 and 22 (async hooks): the storage is switched off between calls. */
const hooksBased = typeof (AsyncLocalStorage.prototype as { _propagate?: unknown })._propagate === 'function';

describe('currentLease: the call context', () => {
  it('follows each of two overlapping calls across awaits, also after the other one ended', async () => {
    const { guard } = testGuard();
    const seen: boolean[] = [];
    const short = guard.withLease({ tool: 'short', needs }, async (lease) => {
      await sleep(5);
      seen.push(currentLease('github') === lease);
    });
    const long = guard.withLease({ tool: 'long', needs }, async (lease) => {
      await sleep(40); // `short` has settled by now: the storage must still be on for this body
      seen.push(currentLease('github') === lease);
      await Promise.resolve();
      seen.push(currentLease('github') === lease);
    });
    await Promise.all([short, long]);
    expect(seen).toEqual([true, true, true]);
    await guard.close();
  });

  it('an outer call sees its own lease again after a nested call ended', async () => {
    const { guard } = testGuard();
    const result = await guard.withLease({ tool: 'outer', needs }, async (outer) => {
      await guard.withLease({ tool: 'inner', needs }, async (inner) => {
        await sleep(1);
        expect(currentLease('github')).toBe(inner);
      });
      await sleep(1);
      return currentLease('github') === outer;
    });
    expect(result).toBe(true);
    await guard.close();
  });

  it('a nested tool without needs cannot use the enclosing call’s lease', async () => {
    const { guard } = testGuard();
    const inside = await guard.withLease({ tool: 'outer', needs }, () =>
      guard.withLease({ tool: 'no-needs' }, async () => {
        await sleep(1);
        try {
          currentLease('github');
          return 'lease visible';
        } catch (error) {
          return NoActiveLeaseError.isInstance(error) ? 'refused' : 'other error';
        }
      }),
    );
    expect(inside).toBe('refused');
    await guard.close();
  });

  it('a tool without needs outside any call gets NoActiveLeaseError', async () => {
    const { guard } = testGuard();
    await expect(
      guard.withLease({ tool: 'no-needs' }, async () => {
        await sleep(1);
        return currentLease('github');
      }),
    ).rejects.toSatisfy(NoActiveLeaseError.isInstance);
    await guard.close();
  });

  it('work a body left behind cannot use the lease once the call ended', async () => {
    const { guard } = testGuard();
    let later: Promise<unknown> = Promise.resolve();
    await guard.withLease({ tool: 't', needs }, () => {
      later = sleep(20).then(() => currentLease('github').reveal());
    });
    await expect(later).rejects.toSatisfy(NoActiveLeaseError.isInstance);
    if (hooksBased) {
      // With no call running the storage is off, so the left-behind work finds no call at all.
      let message = '';
      await guard.withLease({ tool: 't', needs }, () => {
        later = sleep(20).then(() => currentLease('github'));
      });
      await later.catch((error: unknown) => (message = (error as Error).message));
      expect(message).toMatch(/^currentLease\(\) found no lease/);
    }
    await guard.close();
  });
});
