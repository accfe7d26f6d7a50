// Shared fixtures for the LangChain suites under test/ (not a test file itself).
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';

export interface ScriptedReply {
  text: string;
  toolCalls?: { name: string; args: Record<string, unknown>; id: string }[];
}

/**
 * A chat model that replays scripted replies and, when a streaming handler is attached (the "messages" stream
 * mode, streamEvents), streams them in `chunkSize`-character tokens, tool-call arguments included, so a secret
 * is split across chunks the way a real provider splits it. `calls` records what the "provider" received.
 */
export class ScriptedChatModel extends BaseChatModel {
  readonly calls: BaseMessage[][] = [];
  #next = 0;

  constructor(
    private readonly replies: readonly ScriptedReply[],
    private readonly chunkSize = 5,
  ) {
    super({});
  }

  _llmType(): string {
    return 'scripted';
  }

  override bindTools(): this {
    return this;
  }

  #reply(messages: BaseMessage[]): ScriptedReply {
    this.calls.push(messages);
    const reply = this.replies[this.#next++];
    if (!reply) throw new Error(`ScriptedChatModel: no reply scripted for call ${this.#next}`);
    return reply;
  }

  _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const reply = this.#reply(messages);
    const message = new AIMessage({
      content: reply.text,
      tool_calls: (reply.toolCalls ?? []).map((c) => ({ ...c, type: 'tool_call' as const })),
    });
    return Promise.resolve({ generations: [{ text: reply.text, message }] });
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    _options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const reply = this.#reply(messages);
    const id = `scripted-${this.calls.length}`;
    const emit = async (chunk: ChatGenerationChunk) => {
      await runManager?.handleLLMNewToken(
        chunk.text,
        { prompt: 0, completion: 0 },
        undefined,
        undefined,
        undefined,
        {
          chunk,
        },
      );
      return chunk;
    };
    for (let i = 0; i < reply.text.length; i += this.chunkSize) {
      const text = reply.text.slice(i, i + this.chunkSize);
      yield await emit(new ChatGenerationChunk({ text, message: new AIMessageChunk({ content: text, id }) }));
    }
    for (const [index, call] of (reply.toolCalls ?? []).entries()) {
      const args = JSON.stringify(call.args);
      for (let i = 0; i < args.length; i += this.chunkSize) {
        const first = i === 0;
        const message = new AIMessageChunk({
          content: '',
          id,
          tool_call_chunks: [
            {
              index,
              args: args.slice(i, i + this.chunkSize),
              type: 'tool_call_chunk',
              ...(first ? { name: call.name, id: call.id } : {}),
            },
          ],
        });
        yield await emit(new ChatGenerationChunk({ text: '', message }));
      }
    }
  }
}
