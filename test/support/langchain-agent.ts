// A scripted LangChain agent (createAgent + leaseMiddleware, offline) for the injection scenarios, recording what
// a reviewer needs besides the kit's audit and spans: what the "provider" was sent, the final state, and every
// tool callback (the errors the tools threw, as a tracer receives them).
import type { Guard } from '@agent-lease/core';
import { leaseMiddleware } from '@agent-lease/langchain';
import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import { awaitAllCallbacks } from '@langchain/core/callbacks/promises';
import { HumanMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import type { StructuredToolInterface } from '@langchain/core/tools';
import { createAgent } from 'langchain';
import { ScriptedChatModel, type ScriptedReply } from '../langchain-fixtures.js';

/** One model step that calls tools (createAgent runs the calls of one step in parallel). */
export function callTools(...calls: { tool: string; input: Record<string, unknown> }[]): ScriptedReply {
  return { text: '', toolCalls: calls.map((c, i) => ({ name: c.tool, args: c.input, id: `call-${i + 1}` })) };
}

export function answer(text: string): ScriptedReply {
  return { text };
}

/** Tool callbacks as a tracer or logger receives them. */
class ToolRecorder extends BaseCallbackHandler {
  name = 'tool-recorder';
  readonly ends: unknown[] = [];
  readonly errors: unknown[] = [];
  override handleToolEnd(output: unknown): void {
    this.ends.push(output);
  }
  override handleToolError(error: unknown): void {
    this.errors.push(error);
  }
}

export interface LcRun {
  /** The final agent state's messages, as the app receives them. */
  messages: BaseMessage[];
  /** What the model ("provider") received, one entry per model call. */
  prompts: BaseMessage[][];
  toolResults: ToolMessage[];
  toolErrors: ToolMessage[];
  /** Outputs passed to handleToolEnd. */
  callbackOutputs: unknown[];
  /** Errors passed to handleToolError: the thrown objects, before the middleware turns them into messages. */
  callbackErrors: unknown[];
}

/** Runs a createAgent agent with `leaseMiddleware(guard)` and a scripted model over `tools`. */
export async function runAgent(
  guard: Guard,
  tools: StructuredToolInterface[],
  replies: ScriptedReply[],
  prompt: string,
): Promise<LcRun> {
  const model = new ScriptedChatModel(replies);
  const recorder = new ToolRecorder();
  const agent = createAgent({ model, tools, middleware: [leaseMiddleware(guard)] });
  const state = await agent.invoke(
    { messages: [new HumanMessage(prompt)] },
    { callbacks: [recorder], recursionLimit: 50 },
  );
  await awaitAllCallbacks();
  const tool = state.messages.filter((m) => ToolMessage.isInstance(m));
  return {
    messages: state.messages,
    prompts: model.calls,
    toolResults: tool.filter((m) => m.status !== 'error'),
    toolErrors: tool.filter((m) => m.status === 'error'),
    callbackOutputs: recorder.ends,
    callbackErrors: recorder.errors,
  };
}
