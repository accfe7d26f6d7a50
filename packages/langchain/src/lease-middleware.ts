import type { Guard } from '@agent-lease/core';
import { AIMessage, ToolMessage, type BaseMessage, type SystemMessage } from '@langchain/core/messages';
import { createMiddleware } from 'langchain';
import { isGuardedTool } from './guard-tool.js';
import { createLcRedactor } from './lc-redactor.js';

/** LangGraph's interrupts and other control-flow errors must reach the graph, never become a ToolMessage. */
function isBubbleUp(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && (error as { is_bubble_up?: unknown }).is_bubble_up === true
  );
}

export interface LeaseMiddlewareOptions {
  /** Middleware name (createAgent refuses two middlewares with one name). Default `AgentLease`. */
  name?: string;
}

/**
 * The agent half of the boundary, for `createAgent({ middleware: [leaseMiddleware(guard)] })`:
 * - `beforeModel` replaces (by id) every message in state that holds a secret, so state,
 *   checkpoints and the state-based stream modes keep only the redacted copy;
 * - `wrapModelCall` redacts every message sent to the model (system prompt included: string and array content,
 *   `tool_calls` arguments, tool message content and artifact) and the model's reply before it enters state;
 * - `wrapToolCall` gives tools that `guardTool` did not wrap a span and redaction of their result, and turns any
 *   tool error into a short redacted error `ToolMessage` the model can act on. Once a middleware defines
 *   `wrapToolCall`, createAgent no longer does that itself: without the catch `agent.invoke` would reject.
 */
export function leaseMiddleware(guard: Guard, options: LeaseMiddlewareOptions = {}) {
  const lc = createLcRedactor(guard);
  // Messages already scanned: state keeps the same objects between steps, so each is serialised once.
  const checked = new WeakSet<BaseMessage>();
  const dirty = (m: BaseMessage): boolean => {
    // Serialised form: lc_kwargs and every field, as a tracer or checkpointer would see them.
    const json = JSON.stringify(m);
    return guard.redact(json) !== json;
  };

  return createMiddleware({
    name: options.name ?? 'AgentLease',
    beforeModel: (state) => {
      const replaced: BaseMessage[] = [];
      for (const m of state.messages) {
        if (checked.has(m)) continue;
        checked.add(m);
        if (m.id === undefined || !dirty(m)) continue;
        const copy = lc.message(m);
        checked.add(copy);
        replaced.push(copy);
      }
      return replaced.length > 0 ? { messages: replaced } : undefined;
    },
    wrapModelCall: async (request, handler) => {
      const messages = request.messages.map((m) => lc.message(m));
      // Typed as always present, but createAgent without a systemPrompt passes undefined (AgentNode reads it with ?.).
      const system: SystemMessage | undefined = request.systemMessage;
      const response = await handler({
        ...request,
        messages,
        // systemPrompt stays as it was: createAgent refuses a request that changes both.
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- see above
        ...(system ? { systemMessage: lc.message(system) } : {}),
      });
      return AIMessage.isInstance(response) ? lc.message(response) : response;
    },
    wrapToolCall: async (request, handler) => {
      const { toolCall } = request;
      try {
        const result = isGuardedTool(request.tool)
          ? await handler(request)
          : await guard.withLease(
              {
                tool: toolCall.name,
                input: toolCall.args,
                toolCallId: toolCall.id,
                signal: request.runtime.signal,
              },
              () => handler(request),
            );
        return lc.value(result);
      } catch (error) {
        if (isBubbleUp(error) || request.runtime.signal?.aborted === true) throw error;
        const described = guard.describeError(error);
        return new ToolMessage({
          // describeError keeps the error's name ("TypeError: ..."); our own errors come without one.
          content: /^\w*Error: /.test(described) ? described : `Error: ${described}`,
          tool_call_id: toolCall.id ?? '',
          name: toolCall.name,
          status: 'error',
        });
      }
    },
  });
}
