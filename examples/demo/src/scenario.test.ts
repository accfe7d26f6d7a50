import { describe, expect, it } from 'vitest';
import { checkLeaks, renderNarrative, renderProof, renderSpanTree } from './report.js';
import { PASTED_AWS_KEY_ID, runScenario } from './scenario.js';

describe('demo scenario', () => {
  it('every step behaves as narrated and nothing leaks through any channel', async () => {
    const result = await runScenario();
    expect(result.steps.map((s) => [s.n, s.ok])).toEqual([
      [1, true],
      [2, true],
      [3, true],
      [4, true],
      [5, true],
      [6, true],
    ]);
    const printed = `${renderNarrative(result, false)}\n${renderSpanTree(result.spans, false)}`;
    const check = checkLeaks(result, printed);
    expect(check.findings).toEqual([]);
    expect(check.canaryCount).toBeGreaterThan(5);
    expect(check.bytesByChannel.spans).toBeGreaterThan(10_000);
    expect(renderProof(check, false)).toContain('leak scanner: 0 occurrences');
    // The pasted key reached the AI SDK's own spans before redaction: the processor is what removed it.
    expect(printed).toContain('execute_tool create_issue');
    expect(result.audit.some((e) => e.type === 'agent.locked')).toBe(true);
    // The tool's careless debug log reached the log exporter scrubbed, and audit events arrived as log records.
    const records = JSON.parse(result.captured.logs ?? '[]') as { body?: unknown }[];
    const debug = records.find((r) => typeof r.body === 'string' && r.body.startsWith('tracker answered'));
    expect(debug?.body).toContain('"authorization":"Bearer [REDACTED:tracker]"');
    expect(result.captured.logs).toContain('lease.granted');
  });

  it('runs the same six steps through LangChain (createAgent, guardTools, leaseMiddleware) without a leak', async () => {
    const result = await runScenario({ framework: 'langchain' });
    expect(result.steps.filter((s) => !s.ok).map((s) => s.n)).toEqual([]);
    expect(result.spans.some((s) => s.name === 'execute_tool create_issue')).toBe(true);
    expect(checkLeaks(result, renderNarrative(result, false)).findings).toEqual([]);
  });

  it('runs the same scenario on the Vault broker and leaves nothing live on the server', async () => {
    const result = await runScenario({ broker: 'vault' });
    expect(result.steps.every((s) => s.ok)).toBe(true);
    expect(result.vaultLeft).toEqual({ tokens: 0, leases: 0 });
    expect(checkLeaks(result, '').findings).toEqual([]);
    expect(Object.keys(result.canaries)).toContain('vault-broker-token');
  });

  it('the leak check would report a secret in any channel (it can fail)', async () => {
    const result = await runScenario();
    const planted = {
      ...result,
      captured: { ...result.captured, spans: `${result.captured.spans} ${PASTED_AWS_KEY_ID}` },
    };
    const check = checkLeaks(planted, '');
    expect(check.findings.map((f) => [f.canary, f.channel])).toContainEqual(['aws-access-key-id', 'spans']);
    expect(renderProof(check, false)).toContain('LEAKS');
  });
});
