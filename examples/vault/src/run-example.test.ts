import { expect, it } from 'vitest';
import { runExample } from './run-example.js';

it('runs offline: KV secret injected, dynamic creds issued, everything revoked at close', async () => {
  const result = await runExample(() => undefined);
  expect(result.issueCreated).toBe('#42');
  expect(result.roundTrips).toEqual([2, 2]);
  expect(result.liveTokensAfterClose).toBe(0);
  expect(result.liveLeasesAfterClose).toBe(0);
  expect(result.redactedEcho).toMatch(/^connecting with password=\S+$/);
  expect(result.redactedEcho).not.toMatch(/A1a-/);
});
