import { currentLease, InvalidConfigError, LeaseDeniedError } from '@agent-lease/core';
import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import { ToolMessage } from '@langchain/core/messages';
import { RunnableLambda } from '@langchain/core/runnables';
import { DynamicStructuredTool, StructuredTool, tool } from '@langchain/core/tools';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { guardTool, guardTools, isGuardedTool, type LeaseToolConfig } from './guard-tool.js';
import { GITHUB_TOKEN, leaks, testGuard } from './test-fixtures.js';

const needs = { credential: 'github', scopes: (i: { repo: string }) => [`issues:read:${i.repo}`] };
const call = (args: Record<string, unknown>, id = 'call_1') => ({
  name: 'x',
  args,
  id,
  type: 'tool_call' as const,
});

/** Records what tool callbacks receive, as a tracer would. */
class Recorder extends BaseCallbackHandler {
  name = 'recorder';
  starts = 0;
  ends: unknown[] = [];
  errors: unknown[] = [];
  override handleToolStart() {
    this.starts++;
  }
  override handleToolEnd(output: unknown) {
    this.ends.push(output);
  }
  override handleToolError(err: unknown) {
    this.errors.push(err);
  }
}

describe('guardTool', () => {
  it('keeps name, description, schema, returnDirect, responseFormat and metadata', () => {
    const { guard } = testGuard();
    const inner = tool(() => 'ok', {
      name: 'read_issue',
      description: 'Reads an issue',
      schema: z.object({ repo: z.string() }),
      returnDirect: true,
      responseFormat: 'content_and_artifact',
      metadata: { team: 'a' },
    });
    const g = guardTool(guard, inner, needs);
    expect(g).toBeInstanceOf(StructuredTool);
    expect([g.name, g.description, g.schema, g.returnDirect, g.responseFormat, g.metadata]).toEqual([
      'read_issue',
      'Reads an issue',
      inner.schema,
      true,
      'content_and_artifact',
      { team: 'a' },
    ]);
    expect(isGuardedTool(g)).toBe(true);
    expect(isGuardedTool(inner)).toBe(false);
  });

  it('hands the lease to the body through config and currentLease, redacts the result before handleToolEnd', async () => {
    const { guard } = testGuard();
    const seen: string[] = [];
    const inner = tool(
      ({ repo }, config) => {
        const lease = (config as LeaseToolConfig).lease;
        seen.push(lease?.scopes.join(',') ?? 'none', String(currentLease('github') === lease));
        return `token for ${repo}: ${currentLease('github').reveal()}`;
      },
      { name: 'read_issue', description: 'Reads', schema: z.object({ repo: z.string() }) },
    );
    const rec = new Recorder();
    const out: unknown = await guardTool(guard, inner, needs).invoke(call({ repo: 'acme/w' }), {
      callbacks: [rec],
    });
    expect(seen).toEqual(['issues:read:acme/w', 'true']);
    expect(ToolMessage.isInstance(out)).toBe(true);
    expect((out as ToolMessage).text).toContain('token for acme/w: [REDACTED');
    expect(leaks(out)).toBe(false);
    expect(rec.starts).toBe(1); // one tool run, not a nested second one
    expect(rec.ends).toHaveLength(1);
    expect(leaks(rec.ends)).toBe(false);
    expect(guard.leases()).toEqual([]);
  });

  it('control: the unwrapped tool leaks the same value to handleToolEnd', async () => {
    const { guard } = testGuard();
    const inner = tool(() => `token ${GITHUB_TOKEN}`, {
      name: 'raw',
      description: 'raw',
      schema: z.object({}),
    });
    const rec = new Recorder();
    await guard.withLease({ tool: 'raw', needs: { credential: 'github', scopes: ['issues:read'] } }, () =>
      inner.invoke(call({}), { callbacks: [rec] }),
    );
    expect(leaks(rec.ends)).toBe(true);
  });

  it('redacts content and artifact, and a ToolMessage the body builds itself (no raw lc_kwargs)', async () => {
    const { guard } = testGuard();
    const pair = tool(() => [`c ${currentLease().reveal()}`, { raw: currentLease().reveal(), n: 1 }], {
      name: 'pair',
      description: 'pair',
      schema: z.object({}),
      responseFormat: 'content_and_artifact',
    });
    const out = (await guardTool(guard, pair, { credential: 'github', scopes: ['issues:read'] }).invoke(
      call({}),
    )) as ToolMessage;
    expect(out.artifact).toEqual({ raw: expect.stringContaining('[REDACTED') as unknown, n: 1 });
    expect(leaks(out)).toBe(false);

    const direct = tool(
      (_i, config) =>
        new ToolMessage({
          content: currentLease().reveal(),
          tool_call_id: (config as LeaseToolConfig).toolCall?.id ?? '',
        }),
      { name: 'direct', description: 'direct', schema: z.object({}) },
    );
    const msg: unknown = await guardTool(guard, direct, {
      credential: 'github',
      scopes: ['issues:read'],
    }).invoke(call({}));
    expect(ToolMessage.isInstance(msg)).toBe(true);
    expect(leaks(msg)).toBe(false);
  });

  it('rethrows errors redacted, and reports them redacted to handleToolError', async () => {
    const { guard } = testGuard();
    const failing = tool(
      () => {
        throw new Error(`upstream refused ${currentLease().reveal()}`);
      },
      { name: 'fail', description: 'fail', schema: z.object({}) },
    );
    const rec = new Recorder();
    const g = guardTool(guard, failing, { credential: 'github', scopes: ['issues:read'] });
    const err: unknown = await g.invoke(call({}), { callbacks: [rec] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(leaks((err as Error).message) || leaks((err as Error).stack ?? '')).toBe(false);
    expect(rec.errors).toHaveLength(1);
    expect(leaks((rec.errors[0] as Error).message)).toBe(false);
  });

  it('denies a scope outside the grant before the body runs', async () => {
    const { guard } = testGuard();
    let ran = false;
    const t = tool(
      () => {
        ran = true;
        return 'x';
      },
      { name: 'del', description: 'del', schema: z.object({}) },
    );
    const err: unknown = await guardTool(guard, t, { credential: 'github', scopes: ['repo:delete'] })
      .invoke(call({}))
      .catch((e: unknown) => e);
    expect(LeaseDeniedError.isInstance(err)).toBe(true);
    expect(ran).toBe(false);
  });

  it('redacts what the body writes to config.writer (the "custom" stream mode)', async () => {
    const { guard } = testGuard();
    const written: unknown[] = [];
    const t = tool(
      (_i, config) => {
        (config as { writer?: (c: unknown) => void }).writer?.({
          progress: `using ${currentLease().reveal()}`,
        });
        return 'done';
      },
      { name: 'w', description: 'w', schema: z.object({}) },
    );
    await guardTool(guard, t, { credential: 'github', scopes: ['issues:read'] }).invoke(call({}), {
      writer: (c: unknown) => written.push(c),
    } as LeaseToolConfig);
    expect(written).toHaveLength(1);
    expect(leaks(written)).toBe(false);
  });

  it('keeps the lease open while an async-generator body streams, and redacts each event', async () => {
    const { guard } = testGuard();
    const events: unknown[] = [];
    class Events extends BaseCallbackHandler {
      name = 'events';
      override handleToolEvent(chunk: unknown) {
        events.push(chunk);
      }
    }
    const gen = tool(
      async function* () {
        await Promise.resolve();
        yield `first ${currentLease().reveal()}`;
        yield `active ${String(currentLease().active)}`;
        return `final ${currentLease().reveal()}`;
      },
      { name: 'gen', description: 'gen', schema: z.object({}) },
    );
    const g = guardTool(guard, gen, { credential: 'github', scopes: ['issues:read'] });
    const out: unknown = await g.invoke(call({}), { callbacks: [new Events()] });
    expect(events).toEqual([expect.stringContaining('first [REDACTED'), 'active true']);
    expect((out as ToolMessage).text).toContain('final [REDACTED');
    expect(leaks(out)).toBe(false);
    expect(guard.leases()).toEqual([]);
  });

  it('wraps DynamicStructuredTool, a StructuredTool subclass and runnable.asTool()', async () => {
    const { guard } = testGuard();
    const schema = z.object({ q: z.string() });
    const dyn = new DynamicStructuredTool({
      name: 'dyn',
      description: 'dyn',
      schema,
      func: ({ q }) => Promise.resolve(`${q} ${currentLease().reveal()}`),
    });
    class Sub extends StructuredTool<typeof schema> {
      name = 'sub';
      description = 'sub';
      schema = schema;
      protected _call({ q }: { q: string }) {
        return Promise.resolve(`${q} ${currentLease().reveal()}`);
      }
    }
    const asTool = RunnableLambda.from(({ q }: { q: string }) => `${q} ${currentLease().reveal()}`).asTool({
      name: 'as_tool',
      description: 'as tool',
      schema,
    });
    const chainEnds: unknown[] = [];
    class Chains extends BaseCallbackHandler {
      name = 'chains';
      override handleChainEnd(out: unknown) {
        chainEnds.push(out);
      }
    }
    const n = { credential: 'github', scopes: ['issues:read'] };
    const [a, b, c] = guardTools(guard, [dyn, new Sub(), asTool], { dyn: n, sub: n, as_tool: n });
    for (const t of [a, b, c]) {
      const out = (await t.invoke(call({ q: 'hi' }), { callbacks: [new Chains()] })) as ToolMessage;
      expect(out.content).toMatch(/^hi \[REDACTED/);
    }
    expect(chainEnds.length).toBeGreaterThan(0); // asTool's inner chain runs were traced ...
    expect(leaks(chainEnds)).toBe(false); // ... with redacted payloads
  });

  it('rejects needs for a tool name that does not exist', () => {
    const { guard } = testGuard();
    const t = tool(() => 'x', { name: 'a', description: 'a', schema: z.object({}) });
    expect(() =>
      guardTools(guard, [t], { b: { credential: 'github', scopes: ['issues:read'] } } as never),
    ).toThrow(InvalidConfigError);
    expect(() => guardTool(guard, t, { credential: 'nope', scopes: ['x'] })).toThrow(InvalidConfigError);
  });
});
