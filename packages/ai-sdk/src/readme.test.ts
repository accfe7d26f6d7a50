// The README quick start, run offline: `openai()` is a scripted model and the GitHub API a stubbed fetch.
// The code between the markers must be the README's code block, line for line (checked below).
import { readFileSync } from 'node:fs';
import { createGuard, currentLease, localBroker } from '@agent-lease/core';
import { openai } from '@ai-sdk/openai';
import type { LanguageModelV4CallOptions } from '@ai-sdk/provider';
import { generateText, isStepCount, tool, wrapLanguageModel } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { afterEach, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { guardTools, redactionMiddleware } from './index.js';
import { textResult, toolCallResult } from './test-fixtures.js';

const TOKEN = 'ghp_readmeAiSdk0123456789abcdefABCDEFGH';
const seenByModel: LanguageModelV4CallOptions[] = [];

vi.mock('@ai-sdk/openai', () => ({
  openai: () =>
    new MockLanguageModelV4({
      doGenerate: (options) => {
        seenByModel.push(options);
        return Promise.resolve(
          seenByModel.length === 1
            ? toolCallResult('listIssues', { repo: 'vercel/ai' })
            : textResult(`Summary of: ${JSON.stringify(options.prompt.at(-1))}`),
        );
      },
    }),
}));

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

it('runs the README quick start', async () => {
  process.env.GITHUB_TOKEN = TOKEN;
  const upstream = vi.fn((url: URL | string, init?: RequestInit) => {
    const auth = new Headers(init?.headers).get('authorization') ?? '';
    return Promise.resolve(
      Response.json([{ title: `Flaky test (${String(url)})`, debug: `auth was ${auth}` }]),
    );
  });
  vi.stubGlobal('fetch', upstream);
  const printed: unknown[] = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => printed.push(...args));

  // README:start
  const guard = createGuard({
    agent: { id: 'support-bot' },
    broker: localBroker({ credentials: { github: { env: 'GITHUB_TOKEN' } } }),
    grants: { github: { scopes: ['issues:read'], maxTtl: '1m', hosts: ['api.github.com'] } },
  });
  const listIssues = tool({
    inputSchema: z.object({ repo: z.string() }),
    execute: async ({ repo }) =>
      (await currentLease().fetch(`https://api.github.com/repos/${repo}/issues`)).text(),
  });
  const needs = { listIssues: { credential: 'github', scopes: ['issues:read'] } };
  const tools = guardTools(guard, { listIssues }, needs);
  const model = wrapLanguageModel({ model: openai('gpt-4.1-mini'), middleware: redactionMiddleware(guard) });
  const prompt = 'Summarise the open issues of vercel/ai';
  console.log((await generateText({ model, tools, prompt, stopWhen: isStepCount(3) })).text);
  // README:end

  expect(process.env.GITHUB_TOKEN).toBeUndefined();
  expect(upstream).toHaveBeenCalledTimes(1);
  expect(new Headers(upstream.mock.calls[0]?.[1]?.headers).get('authorization')).toBe(`Bearer ${TOKEN}`);
  expect(printed).toHaveLength(1);
  expect(String(printed[0])).toContain('Flaky test (https://api.github.com/repos/vercel/ai/issues)');
  expect(String(printed[0])).toContain('auth was Bearer [REDACTED');
  expect(JSON.stringify([printed, seenByModel.map((o) => o.prompt)]).includes(TOKEN.slice(4, 20))).toBe(
    false,
  );
  expect(guard.leases()).toEqual([]);
  await guard.close();
});

it('matches the code block in README.md', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const block = /## Quick start\n\n```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const lines = block.split('\n').filter((l) => l.trim() !== '');
  const source = readFileSync(new URL(import.meta.url), 'utf8');
  const region = /\/\/ README:start\n([\s\S]*?)\/\/ README:end/.exec(source)?.[1] ?? '';
  const imports = lines.filter((l) => l.startsWith('import '));
  const body = lines.filter((l) => !l.startsWith('import '));
  expect(imports.length).toBeGreaterThan(0);
  expect(body.length).toBeGreaterThan(5);
  for (const line of imports) {
    // Same names from the same module (the package itself is imported relatively here).
    const [, names = '', from = ''] = /^import \{ (.*) \} from '(.*)';$/.exec(line) ?? [];
    const local = from === '@agent-lease/ai-sdk' ? './index.js' : from;
    expect(source).toMatch(
      new RegExp(`import \\{ [^}]*${names.split(', ')[0] ?? ''}[^}]*\\} from '${local}'`),
    );
    for (const name of names.split(', ')) expect(source).toContain(name);
  }
  expect(
    region
      .split('\n')
      .map((l) => l.replace(/^ {2}/, ''))
      .filter((l) => l.trim() !== ''),
  ).toEqual(body);
});
