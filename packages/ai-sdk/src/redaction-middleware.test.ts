import type {
  LanguageModelV4CallOptions,
  LanguageModelV4Prompt,
  LanguageModelV4StreamPart,
} from '@ai-sdk/provider';
import { createLeakScanner } from '@agent-lease/testing';
import { generateText, isStepCount, streamText, tool, wrapLanguageModel } from 'ai';
import { convertReadableStreamToArray, MockLanguageModelV4 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { redactionMiddleware } from './redaction-middleware.js';
import {
  finish,
  GITHUB_TOKEN,
  PASTED_AWS_KEY,
  promptsOf,
  streamOf,
  testGuard,
  textResult,
  usage,
} from './test-fixtures.js';

const leaks = createLeakScanner({ github: GITHUB_TOKEN, aws: PASTED_AWS_KEY });
const noLeak = (value: unknown, channel: string) => expect(leaks.scanValue(value, channel)).toEqual([]);

/** A guard whose redactor knows the leased token (a lease was granted; values stay registered for a grace period). */
async function warmGuard() {
  const t = testGuard();
  await t.guard.withLease(
    { tool: 'warm', needs: { credential: 'github', scopes: ['issues:read'] } },
    () => undefined,
  );
  return t;
}

const S = GITHUB_TOKEN;
const fullPrompt: LanguageModelV4Prompt = [
  { role: 'system', content: `You may use ${S}.` },
  {
    role: 'user',
    content: [
      { type: 'text', text: `my aws key is ${PASTED_AWS_KEY}` },
      {
        type: 'file',
        mediaType: 'text/plain',
        filename: 'notes.txt',
        data: { type: 'text', text: `token=${S}` },
      },
      {
        type: 'file',
        mediaType: 'text/html',
        data: { type: 'url', url: new URL(`https://example.com/?t=${S}`) },
      },
    ],
  },
  {
    role: 'assistant',
    content: [
      { type: 'reasoning', text: `thinking about ${S}` },
      { type: 'text', text: `I will call with ${S}` },
      {
        type: 'tool-call',
        toolCallId: 'call-1',
        toolName: 'read',
        input: { auth: S, nested: { list: [S] } },
      },
    ],
  },
  {
    role: 'tool',
    content: [
      {
        type: 'tool-result',
        toolCallId: 'call-1',
        toolName: 'read',
        output: { type: 'json', value: { echoed: S } },
      },
      { type: 'tool-approval-response', approvalId: 'a1', approved: false, reason: `no, ${S} is sensitive` },
    ],
  },
  {
    role: 'tool',
    content: [
      {
        type: 'tool-result',
        toolCallId: 'call-2',
        toolName: 'read',
        output: { type: 'error-text', value: `401 ${S}` },
      },
    ],
  },
];

async function transform(guard: ReturnType<typeof testGuard>['guard'], prompt: LanguageModelV4Prompt) {
  const mw = redactionMiddleware(guard);
  const model = new MockLanguageModelV4();
  return mw.transformParams!({ type: 'generate', params: { prompt }, model });
}

describe('redactionMiddleware.transformParams', () => {
  it('redacts every text-bearing part of the prompt and keeps ids, names and structure', async () => {
    const { guard } = await warmGuard();
    const { prompt } = await transform(guard, fullPrompt);
    noLeak(prompt, 'prompt');
    expect(prompt).toHaveLength(fullPrompt.length);
    expect(prompt.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'tool']);
    const assistant = prompt[2];
    expect(assistant?.role === 'assistant' && assistant.content[2]).toMatchObject({
      type: 'tool-call',
      toolCallId: 'call-1',
      toolName: 'read',
      input: { auth: expect.stringMatching(/^\[REDACTED/) as unknown },
    });
    const user = prompt[1];
    expect(user?.role === 'user' && user.content[2]).toMatchObject({ type: 'file', data: { type: 'url' } });
    expect(fullPrompt[0]).toEqual({ role: 'system', content: `You may use ${S}.` }); // input untouched
    await guard.close();
  });

  it('returns the very same params when the prompt is clean', async () => {
    const { guard } = await warmGuard();
    const mw = redactionMiddleware(guard);
    const params = {
      prompt: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }],
    } as LanguageModelV4CallOptions;
    const out = await mw.transformParams!({ type: 'generate', params, model: new MockLanguageModelV4() });
    expect(out).toBe(params);
    await guard.close();
  });

  it('keeps secrets from the provider across a tool loop and audits a pasted key once', async () => {
    const { guard, audit } = await warmGuard();
    const inner = new MockLanguageModelV4({
      doGenerate: [
        {
          content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 'note', input: '{}' }],
          finishReason: { unified: 'tool-calls', raw: undefined },
          usage,
          warnings: [],
        },
        textResult('ok'),
      ],
    });
    const model = wrapLanguageModel({ model: inner, middleware: redactionMiddleware(guard) });
    await generateText({
      model,
      instructions: `internal token ${S}`,
      prompt: `here is my key ${PASTED_AWS_KEY}`,
      tools: { note: tool({ inputSchema: z.object({}), execute: () => 'noted' }) },
      stopWhen: isStepCount(3),
    });
    expect(inner.doGenerateCalls).toHaveLength(2);
    noLeak(promptsOf(inner), 'provider prompts');
    const detected = audit.events().filter((e) => e.type === 'secret.detected');
    // Two distinct texts (instructions, user prompt), each reported once although sent in both steps.
    expect(detected).toHaveLength(2);
    noLeak(audit.events(), 'audit');
    await guard.close();
  });
});

