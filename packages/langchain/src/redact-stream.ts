import type { Guard, StreamRedactor } from '@agent-lease/core';
import {
  AIMessageChunk,
  BaseMessageChunk,
  type AIMessageChunkFields,
  type UsageMetadata,
} from '@langchain/core/messages';
import { createLcRedactor, type LcRedactor } from './lc-redactor.js';

interface ToolCallChunk {
  name?: string;
  args?: string;
  id?: string;
  index?: number;
  type?: 'tool_call_chunk';
}

/** One streamed model message: its text and each tool call's argument text go through their own redactor. */
interface Pending {
  text: StreamRedactor;
  args: Map<number, StreamRedactor>;
  /** Rebuilds the stream item around a replacement chunk (same mode, namespace and metadata). */
  emit: (chunk: AIMessageChunk) => unknown;
  last: AIMessageChunk;
}

function isToken(x: unknown): x is AIMessageChunk {
  return BaseMessageChunk.isInstance(x) && x.type === 'ai';
}

/** The item with `from` replaced by `to` wherever it occurs in the item's tuples. */
function replaceIn(item: unknown, from: unknown, to: unknown): unknown {
  if (item === from) return to;
  return Array.isArray(item) ? item.map((x) => replaceIn(x, from, to)) : item;
}

/** True when the provider marked this chunk as the message's last one. */
function isLast(chunk: AIMessageChunk): boolean {
  const c = chunk as AIMessageChunk & { chunk_position?: string };
  return c.chunk_position === 'last' || chunk.response_metadata.finish_reason !== undefined;
}

/**
 * Redacts an agent's (or any LangGraph graph's) stream, whatever the stream modes and `subgraphs`:
 * `redactAgentStream(guard, await agent.stream(input, { streamMode: ['messages', 'updates'] }))`.
 *
 * Token chunks of the `messages` mode go through one core stream redactor per message (and per tool-call
 * argument string), so a secret split across tokens is caught; what a redactor holds back is released as an
 * extra chunk of the same message when the provider marks the last chunk, when another kind of item arrives, or
 * when the stream ends. Every other item (state, updates, tool events, custom events, debug, checkpoints) is
 * redacted as a whole, messages rebuilt from explicit fields.
 */
export async function* redactAgentStream<T>(guard: Guard, stream: AsyncIterable<T>): AsyncGenerator<T, void> {
  const lc = createLcRedactor(guard);
  const pending = new Map<string, Pending>();

  function* flush(key: string): Generator<T> {
    const p = pending.get(key);
    if (!p) return;
    pending.delete(key);
    const text = p.text.end();
    const toolCallChunks: ToolCallChunk[] = [];
    for (const [index, r] of p.args) {
      const args = r.end();
      if (args !== '') toolCallChunks.push({ index, args, type: 'tool_call_chunk' });
    }
    if (text === '' && toolCallChunks.length === 0) return;
    const chunk = new AIMessageChunk({
      content: text,
      tool_call_chunks: toolCallChunks,
      ...(p.last.id !== undefined ? { id: p.last.id } : {}),
    });
    yield p.emit(chunk) as T;
  }

  function token(chunk: AIMessageChunk, item: unknown): { out: unknown; last: boolean; key: string } {
    const key = chunk.id ?? '';
    let p = pending.get(key);
    if (!p) {
      p = { text: guard.createStreamRedactor(), args: new Map(), emit: () => undefined, last: chunk };
      pending.set(key, p);
    }
    p.last = chunk;
    p.emit = (c) => lc.value(replaceIn(item, chunk, c));
    const content = typeof chunk.content === 'string' ? p.text.write(chunk.content) : undefined;
    const toolCallChunks = (chunk.tool_call_chunks ?? []).map((tc: ToolCallChunk) => {
      const index = tc.index ?? 0;
      let r = p.args.get(index);
      if (!r) p.args.set(index, (r = guard.createStreamRedactor()));
      return tc.args === undefined ? tc : { ...tc, args: r.write(tc.args) };
    });
    const safe = redactChunk(lc, chunk, content, toolCallChunks);
    return { out: lc.value(replaceIn(item, chunk, safe)), last: isLast(chunk), key };
  }

  try {
    for await (const item of stream) {
      const chunk = findToken(item);
      if (chunk === undefined) {
        for (const key of [...pending.keys()]) yield* flush(key);
        yield lc.value(item);
        continue;
      }
      const { out, last, key } = token(chunk, item);
      yield out as T;
      if (last) yield* flush(key);
    }
  } finally {
    for (const key of [...pending.keys()]) yield* flush(key);
  }
}

/** The token chunk inside a stream item: `[chunk, meta]`, `[mode, [chunk, meta]]`, `[ns, mode, [chunk, meta]]`. */
function findToken(item: unknown): AIMessageChunk | undefined {
  if (!Array.isArray(item)) return undefined;
  for (const x of item) {
    if (isToken(x)) return x;
    const inner = findToken(x);
    if (inner) return inner;
  }
  return undefined;
}

/** A chunk carrying only what the redactors released; other fields redacted as a whole. */
function redactChunk(
  lc: LcRedactor,
  chunk: AIMessageChunk,
  content: string | undefined,
  toolCallChunks: ToolCallChunk[],
): AIMessageChunk {
  const base = content === undefined ? lc.message(chunk) : lc.messageWithContent(chunk, content);
  if (toolCallChunks.length === 0) return base;
  const usage = (chunk as unknown as { usage_metadata?: UsageMetadata }).usage_metadata;
  const fields = {
    content: base.content,
    additional_kwargs: base.additional_kwargs,
    response_metadata: base.response_metadata,
    tool_call_chunks: toolCallChunks.map((tc) => ({
      ...tc,
      ...(tc.name !== undefined ? { name: lc.value(tc.name) } : {}),
    })),
    ...(base.id !== undefined ? { id: base.id } : {}),
    ...(usage !== undefined ? { usage_metadata: usage } : {}),
  };
  return new AIMessageChunk(fields as AIMessageChunkFields);
}
