// Type tests: checked by `tsc` (the package typecheck), and run as no-ops by vitest.
import type { LanguageModelV4Middleware } from '@ai-sdk/provider';
import {
  dynamicTool,
  generateText,
  jsonSchema,
  tool,
  wrapLanguageModel,
  type InferToolInput,
  type InferToolOutput,
  type ToolExecutionOptions,
} from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { guardTools } from './guard-tools.js';
import { redactionMiddleware } from './redaction-middleware.js';
import { testGuard } from './test-fixtures.js';

const tools = {
  create_issue: tool({
    inputSchema: z.object({ repo: z.string(), title: z.string() }),
    execute: ({ repo, title }) => ({ url: `https://x/${repo}`, title, n: 1 }),
  }),
  with_context: tool({
    inputSchema: z.object({ q: z.string() }),
    contextSchema: z.object({ tenant: z.string() }),
    execute: ({ q }, { context }) => `${context.tenant}:${q}`,
  }),
  stream: tool({
    inputSchema: z.object({}),
    async *execute() {
      await Promise.resolve();
      yield { pct: 50 };
    },
  }),
  lookup: dynamicTool({ inputSchema: jsonSchema({}), execute: () => 'x' }),
  client_side: tool({ inputSchema: z.object({ q: z.string() }), outputSchema: z.string() }),
};

describe('guardTools types', () => {
  it('returns exactly the ToolSet type it was given', () => {
    const { guard } = testGuard();
    const guarded = guardTools(guard, tools, {
      create_issue: {
        credential: 'github',
        scopes: (input) => {
          expectTypeOf(input).toEqualTypeOf<{ repo: string; title: string }>();
          return [`issues:write:${input.repo}`];
        },
      },
      with_context: { credential: 'github', scopes: ['issues:read'] },
    });
    expectTypeOf(guarded).toEqualTypeOf<typeof tools>();
    expectTypeOf<InferToolInput<typeof guarded.create_issue>>().toEqualTypeOf<{
      repo: string;
      title: string;
    }>();
    expectTypeOf<InferToolOutput<typeof guarded.create_issue>>().toEqualTypeOf<{
      url: string;
      title: string;
      n: number;
    }>();
    expectTypeOf<InferToolOutput<typeof guarded.stream>>().toEqualTypeOf<{ pct: number }>();
    expectTypeOf(guarded.with_context.execute)
      .parameter(1)
      .toEqualTypeOf<ToolExecutionOptions<{ tenant: string }>>();
    expectTypeOf(guarded.lookup.type).toEqualTypeOf<'dynamic'>();
  });

  it('rejects needs for a tool name that does not exist, and scopes of the wrong input', () => {
    const { guard } = testGuard();
    // Never called: these only have to fail to compile.
    function _unknownNames() {
      // @ts-expect-error: no tool is called create_isue
      guardTools(guard, tools, { create_isue: { credential: 'github', scopes: ['issues:read'] } });
      guardTools(guard, tools, {
        // @ts-expect-error: create_issue has no `number` field
        create_issue: {
          credential: 'github',
          scopes: (input: { number: number }) => [`issues:${input.number}`],
        },
      });
    }
  });

  it('keeps the typed context requirement and input checking in generateText', () => {
    const { guard } = testGuard();
    const guarded = guardTools(guard, { with_context: tools.with_context });
    const model = new MockLanguageModelV4();
    function _contextRequired() {
      // @ts-expect-error: toolsContext.with_context is required because the tool declares contextSchema
      void generateText({ model, tools: guarded, prompt: 'x' });
      void generateText({
        model,
        tools: guarded,
        prompt: 'x',
        toolsContext: { with_context: { tenant: 'acme' } },
      });
    }
    function _inputChecked() {
      // @ts-expect-error: input must match the schema
      void guarded.with_context.execute({ query: 'x' }, {} as ToolExecutionOptions<{ tenant: string }>);
    }
  });

  it('returns a V4 middleware that wrapLanguageModel accepts', () => {
    const { guard } = testGuard();
    const middleware = redactionMiddleware(guard);
    expectTypeOf(middleware).toExtend<LanguageModelV4Middleware>();
    wrapLanguageModel({ model: new MockLanguageModelV4(), middleware });
  });
});