describe('redactionMiddleware.wrapGenerate', () => {
  it('redacts text, reasoning and tool-call input, keeping the input valid JSON', async () => {
    const { guard } = await warmGuard();
    const inner = new MockLanguageModelV4({
      doGenerate: [
        {
          content: [
            { type: 'reasoning', text: `the token is ${S}` },
            { type: 'text', text: `use ${S} or ${PASTED_AWS_KEY}` },
            {
              type: 'tool-call',
              toolCallId: 'c1',
              toolName: 'send',
              input: JSON.stringify({ body: `key "${S}"` }),
            },
          ],
          finishReason: { unified: 'tool-calls', raw: undefined },
          usage,
          warnings: [],
        },
        textResult(`final ${S}`),
      ],
    });
    let received: unknown;
    const result = await generateText({
      model: wrapLanguageModel({ model: inner, middleware: redactionMiddleware(guard) }),
      prompt: 'x',
      tools: {
        send: tool({
          inputSchema: z.object({ body: z.string() }),
          execute: (input) => {
            received = input;
            return 'sent';
          },
        }),
      },
      stopWhen: isStepCount(3),
    });
    expect(received).toEqual({ body: expect.stringMatching(/^key "\[REDACTED[^\]]*\]"$/) as unknown });
    noLeak([result.text, result.steps.map((st) => st.reasoningText), result.steps], 'generate result');
    expect(result.text).toMatch(/^final \[REDACTED/);
    await guard.close();
  });
});

describe('redactionMiddleware.wrapStream', () => {
  async function run(parts: LanguageModelV4StreamPart[]) {
    const { guard } = await warmGuard();
    const mw = redactionMiddleware(guard);
    const model = new MockLanguageModelV4({ doStream: streamOf(parts) });
    const { stream } = await mw.wrapStream!({
      doStream: () => model.doStream({ prompt: [] }),
      doGenerate: () => model.doGenerate({ prompt: [] }),
      params: { prompt: [] },
      model,
    });
    const out = await convertReadableStreamToArray(stream);
    await guard.close();
    return out;
  }
  const joined = (parts: LanguageModelV4StreamPart[], type: string, id: string) =>
    parts.map((p) => (p.type === type && 'id' in p && p.id === id && 'delta' in p ? p.delta : '')).join('');

  it('catches a secret split across text, reasoning and tool-input deltas, per block id', async () => {
    const split = (id: string, type: 'text-delta' | 'reasoning-delta' | 'tool-input-delta') =>
      [`pre ${S.slice(0, 9)}`, S.slice(9, 17), `${S.slice(17)} post`].map((delta) => ({ type, id, delta }));
    const out = await run([
      { type: 'text-start', id: 'a' },
      { type: 'text-start', id: 'b' },
      { type: 'reasoning-start', id: 'r' },
      { type: 'tool-input-start', id: 'c1', toolName: 'send' },
      ...split('a', 'text-delta').flatMap((p, i) => [
        p,
        split('b', 'text-delta')[i]!,
        split('r', 'reasoning-delta')[i]!,
      ]),
      ...split('c1', 'tool-input-delta'),
      { type: 'text-end', id: 'a' },
      { type: 'reasoning-end', id: 'r' },
      { type: 'tool-input-end', id: 'c1' },
      { type: 'tool-call', toolCallId: 'c1', toolName: 'send', input: JSON.stringify({ k: S }) },
      { type: 'text-end', id: 'b' },
      finish,
    ]);
    noLeak(out, 'stream');
    for (const [type, id] of [
      ['text-delta', 'a'],
      ['text-delta', 'b'],
      ['reasoning-delta', 'r'],
      ['tool-input-delta', 'c1'],
    ] as const) {
      expect(joined(out, type, id)).toMatch(/^pre \[REDACTED[^\]]*\] post$/);
    }
    // Every block's remainder comes before its end part.
    const endA = out.findIndex((p) => p.type === 'text-end' && p.id === 'a');
    expect(out.slice(endA).some((p) => p.type === 'text-delta' && p.id === 'a')).toBe(false);
    const call = out.find((p) => p.type === 'tool-call');
    expect(JSON.parse(call?.type === 'tool-call' ? call.input : '')).toEqual({
      k: expect.stringMatching(/^\[REDACTED/) as unknown,
    });
  });

  it('flushes held-back text on finish when a block never ended, and at close without finish', async () => {
    // A short prefix of the secret is held back (it could still grow into the secret), then released.
    const tail = `ends with ${S.slice(0, 5)}`;
    const withFinish = await run([
      { type: 'text-start', id: 'a' },
      { type: 'text-delta', id: 'a', delta: tail },
      finish,
    ]);
    expect(joined(withFinish, 'text-delta', 'a')).toBe(tail);
    // The held-back remainder is released as the last delta, right before finish.
    expect(withFinish.map((p) => p.type).slice(-2)).toEqual(['text-delta', 'finish']);
    expect((withFinish.at(-2) as { delta: string }).delta.endsWith(S.slice(0, 5))).toBe(true);
    // A longer cut-off prefix is itself treated as a leak and redacted.
    const cut = await run([{ type: 'text-delta', id: 'a', delta: `x ${S.slice(0, 10)}` }, finish]);
    expect(joined(cut, 'text-delta', 'a')).toMatch(/^x \[REDACTED/);
    const noFinish = await run([
      { type: 'text-start', id: 'a' },
      { type: 'text-delta', id: 'a', delta: tail },
    ]);
    expect(joined(noFinish, 'text-delta', 'a')).toBe(tail);
  });

  it('redacts error parts and streamText output end to end', async () => {
    const { guard } = await warmGuard();
    const inner = new MockLanguageModelV4({
      doStream: streamOf([
        { type: 'text-start', id: 't' },
        ...(`the key is ${S}!`.match(/.{1,3}/g) ?? []).map((c) => ({
          type: 'text-delta' as const,
          id: 't',
          delta: c,
        })),
        { type: 'text-end', id: 't' },
        finish,
      ]),
    });
    const result = streamText({
      model: wrapLanguageModel({ model: inner, middleware: redactionMiddleware(guard) }),
      prompt: 'x',
    });
    const chunks: string[] = [];
    for await (const c of result.textStream) chunks.push(c);
    noLeak(chunks, 'textStream');
    expect(chunks.join('')).toMatch(/^the key is \[REDACTED[^\]]*\]!$/);
    await guard.close();

    const errored = await run([{ type: 'error', error: new Error(`provider echoed ${S}`) }, finish]);
    noLeak(errored, 'error part');
  });
});
