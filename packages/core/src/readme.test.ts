// The README quick start, run offline: the GitHub API is replaced by a stubbed fetch that checks the header.
import { afterEach, expect, it, vi } from 'vitest';
import { createGuard, currentLease, localBroker, memoryAudit } from './index.js';

const token = 'ghp_readmeQuickStart0123456789abcdefABCD';

afterEach(() => {
  vi.unstubAllGlobals();
});

it('runs the README quick start', async () => {
  process.env.GITHUB_TOKEN = token;
  const upstream = vi.fn((url: URL, init: RequestInit) => {
    const auth = new Headers(init.headers).get('authorization');
    return Promise.resolve(
      Response.json({
        url: url.href,
        authorized: auth === `Bearer ${token}`,
        echo: `you sent ${auth ?? ''}`,
      }),
    );
  });
  vi.stubGlobal('fetch', upstream);

  const audit = memoryAudit();
  const guard = createGuard({
    agent: { id: 'support-bot' },
    broker: localBroker({
      credentials: { github: { env: 'GITHUB_TOKEN', inject: { type: 'bearer' } } },
    }),
    grants: { github: { scopes: ['issues:*'], maxTtl: '5m', hosts: ['api.github.com'] } },
    audit: { sink: audit, failClosed: true },
    monitor: { maxLeasesPerMinute: 60, onAnomaly: 'lock' },
  });
  expect(process.env.GITHUB_TOKEN).toBeUndefined();

  const needs = {
    credential: 'github',
    scopes: (input: { repo: string }) => [`issues:write:${input.repo}`],
    ttl: '60s',
  };
  const input = { repo: 'acme/widgets', title: 'Broken build' };
  const issue = await guard.withLease(
    { tool: 'create_issue', needs, input, toolCallId: 'call-1' },
    async () => {
      const res = await currentLease('github').fetch(`https://api.github.com/repos/${input.repo}/issues`, {
        method: 'POST',
        body: JSON.stringify({ title: input.title }),
      });
      return res.json() as Promise<{ authorized: boolean; echo: string }>;
    },
  );

  expect(issue.authorized).toBe(true);
  expect(issue.echo).toBe('you sent Bearer [REDACTED:github]');
  expect(guard.leases()).toEqual([]);
  expect(audit.events().map((e) => e.type)).toEqual([
    'lease.requested',
    'lease.granted',
    'lease.used',
    'lease.revoked',
  ]);
  await guard.close();
});
