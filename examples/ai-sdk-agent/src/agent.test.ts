import { createLeakScanner } from '@agent-lease/testing';
import { expect, it } from 'vitest';
import { runAgent } from './agent.js';
import { scriptedModel } from './scripted-model.js';

const TOKEN = 'trk_exampleCanary9d8c7b6a5f4e3d2c1b0a';
const PASTED = 'AKIAQ7W3E5R7T9Y2U4I6';

it('runs offline: the tools use the leased token, nothing leaks, the write is denied', async () => {
  const run = await runAgent({
    model: scriptedModel,
    trackerToken: TOKEN,
    prompt: (repo) => `List the open issues in ${repo}, then close issue 1. My AWS key is ${PASTED}.`,
  });
  expect(run.upstreamAuthorized).toBe(1);
  expect(run.liveLeasesAfter).toBe(0);
  expect(run.streamed).toContain('Login button does nothing on Safari');
  expect(run.streamed).toContain('"request_auth":"Bearer [REDACTED');
  expect(run.streamed).toContain('My AWS key is [REDACTED');
  expect(run.streamed).toContain('credential tracker: scope issues:write:acme/web is not granted');
  expect(run.audit.map((e) => e.type)).toEqual(
    expect.arrayContaining(['lease.granted', 'lease.revoked', 'lease.denied', 'secret.detected']),
  );
  expect(createLeakScanner({ tracker: TOKEN, pasted: PASTED }).scanValue(run, 'run')).toEqual([]);
});
