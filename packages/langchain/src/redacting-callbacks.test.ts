import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import { AIMessageChunk } from '@langchain/core/messages';
import { ChatGenerationChunk } from '@langchain/core/outputs';
import { describe, expect, it } from 'vitest';
import { redactCallbacks } from './redacting-callbacks.js';
import { GITHUB_TOKEN, leaks, testGuard } from './test-fixtures.js';

class Tokens extends BaseCallbackHandler {
  name = 'tokens';
  text = '';
  chunks = '';
  ended: unknown;
  override handleLLMNewToken(
    token: string,
    _i: unknown,
    _r: string,
    _p?: string,
    _t?: string[],
    f?: { chunk?: ChatGenerationChunk },
  ) {
    this.text += token;
    this.chunks += f?.chunk ? f.chunk.message.text : '';
  }
  override handleLLMEnd(output: unknown, _runId?: string) {
    this.ended = output;
  }
}

/** The proxy may return promises where the class returns void: drive it through this view. */
interface Driven {
  handleLLMNewToken(...args: unknown[]): unknown;
  handleLLMEnd(...args: unknown[]): unknown;
}

async function stream(tokens: Tokens, text: string, size: number) {
  const handler = tokens as unknown as Driven;
  for (let i = 0; i < text.length; i += size) {
    const piece = text.slice(i, i + size);
    const chunk = new ChatGenerationChunk({ text: piece, message: new AIMessageChunk({ content: piece }) });
    const idx = { prompt: 0, completion: 0 };
    await Promise.resolve(handler.handleLLMNewToken(piece, idx, 'run-1', undefined, undefined, { chunk }));
  }
  const generation = new ChatGenerationChunk({ text, message: new AIMessageChunk({ content: text }) });
  await Promise.resolve(handler.handleLLMEnd({ generations: [[generation]] }, 'run-1'));
}

describe('redactCallbacks', () => {
  it('catches a secret split across streamed tokens, and releases the held-back text before handleLLMEnd', async () => {
    const { guard } = testGuard();
    await guard.withLease(
      { tool: 'warmup', needs: { credential: 'github', scopes: ['issues:read'] } },
      () => 0,
    );
    const inner = new Tokens();
    const [wrapped] = redactCallbacks(guard, [inner]);
    if (!wrapped) throw new Error('no handler');
    await stream(wrapped, `the token is ${GITHUB_TOKEN}, done`, 3);
    expect(inner.text).toBe('the token is [REDACTED:github], done');
    expect(inner.chunks).toBe('the token is [REDACTED:github], done');
    expect(leaks(inner.ended)).toBe(false);
    expect(wrapped.name).toBe('tokens');
  });

  it('control: the bare handler sees the secret once the tokens are joined', async () => {
    const inner = new Tokens();
    await stream(inner, `the token is ${GITHUB_TOKEN}, done`, 3);
    expect(inner.text).toContain(GITHUB_TOKEN);
  });
});
