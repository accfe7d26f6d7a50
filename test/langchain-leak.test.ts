import { createLeakScanner, type LeakFinding } from '@agent-lease/testing';
import { describe, expect, it } from 'vitest';
import { ALL, LEASED, PASTED, runScenario, STREAM_MODES, type Protections } from './langchain-scenario.js';

const scanner = createLeakScanner({ leased: LEASED, pasted: PASTED });

function findings(channels: Record<string, unknown>): LeakFinding[] {
  return Object.entries(channels).flatMap(([channel, value]) => scanner.scanValue(value, channel));
}
const leakyChannels = (channels: Record<string, unknown>) =>
  [...new Set(findings(channels).map((f) => f.channel))].sort();

describe('LangChain end-to-end leak suite', () => {
  it('with guardTools + leaseMiddleware + redactAgentStream + redacted tracing, no channel leaks', async () => {
    const { channels } = await runScenario(ALL);
    // The scenario really exercised every channel.
    expect((channels['tool result'] as unknown[]).length).toBe(1);
    expect((channels['tool error'] as unknown[][])[0]).toHaveLength(1);
    expect(JSON.stringify(channels['tool error'])).toContain('Error: ');
    for (const mode of STREAM_MODES.filter((m) => m !== 'checkpoints')) {
      expect((channels[`stream:${mode}`] as unknown[]).length, mode).toBeGreaterThan(0);
    }
    expect((channels.callbacks as unknown[]).length).toBeGreaterThan(10);
    expect((channels.langsmith as unknown[]).length).toBeGreaterThan(0);
    expect((channels.spans as unknown[]).length).toBeGreaterThan(0);
    expect(JSON.stringify(channels)).toContain('[REDACTED');
    // Tokens still stream (the helper holds back only what could be a secret), and the joined text is redacted.
    expect((channels['stream:messages'] as unknown[]).length).toBeGreaterThan(10);
    expect(channels['stream:messages text']).toContain(
      'Done. The token was [REDACTED:github] and your key is [REDACTED:openai-api-key].',
    );
    expect(findings(channels)).toEqual([]);
  });

  const controls: [string, Partial<Protections>, string[]][] = [
    ['the tool wrapper', { wrapTools: false }, ['stream:tools', 'stream:custom', 'callbacks', 'langsmith']],
    ['the middleware', { middleware: false }, ['prompt']],
    ['the stream helper', { streamHelper: false }, ['stream:messages text', 'stream:values']],
    ['redacted tracing', { tracing: false }, ['callbacks', 'langsmith']],
  ];
  for (const [name, off, expected] of controls) {
    it(`control: without ${name} the suite finds leaks in ${expected.join(', ')}`, async () => {
      const { channels } = await runScenario({ ...ALL, ...off });
      const leaky = leakyChannels(channels);
      for (const channel of expected) expect(leaky, channel).toContain(channel);
    });
  }
});
