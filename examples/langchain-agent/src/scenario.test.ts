import { createLeakScanner } from '@agent-lease/testing';
import { describe, expect, it } from 'vitest';
import { runLangchainScenario } from './scenario.js';

describe('examples/langchain-agent', () => {
  it('runs offline: every step holds and no secret reaches any channel', async () => {
    const result = await runLangchainScenario();
    expect(result.steps.map((s) => [s.n, s.ok])).toEqual([
      [1, true],
      [2, true],
      [3, true],
      [4, true],
      [5, true],
    ]);
    expect(result.answer).toContain('[REDACTED:tracker]');
    const scanner = createLeakScanner(result.canaries);
    const found = Object.entries(result.captured).flatMap(([channel, text]) => scanner.scan(text, channel));
    expect(found).toEqual([]);
  });
});
