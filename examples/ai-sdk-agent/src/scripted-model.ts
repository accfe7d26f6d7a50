import type { LanguageModelV4CallOptions, LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { simulateReadableStream } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';

const usage = {
  inputTokens: { total: 40, noCache: 40, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 12, text: 12, reasoning: undefined },
};

function toolCall(id: string, toolName: string, input: unknown): LanguageModelV4StreamPart[] {
  return [
    { type: 'tool-call', toolCallId: id, toolName, input: JSON.stringify(input) },
    { type: 'finish', usage, finishReason: { unified: 'tool-calls', raw: undefined } },
  ];
}

/** Streams `text` in small deltas, as a provider does. */
function answer(text: string): LanguageModelV4StreamPart[] {
  return [
    { type: 'text-start', id: 'answer' },
    ...(text.match(/[\s\S]{1,6}/g) ?? []).map((delta) => ({
      type: 'text-delta' as const,
      id: 'answer',
      delta,
    })),
    { type: 'text-end', id: 'answer' },
    { type: 'finish', usage, finishReason: { unified: 'stop', raw: undefined } },
  ];
}

/** Everything the model was shown in tool results and user text, so its answer quotes exactly that. */
function seen(options: LanguageModelV4CallOptions): string {
  const lines: string[] = [];
  for (const m of options.prompt) {
    if (m.role === 'user') for (const p of m.content) if (p.type === 'text') lines.push(p.text);
    if (m.role === 'tool')
      for (const p of m.content) if (p.type === 'tool-result') lines.push(JSON.stringify(p.output));
  }
  return lines.join('\n');
}

/**
 * A scripted model so the example runs offline: it lists the issues, then (as a prompt-injected model might)
 * tries to close one, which needs a scope the agent was never granted, then answers quoting what it was shown.
 */
export function scriptedModel(repo: string): MockLanguageModelV4 {
  let turn = 0;
  return new MockLanguageModelV4({
    provider: 'scripted',
    modelId: 'scripted-agent',
    doStream: (options) => {
      turn++;
      const parts =
        turn === 1
          ? toolCall('call-1', 'list_issues', { repo })
          : turn === 2
            ? toolCall('call-2', 'close_issue', { repo, number: 1 })
            : answer(`Here is what I was shown:\n${seen(options)}\n`);
      return Promise.resolve({ stream: simulateReadableStream({ chunks: parts, chunkDelayInMs: 2 }) });
    },
  });
}
