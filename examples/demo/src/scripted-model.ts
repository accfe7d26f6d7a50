import type { LanguageModelV4CallOptions } from '@ai-sdk/provider';
import { MockLanguageModelV4 } from 'ai/test';
import type { Turn } from './drivers/driver.js';

type GenerateResult = Awaited<ReturnType<MockLanguageModelV4['doGenerate']>>;

const usage = {
  inputTokens: { total: 40, noCache: 40, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 12, text: 12, reasoning: undefined },
};

/**
 * A scripted model standing in for a real one, so the demo runs offline. Each turn is what a (possibly
 * prompt-injected) model would do; the final text quotes the last tool output it was shown, so the reader sees
 * exactly what reached the model.
 */
export function scriptedModel(turns: Turn[]): MockLanguageModelV4 {
  let index = 0;
  let callIds = 0;
  return new MockLanguageModelV4({
    provider: 'scripted',
    modelId: 'scripted-agent',
    doGenerate: (options: LanguageModelV4CallOptions): Promise<GenerateResult> => {
      const turn = turns[Math.min(index++, turns.length - 1)];
      if (turn && 'tools' in turn) {
        return Promise.resolve({
          content: turn.tools.map((t) => ({
            type: 'tool-call' as const,
            toolCallId: `call-${++callIds}`,
            toolName: t.toolName,
            input: JSON.stringify(t.input),
          })),
          finishReason: { unified: 'tool-calls', raw: undefined },
          usage,
          warnings: [],
        });
      }
      const text = turn ? turn.text(lastToolOutput(options)) : 'Done.';
      return Promise.resolve({
        content: [{ type: 'text' as const, text }],
        finishReason: { unified: 'stop', raw: undefined },
        usage,
        warnings: [],
      });
    },
  });
}

/** The most recent tool result in the prompt, as text: what the model "read". */
function lastToolOutput(options: LanguageModelV4CallOptions): string {
  for (let i = options.prompt.length - 1; i >= 0; i--) {
    const message = options.prompt[i];
    if (message?.role !== 'tool') continue;
    const parts = message.content.filter((p) => p.type === 'tool-result');
    return parts
      .map((p) => {
        const out = p.output;
        if (out.type === 'text' || out.type === 'error-text') return out.value;
        if (out.type === 'json' || out.type === 'error-json') return JSON.stringify(out.value);
        if (out.type === 'execution-denied') return `denied: ${out.reason ?? ''}`;
        return JSON.stringify(out.value);
      })
      .join(' | ');
  }
  return '';
}
