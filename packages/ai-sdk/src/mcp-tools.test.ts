import { currentLease } from '@agent-lease/core';
import { createMCPClient } from '@ai-sdk/mcp';
import { createLeakScanner } from '@agent-lease/testing';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { generateText, isStepCount } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { guardTools } from './guard-tools.js';
import { GITHUB_TOKEN, promptsOf, scriptedModel, testGuard } from './test-fixtures.js';

const leaks = createLeakScanner({ github: GITHUB_TOKEN });

/** An MCP server in this process whose tool echoes the credential it was called with (a leaky upstream). */
async function connect() {
  const server = new McpServer({ name: 'issues', version: '1.0.0' });
  const seenAuth: string[] = [];
  server.registerTool(
    'search_issues',
    { description: 'Search issues', inputSchema: { query: z.string(), auth: z.string() } },
    ({ query, auth }) => {
      seenAuth.push(auth);
      return { content: [{ type: 'text', text: `3 issues match "${query}" (authorized as ${auth})` }] };
    },
  );
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = await createMCPClient({ transport: clientSide });
  return { client, server, seenAuth };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('guardTools with MCP tools from @ai-sdk/mcp', () => {
  it('leases per call around an MCP tool and redacts what the server returns', async () => {
    const { guard, audit } = testGuard();
    const { client, server, seenAuth } = await connect();
    cleanups.push(
      () => client.close(),
      () => server.close(),
      () => guard.close(),
    );

    const discovered = await client.tools();
    expect(discovered.search_issues?.type).toBe('dynamic');
    // The credential reaches the MCP call at call time through the lease, never through the model's arguments.
    const withAuth = {
      search_issues: {
        ...discovered.search_issues!,
        execute: (
          input: unknown,
          options: Parameters<NonNullable<(typeof discovered)['search_issues']['execute']>>[1],
        ) =>
          discovered.search_issues!.execute(
            { ...(input as object), auth: currentLease('github').reveal() },
            options,
          ),
      },
    };
    const tools = guardTools(guard, withAuth, {
      search_issues: { credential: 'github', scopes: ['issues:read'] },
    });

    const model = scriptedModel('search_issues', { query: 'flaky test', auth: 'none' });
    const result = await generateText({ model, tools, prompt: 'find flaky tests', stopWhen: isStepCount(3) });

    expect(seenAuth).toEqual([GITHUB_TOKEN]);
    const output = JSON.stringify(result.steps[0]?.toolResults[0]?.output);
    expect(output).toContain('3 issues match \\"flaky test\\"');
    expect(leaks.scanValue(result.steps, 'steps')).toEqual([]);
    expect(leaks.scanValue(promptsOf(model), 'next prompt')).toEqual([]);
    expect(audit.events().filter((e) => e.type === 'lease.revoked')).toHaveLength(1);
    expect(guard.leases()).toEqual([]);
  });

  it('wraps discovered MCP tools directly and keeps toModelOutput', async () => {
    const { guard, audit } = testGuard();
    const { client, server } = await connect();
    cleanups.push(
      () => client.close(),
      () => server.close(),
      () => guard.close(),
    );
    const discovered = await client.tools();
    const tools = guardTools(guard, discovered, {
      search_issues: { credential: 'github', scopes: ['issues:read'] },
    });
    expect(tools.search_issues?.toModelOutput).toBe(discovered.search_issues?.toModelOutput);

    const model = scriptedModel('search_issues', { query: 'q', auth: 'x' });
    await generateText({ model, tools, prompt: 'x', stopWhen: isStepCount(3) });
    const toolMessage = model.doGenerateCalls[1]?.prompt.find((m) => m.role === 'tool');
    expect(JSON.stringify(toolMessage)).toContain('3 issues match');
    expect(audit.events().filter((e) => e.type === 'lease.granted')).toHaveLength(1);
  });
});
