// Run: pnpm --filter @agent-lease/example-ai-sdk-agent start
// Offline by default (scripted model); set OPENAI_API_KEY to drive it with a real model (OPENAI_MODEL, default gpt-4.1-mini).
import { randomBytes } from 'node:crypto';
import { openai } from '@ai-sdk/openai';
import { runAgent } from './agent.js';
import { scriptedModel } from './scripted-model.js';

const live = Boolean(process.env.OPENAI_API_KEY);
// A fresh tracker token per run; in an app it comes from a vault or the environment, read once by the broker.
const trackerToken = `trk_${randomBytes(18).toString('base64url')}`;
// A user pasting a cloud key into the chat: the middleware keeps it from the model provider.
const pastedKey = 'AKIAQ7W3E5R7T9Y2U4I6';

console.log(
  `model: ${live ? `OpenAI ${process.env.OPENAI_MODEL ?? 'gpt-4.1-mini'}` : 'scripted (offline)'}\n`,
);
const run = await runAgent({
  model: (repo) => (live ? openai(process.env.OPENAI_MODEL ?? 'gpt-4.1-mini') : scriptedModel(repo)),
  trackerToken,
  prompt: (repo) =>
    `List the open issues in ${repo}, then close issue 1. My AWS key is ${pastedKey} if you need it.`,
  onText: (delta) => process.stdout.write(delta),
}).catch((error: unknown) => {
  // Print one line: SDK errors carry the request body (prompts), which has no place in a console.
  console.error(`\nthe agent run failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

console.log('\n\ntool outputs as the SDK stored them:');
for (const out of run.toolOutputs) {
  const o = out as { type: string; toolName: string; output?: unknown; error?: unknown };
  console.log(`  ${o.toolName}: ${o.type === 'tool-error' ? String(o.error) : JSON.stringify(o.output)}`);
}
console.log('\naudit trail:');
for (const e of run.audit) {
  console.log(
    `  ${e.type.padEnd(16)} ${e.tool ?? ''} ${e.credential ?? ''} ${e.scopes?.join(',') ?? ''} ${e.outcome}`,
  );
}
const everything = JSON.stringify(run);
const leaked = [trackerToken, pastedKey].some((s) => everything.includes(s));
console.log(`\nupstream calls authorized with the leased token: ${run.upstreamAuthorized}`);
console.log(`live leases after the run: ${run.liveLeasesAfter}`);
console.log(
  leaked
    ? '\nLEAK: a secret reached the output'
    : '\nno secret reached the model, the output or the audit log',
);
process.exitCode = leaked ? 1 : 0;
