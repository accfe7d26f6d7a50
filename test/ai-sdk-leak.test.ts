import { createLeakScanner, type LeakFinding } from '@agent-lease/testing';
import { describe, expect, it } from 'vitest';
import { ALL, LEASED, PASTED, runScenario, type Protections } from './ai-sdk-scenario.js';

const scanner = createLeakScanner({ leased: LEASED, pasted: PASTED });

function findings(channels: Record<string, unknown>): LeakFinding[] {
  return Object.entries(channels).flatMap(([channel, value]) => scanner.scanValue(value, channel));
}
const leakyChannels = (channels: Record<string, unknown>) =>
  [...new Set(findings(channels).map((f) => f.channel))].sort();

describe('AI SDK end-to-end leak suite', () => {
  it('with guardTools + redactionMiddleware + RedactingSpanProcessor, no channel leaks', async () => {
    const { channels, leasesAfter } = await runScenario(ALL);
    // The scenario really exercised every channel.
    expect(channels['tool result']).toHaveLength(1);
    expect(channels['tool error']).toHaveLength(1);
    expect(JSON.stringify(channels['tool error'])).toContain('Error: 401 from tracker for token [REDACTED');
    expect((channels.stream as { type: string }[]).some((p) => p.type === 'text-delta')).toBe(true);
    expect(channels['streamed text']).toMatch(/^the user's key \[REDACTED[^\]]*\] worksIssue 7 read with /);
    const spanNames = (channels.spans as { name: string }[]).map((s) => s.name);
    expect(spanNames).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^invoke_agent/),
        expect.stringMatching(/^chat/),
        'execute_tool read_issue',
      ]),
    );
    expect(JSON.stringify(channels.spans)).toContain('gen_ai.input.messages');
    expect((channels.audit as { type: string }[]).map((e) => e.type)).toEqual(
      expect.arrayContaining(['lease.granted', 'lease.revoked', 'secret.detected']),
    );
    expect(channels.text).toMatch(
      /^Issue 7 read with \[REDACTED[^\]]*\]; your key \[REDACTED[^\]]*\] is fine\.$/,
    );
    expect(findings(channels)).toEqual([]);
    expect(leasesAfter).toBe(0);
  });

  // Each protection is load-bearing: without it, the channels it guards leak (and the suite above would fail).
  const controls: [string, Partial<Protections>, string[]][] = [
    ['the middleware', { middleware: false }, ['provider prompt', 'streamed text', 'text', 'steps']],
    ['the span processor', { processor: false }, ['spans']],
    // Without leases the guard never learns the token, so the middleware and the processor cannot catch it.
    [
      'the tool wrapper',
      { tools: false },
      ['provider prompt', 'spans', 'steps', 'stream', 'streamed text', 'text', 'tool error', 'tool result'],
    ],
  ];
  for (const [what, off, leaky] of controls) {
    it(`leaks through ${leaky.join(', ')} when ${what} is removed`, async () => {
      const { channels } = await runScenario({ ...ALL, ...off });
      expect(leakyChannels(channels)).toEqual([...leaky].sort());
    });
  }
});
