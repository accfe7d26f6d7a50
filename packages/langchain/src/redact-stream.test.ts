import { AIMessageChunk, ToolMessage } from '@langchain/core/messages';
import { describe, expect, it } from 'vitest';
import { redactAgentStream } from './redact-stream.js';
import { GITHUB_TOKEN, leaks, testGuard } from './test-fixtures.js';

async function* source<T>(items: T[]) {
  for (const item of items) {
    await Promise.resolve();
    yield item;
  }
}

const tokens = (text: string, size: number, id: string) =>
  Array.from(
    { length: Math.ceil(text.length / size) },
    (_, i) => new AIMessageChunk({ content: text.slice(i * size, i * size + size), id }),
  );

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('redactAgentStream', () => {
  it('redacts split tokens in every tuple shape: messages mode alone, with modes, with subgraphs', async () => {
    const { guard } = testGuard();
    await guard.withLease(
      { tool: 'warmup', needs: { credential: 'github', scopes: ['issues:read'] } },
      () => 0,
    );
    const text = `key ${GITHUB_TOKEN} end`;
    const meta = { langgraph_node: 'model_request' };
    const shapes: ((c: AIMessageChunk) => unknown)[] = [
      (c) => [c, meta],
      (c) => ['messages', [c, meta]],
      (c) => [['agent:1'], 'messages', [c, meta]],
    ];
    for (const shape of shapes) {
      const items = [
        ...tokens(text, 4, 'm1').map(shape),
        [
          'updates',
          { tools: { messages: [new ToolMessage({ content: GITHUB_TOKEN, tool_call_id: 'c1' })] } },
        ],
      ];
      const out = await collect(redactAgentStream(guard, source(items)));
      const joined = out
        .map((x) => JSON.stringify(x))
        .filter((s) => s.includes('AIMessageChunk'))
        .map((s) => /"content":"([^"]*)"/.exec(s)?.[1] ?? '')
        .join('');
      expect(joined).toBe('key [REDACTED:github] end');
      expect(leaks(out)).toBe(false);
      expect(out.at(-1)).toEqual(['updates', expect.anything()]);
    }
  });

  it('redacts streamed tool-call argument strings per tool call', async () => {
    const { guard } = testGuard();
    await guard.withLease(
      { tool: 'warmup', needs: { credential: 'github', scopes: ['issues:read'] } },
      () => 0,
    );
    const args = JSON.stringify({ token: GITHUB_TOKEN });
    const chunks = Array.from({ length: Math.ceil(args.length / 5) }, (_, i) => [
      new AIMessageChunk({
        content: '',
        id: 'm2',
        tool_call_chunks: [{ index: 0, args: args.slice(i * 5, i * 5 + 5), type: 'tool_call_chunk' }],
      }),
      {},
    ]);
    const out = await collect(redactAgentStream(guard, source(chunks)));
    const joined = out
      .map(([c]) => (c as AIMessageChunk).tool_call_chunks?.map((t) => t.args ?? '').join('') ?? '')
      .join('');
    expect(joined).toBe(JSON.stringify({ token: '[REDACTED:github]' }));
  });
});
