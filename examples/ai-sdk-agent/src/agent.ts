import { guardTools, redactionMiddleware } from '@agent-lease/ai-sdk';
import { createGuard, currentLease, localBroker, memoryAudit, type AuditEvent } from '@agent-lease/core';
import type { LanguageModelV4 } from '@ai-sdk/provider';
import { isStepCount, tool, ToolLoopAgent, wrapLanguageModel } from 'ai';
import { z } from 'zod';
import { startIssueTracker } from './issue-tracker.js';

export interface AgentRun {
  /** What the user saw, streamed. */
  streamed: string;
  /** Every tool result and tool error, as the SDK stored them. */
  toolOutputs: unknown[];
  audit: AuditEvent[];
  liveLeasesAfter: number;
  upstreamAuthorized: number;
}

/**
 * One support-bot conversation: the agent may read issues (scope `issues:read`) and nothing else. The tracker
 * token lives in the guard's broker; tools reach it through `currentLease()` at call time, the model never does.
 */
export async function runAgent(options: {
  model: (repo: string) => LanguageModelV4;
  trackerToken: string;
  prompt: (repo: string) => string;
  onText?: (delta: string) => void;
}): Promise<AgentRun> {
  const tracker = await startIssueTracker(options.trackerToken);
  const audit = memoryAudit();
  const guard = createGuard({
    agent: { id: 'support-bot' },
    broker: localBroker({ credentials: { tracker: { value: options.trackerToken } } }),
    grants: { tracker: { scopes: ['issues:read:*'], maxTtl: '1m', hosts: [tracker.host] } },
    audit: { sink: audit },
  });
  const repo = 'acme/web';
  try {
    const tools = guardTools(
      guard,
      {
        list_issues: tool({
          description: 'List the open issues of a repository (owner/name)',
          inputSchema: z.object({ repo: z.string() }),
          execute: async ({ repo }) => {
            const res = await currentLease().fetch(`${tracker.url}/repos/${repo}/issues`);
            return res.json();
          },
        }),
        close_issue: tool({
          description: 'Close an issue',
          inputSchema: z.object({ repo: z.string(), number: z.number() }),
          execute: ({ number }) => `closed #${number}`,
        }),
      },
      {
        list_issues: { credential: 'tracker', scopes: ({ repo }) => [`issues:read:${repo}`] },
        close_issue: { credential: 'tracker', scopes: ({ repo }) => [`issues:write:${repo}`] },
      },
    );
    let failure: unknown;
    const agent = new ToolLoopAgent({
      model: wrapLanguageModel({ model: options.model(repo), middleware: redactionMiddleware(guard) }),
      instructions: 'You are a support bot. Use the tools to answer questions about issues.',
      tools,
      stopWhen: isStepCount(5),
      // The default prints the whole error, request body (prompts) included; keep the first one for a short report.
      onError: ({ error }) => {
        failure ??= error;
      },
    });
    const result = await agent.stream({ prompt: options.prompt(repo) });
    let streamed = '';
    let steps: Awaited<typeof result.steps>;
    try {
      for await (const delta of result.textStream) {
        streamed += delta;
        options.onText?.(delta);
      }
      steps = await result.steps;
    } catch (error) {
      throw new Error(guard.describeError(failure ?? error), { cause: error });
    }
    return {
      streamed,
      toolOutputs: steps.flatMap((s) =>
        s.content.filter((c) => c.type === 'tool-result' || c.type === 'tool-error'),
      ),
      audit: audit.events(),
      liveLeasesAfter: guard.leases().length,
      upstreamAuthorized: tracker.authorized,
    };
  } finally {
    await guard.close();
    await tracker.close();
  }
}
