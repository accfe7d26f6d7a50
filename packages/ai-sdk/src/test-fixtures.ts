// Shared fixtures for this package's tests (not exported from the package).
import { createGuard, localBroker, memoryAudit, type GuardConfig } from '@agent-lease/core';
import type {
  LanguageModelV4CallOptions,
  LanguageModelV4GenerateResult,
  LanguageModelV4StreamPart,
} from '@ai-sdk/provider';
import { simulateReadableStream } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';

/** Leased value: only exact matching can catch it (no rule knows its shape). */
export const GITHUB_TOKEN = 'lease-canary-github-4f9d2a71c3e8';
/** A value a user pastes; the built-in AWS rule catches it. */
export const PASTED_AWS_KEY = 'AKIAQ7W3E5R7T9Y2U4I6';

export function testGuard(overrides: Partial<GuardConfig> = {}) {
  const audit = memoryAudit();
  const guard = createGuard({
    agent: { id: 'support-bot' },
    broker: localBroker({ credentials: { github: { value: GITHUB_TOKEN } } }),
    grants: { github: { scopes: ['issues:read', 'issues:write:*'], maxTtl: '5m' } },
    audit: { sink: audit },
    ...overrides,
  });
  return { guard, audit };
}

export const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 5, text: 5, reasoning: undefined },
};

export function toolCallResult(
  toolName: string,
  input: unknown,
  toolCallId = 'call-1',
): LanguageModelV4GenerateResult {
  return {
    content: [{ type: 'tool-call', toolCallId, toolName, input: JSON.stringify(input) }],
    finishReason: { unified: 'tool-calls', raw: undefined },
    usage,
    warnings: [],
  };
}

export function textResult(text: string): LanguageModelV4GenerateResult {
  return {
    content: [{ type: 'text', text }],
    finishReason: { unified: 'stop', raw: undefined },
    usage,
    warnings: [],
  };
}

/** A model that asks for one tool call, then answers; records every prompt it was sent. */
export function scriptedModel(toolName: string, input: unknown, answer = 'done') {
  return new MockLanguageModelV4({ doGenerate: [toolCallResult(toolName, input), textResult(answer)] });
}

export function streamOf(parts: LanguageModelV4StreamPart[]) {
  return { stream: simulateReadableStream({ chunks: parts }) };
}

export const finish: LanguageModelV4StreamPart = {
  type: 'finish',
  usage,
  finishReason: { unified: 'stop', raw: undefined },
};

/** Everything a model was sent, as one string, for leak assertions. */
export function promptsOf(model: {
  doGenerateCalls: LanguageModelV4CallOptions[];
  doStreamCalls: LanguageModelV4CallOptions[];
}): string {
  return JSON.stringify([...model.doGenerateCalls, ...model.doStreamCalls].map((c) => c.prompt));
}
