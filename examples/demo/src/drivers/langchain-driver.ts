import { guardTools, leaseMiddleware } from '@agent-lease/langchain';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { createAgent, fakeModel, tool } from 'langchain';
import type { DriverOptions, FrameworkDriver, Turn } from './driver.js';

/** The last tool results in the conversation, as the model was shown them. */
function lastToolOutput(messages: BaseMessage[]): string {
  const tail: string[] = [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (!m || !ToolMessage.isInstance(m)) break;
    tail.unshift(m.text);
  }
  return tail.join(' | ');
}

/** LangChain's createAgent: `guardTools` on the tools, `leaseMiddleware` on the agent. */
export function langchainDriver({ guard, tools, model }: DriverOptions): FrameworkDriver {
  const lcTools = tools.map((t) =>
    tool(
      (input: Record<string, string>) =>
        Promise.resolve(t.run(input)).then((out) => (typeof out === 'string' ? out : JSON.stringify(out))),
      {
        name: t.name,
        description: t.description,
        schema: t.schema,
      },
    ),
  );
  const guarded = guardTools(
    guard,
    lcTools,
    Object.fromEntries(tools.map((t) => [t.name, t.needs])) as never,
  );
  const prompts: unknown[] = [];
  const outputs: unknown[] = [];
  let callIds = 0;

  const scripted = (turns: Turn[]) => {
    let m = fakeModel();
    for (const turn of turns) {
      if ('tools' in turn) {
        m = m.respondWithTools(
          turn.tools.map((c) => ({ name: c.toolName, args: c.input, id: `call-${++callIds}` })),
        );
      } else {
        m = m.respond((messages: BaseMessage[]) => {
          prompts.push(messages.map((x) => ({ type: x.type, content: x.content })));
          return new AIMessage(turn.text(lastToolOutput(messages)));
        });
      }
    }
    return m;
  };

  return {
    name: 'langchain',
    guardToolSpans: true,
    async ask(prompt, turns) {
      const chatModel = (model as BaseChatModel | undefined) ?? scripted(turns);
      const agent = createAgent({ model: chatModel, tools: guarded, middleware: [leaseMiddleware(guard)] });
      const result = await agent.invoke({ messages: [new HumanMessage(prompt)] });
      if (!model) {
        // The tool-calling turns were answered by respondWithTools; record what those calls were shown too.
        for (const call of (chatModel as ReturnType<typeof fakeModel>).calls) {
          prompts.push(call.messages.map((x) => ({ type: x.type, content: x.content })));
        }
      }
      const messages = result.messages as BaseMessage[];
      outputs.push(messages.map((x) => ({ type: x.type, content: x.content })));
      const toolOutputs = messages
        .filter((x): x is ToolMessage => ToolMessage.isInstance(x))
        .map((x) => (x.status === 'error' ? `error: ${x.text}` : x.text));
      return { text: messages.at(-1)?.text ?? '', toolOutputs };
    },
    prompts: () => prompts,
    outputs: () => outputs,
  };
}
