import { guardTools, redactionMiddleware } from '@agent-lease/ai-sdk';
import { OpenTelemetry } from '@ai-sdk/otel';
import type { LanguageModelV4, LanguageModelV4CallOptions } from '@ai-sdk/provider';
import {
  generateText,
  stepCountIs,
  tool,
  wrapLanguageModel,
  type LanguageModelMiddleware,
  type ToolSet,
} from 'ai';
import { scriptedModel } from '../scripted-model.js';
import type { DriverOptions, FrameworkDriver } from './driver.js';

/** The Vercel AI SDK: `guardTools` on the tool set, `redactionMiddleware` on the model, `@ai-sdk/otel` spans. */
export function aiSdkDriver({ guard, tools, model }: DriverOptions): FrameworkDriver {
  const toolSet: ToolSet = Object.fromEntries(
    tools.map((t) => [
      t.name,
      tool({
        description: t.description,
        inputSchema: t.schema,
        execute: (input) => t.run(input as Record<string, string>),
      }),
    ]),
  );
  const guarded = guardTools(guard, toolSet, Object.fromEntries(tools.map((t) => [t.name, t.needs])));
  const prompts: LanguageModelV4CallOptions[] = [];
  // What the provider receives, recorded after redaction (the innermost middleware).
  const recordPrompt: LanguageModelMiddleware = {
    specificationVersion: 'v4',
    transformParams: ({ params }) => {
      prompts.push(params);
      return Promise.resolve(params);
    },
  };
  const outputs: unknown[] = [];
  const telemetry = { integrations: [new OpenTelemetry()], functionId: 'support-bot' };

  return {
    name: 'ai-sdk',
    guardToolSpans: false,
    async ask(prompt, turns) {
      const wrapped = wrapLanguageModel({
        model: (model as LanguageModelV4 | undefined) ?? scriptedModel(turns),
        middleware: [redactionMiddleware(guard), recordPrompt],
      });
      const result = await generateText({
        model: wrapped,
        tools: guarded,
        prompt,
        stopWhen: stepCountIs(3),
        telemetry,
      });
      const parts = result.steps.flatMap((s) => s.content);
      outputs.push({ text: result.text, steps: parts });
      const toolOutputs = parts.flatMap((c) => {
        if (c.type === 'tool-result') return [JSON.stringify(c.output)];
        if (c.type === 'tool-error')
          return [`error: ${c.error instanceof Error ? c.error.message : String(c.error)}`];
        return [];
      });
      return { text: result.text, toolOutputs };
    },
    prompts: () => prompts,
    outputs: () => outputs,
  };
}
