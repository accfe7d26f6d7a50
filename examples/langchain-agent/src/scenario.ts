import {
  createGuard,
  currentLease,
  localBroker,
  memoryAudit,
  type AuditEvent,
  type Guard,
} from '@agent-lease/core';
import { guardTools, leaseMiddleware, redactAgentStream } from '@agent-lease/langchain';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { createAgent, fakeModel, tool } from 'langchain';
import { z } from 'zod';

/** A fake but realistic AWS key id a user pastes into the chat (the format of AWS's documented examples). */
export const PASTED_AWS_KEY_ID = 'AKIAZ7QK3XVN5TPW2R4M';
/** The tracker token the broker holds; the agent and the model never see it. */
const TRACKER_TOKEN = 'trk-live-7Hq2Lm9Vx4Rb8Nc3Kd6Wp1Zs5';

export interface StepReport {
  n: number;
  title: string;
  decided: string;
  ok: boolean;
}

export interface LangchainScenarioOptions {
  /** A real chat model instead of the scripted one (what it does is then up to it). */
  model?: BaseChatModel | undefined;
  /** Secrets the real model's provider needs (its API key): registered for redaction and scanned for. */
  providerSecrets?: Record<string, string>;
}

export interface LangchainScenarioResult {
  steps: StepReport[];
  answer: string;
  audit: AuditEvent[];
  /** Everything the run produced per channel, to scan for leaks. */
  captured: Record<string, string>;
  /** Every secret the run handed out or was given, by name (never printed). */
  canaries: Record<string, string>;
}

/** The offline model: reads an issue, tries a write outside its grant, hits a failing tool, then answers. */
function scriptedModel() {
  return fakeModel()
    .respondWithTools([
      { name: 'read_issue', args: { repo: 'acme/widgets', number: 7 }, id: 'call_read' },
      { name: 'delete_repo', args: { repo: 'acme/widgets' }, id: 'call_delete' },
      { name: 'sync_mirror', args: { repo: 'acme/widgets' }, id: 'call_sync' },
    ])
    .respond((messages: BaseMessage[]) => {
      // A model that repeats everything it saw: the worst case for output redaction.
      const seen = messages.map((m) =>
        typeof m.content === 'string' ? m.content : JSON.stringify(m.content),
      );
      return new AIMessage(`Summary of what I saw: ${seen.join(' | ')}`);
    });
}

/**
 * One LangChain agent run behind the credential boundary, offline by default:
 * 1. a read gets a lease scoped to one repository; the token reaches the tool, never the model;
 * 2. a destructive call outside the grant is denied before any broker is asked, and the model is told why;
 * 3. a tool that fails with the token in its error message reaches the model as a short redacted error;
 * 4. an AWS key the user pasted is redacted before the model sees it;
 * 5. the streamed answer is redacted token by token; every lease is revoked at the end.
 */
export async function runLangchainScenario(
  options: LangchainScenarioOptions = {},
): Promise<LangchainScenarioResult> {
  const audit = memoryAudit();
  const guard: Guard = createGuard({
    agent: { id: 'support-bot', name: 'Support bot' },
    broker: localBroker({ credentials: { tracker: { value: TRACKER_TOKEN, inject: { type: 'bearer' } } } }),
    grants: { tracker: { scopes: ['issues:read:acme/*', 'issues:write:acme/*'], maxTtl: '2m' } },
    audit: { sink: audit, failClosed: true },
  });
  for (const [name, value] of Object.entries(options.providerSecrets ?? {}))
    guard.redactor.register(value, name);

  const leasedFor: string[] = [];
  const readIssue = tool(
    ({ repo, number }) => {
      const lease = currentLease('tracker');
      leasedFor.push(lease.scopes.join(','));
      // A real tool would call lease.fetch(url) and never hold the value; this one shows that even if it
      // returns it, the value is redacted before anything downstream sees it.
      return `#${number} in ${repo}: "Build fails on main" (fetched with ${lease.reveal()})`;
    },
    {
      name: 'read_issue',
      description: 'Read an issue of a repository',
      schema: z.object({ repo: z.string(), number: z.number() }),
    },
  );
  const deleteRepo = tool(({ repo }) => `deleted ${repo}`, {
    name: 'delete_repo',
    description: 'Delete a repository',
    schema: z.object({ repo: z.string() }),
  });
  const syncMirror = tool(
    ({ repo }) => {
      throw new Error(`mirror of ${repo} refused token ${currentLease('tracker').reveal()}`);
    },
    {
      name: 'sync_mirror',
      description: 'Sync the mirror of a repository',
      schema: z.object({ repo: z.string() }),
    },
  );
  const tools = guardTools(guard, [readIssue, deleteRepo, syncMirror], {
    read_issue: { credential: 'tracker', scopes: (i) => [`issues:read:${i.repo}`], ttl: '30s' },
    delete_repo: { credential: 'tracker', scopes: (i) => [`repo:delete:${i.repo}`] },
    sync_mirror: { credential: 'tracker', scopes: (i) => [`issues:write:${i.repo}`] },
  });

  const model = options.model ?? scriptedModel();
  const agent = createAgent({
    model,
    tools,
    systemPrompt: 'You triage issues of the acme organisation. Use the tools, then answer briefly.',
    middleware: [leaseMiddleware(guard)],
  });
  const question = `Look at issue 7 of acme/widgets, delete the repo, sync the mirror. My AWS key is ${PASTED_AWS_KEY_ID}.`;

  const tokens: string[] = [];
  const updates: unknown[] = [];
  let final: BaseMessage[] = [];
  const stream = redactAgentStream(
    guard,
    await agent.stream(
      { messages: [new HumanMessage(question)] },
      { streamMode: ['messages', 'updates', 'values'] },
    ),
  );
  for await (const [mode, chunk] of stream as AsyncIterable<[string, unknown]>) {
    if (mode === 'messages') {
      const [message] = chunk as [BaseMessage];
      if (message.type === 'ai' && typeof message.content === 'string') tokens.push(message.content);
    } else if (mode === 'updates') updates.push(chunk);
    else final = (chunk as { messages: BaseMessage[] }).messages;
  }
  const leasesLeft = guard.leases().length;
  await guard.close();

  const toolMessages = final.filter((m): m is ToolMessage => ToolMessage.isInstance(m));
  const byCall = (id: string) => toolMessages.find((m) => m.tool_call_id === id);
  const read = byCall('call_read');
  const denied = byCall('call_delete');
  const failed = byCall('call_sync');
  const answer = final.at(-1)?.text ?? '';
  const sentToModel = options.model ? [] : (model as ReturnType<typeof scriptedModel>).calls;
  const events = audit.events();
  const steps: StepReport[] = [
    {
      n: 1,
      title: 'Read issue 7 with a lease scoped to acme/widgets',
      decided: `granted ${leasedFor.join(' ') || '(not called)'}; the tool saw the token, its result says ${
        (read?.text ?? '').includes('[REDACTED:tracker]') ? '[REDACTED:tracker]' : 'no token'
      }`,
      ok: leasedFor.includes('issues:read:acme/widgets') && read?.status !== 'error',
    },
    {
      n: 2,
      title: 'Delete the repository (not in the grant)',
      decided: `denied before the broker was asked: ${denied?.text ?? '(not called)'}`,
      ok: denied?.status === 'error' && events.some((e) => e.type === 'lease.denied'),
    },
    {
      n: 3,
      title: 'A tool fails with the token in its error',
      decided: `the model got: ${failed?.text ?? '(not called)'}`,
      ok: failed?.status === 'error' && failed.text.includes('[REDACTED:tracker]'),
    },
    {
      n: 4,
      title: 'The user pasted an AWS key',
      decided: 'redacted before the model, in state and in the stream',
      ok: !JSON.stringify(sentToModel).includes(PASTED_AWS_KEY_ID),
    },
    {
      n: 5,
      title: 'Streamed answer and lease cleanup',
      decided: `${tokens.length} redacted chunks streamed; ${leasesLeft} leases live after the run`,
      ok: leasesLeft === 0 && tokens.length > 0,
    },
  ];
  return {
    steps,
    answer,
    audit: events,
    captured: {
      'model input': JSON.stringify(sentToModel),
      'streamed tokens': tokens.join(''),
      updates: JSON.stringify(updates),
      'final state': JSON.stringify(final),
      audit: JSON.stringify(events),
    },
    canaries: { tracker: TRACKER_TOKEN, 'pasted-aws-key-id': PASTED_AWS_KEY_ID, ...options.providerSecrets },
  };
}
