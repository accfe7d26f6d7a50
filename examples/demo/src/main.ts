#!/usr/bin/env node
import { setMaxListeners } from 'node:events';
import { AgentLeaseError } from '@agent-lease/core';
import { parseArgs } from 'node:util';
import { checkLeaks, renderNarrative, renderProof, renderSpanTree, summariseAudit } from './report.js';
import { runScenario } from './scenario.js';

const usage = `usage: pnpm demo [--json] [--framework ai-sdk|langchain] [--broker local|vault] [--otlp <url>] [--model <provider:model>] [--no-color]

  --json            print a machine-readable report instead of the narrative
  --framework langchain  run the same steps through LangChain's createAgent instead of the AI SDK
  --broker vault    lease from Vault (the @agent-lease/testing Vault server, offline) instead of the embedded broker
  --otlp <url>      also send the (scrubbed) spans to an OTLP/HTTP collector, e.g. http://127.0.0.1:4318/v1/traces
  --model <p:m>     use a real model when its key is set: openai:<model> (OPENAI_API_KEY) or
                    anthropic:<model> (ANTHROPIC_API_KEY); the scripted model otherwise
Exits 1 if any secret is found in any captured channel.`;

async function loadModel(
  spec: string,
  framework: 'ai-sdk' | 'langchain',
): Promise<{ model: unknown; secrets: Record<string, string> }> {
  const [provider, ...rest] = spec.split(':');
  const modelId = rest.join(':');
  if (framework === 'langchain') {
    if (provider === 'openai' && process.env.OPENAI_API_KEY) {
      const key = process.env.OPENAI_API_KEY;
      const { ChatOpenAI } = await import('@langchain/openai');
      return {
        model: new ChatOpenAI({ apiKey: key, model: modelId || 'gpt-4o-mini' }),
        secrets: { 'openai-api-key': key },
      };
    }
    throw new Error(
      `--model ${spec} with --framework langchain: expected openai:<model> with OPENAI_API_KEY set`,
    );
  }
  if (provider === 'openai' && process.env.OPENAI_API_KEY) {
    const key = process.env.OPENAI_API_KEY;
    const { createOpenAI } = await import('@ai-sdk/openai');
    return {
      model: createOpenAI({ apiKey: key })(modelId || 'gpt-4o-mini'),
      secrets: { 'openai-api-key': key },
    };
  }
  if (provider === 'anthropic' && process.env.ANTHROPIC_API_KEY) {
    const key = process.env.ANTHROPIC_API_KEY;
    const { createAnthropic } = await import('@ai-sdk/anthropic');
    return {
      model: createAnthropic({ apiKey: key })(modelId || 'claude-haiku-4-5'),
      secrets: { 'anthropic-api-key': key },
    };
  }
  throw new Error(
    `--model ${spec}: expected openai:<model> with OPENAI_API_KEY set, or anthropic:<model> with ANTHROPIC_API_KEY set`,
  );
}

async function main(): Promise<number> {
  // LangGraph adds one abort listener per parallel tool call to the run's signal; step 6 runs 12 at once.
  setMaxListeners(64);
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      otlp: { type: 'string' },
      model: { type: 'string' },
      broker: { type: 'string', default: 'local' },
      framework: { type: 'string', default: 'ai-sdk' },
      'no-color': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (values.broker !== 'local' && values.broker !== 'vault') {
    console.error(`--broker ${values.broker}: expected "local" or "vault"`);
    return 2;
  }
  if (values.framework !== 'ai-sdk' && values.framework !== 'langchain') {
    console.error(`--framework ${values.framework}: expected "ai-sdk" or "langchain"`);
    return 2;
  }
  const real = values.model ? await loadModel(values.model, values.framework) : undefined;
  const result = await runScenario({
    model: real?.model,
    ...(real ? { providerSecrets: real.secrets } : {}),
    otlpUrl: values.otlp,
    broker: values.broker,
    framework: values.framework,
  });
  const colour = !values.json && !values['no-color'] && process.stdout.isTTY && !process.env.NO_COLOR;

  let printed: string;
  if (values.json) {
    const preliminary = checkLeaks(result, '');
    printed = JSON.stringify(
      {
        steps: result.steps,
        audit: result.audit,
        spans: result.spans.map((s) => ({
          name: s.name,
          parent: s.parentSpanContext?.spanId,
          id: s.spanContext().spanId,
          attributes: s.attributes,
          events: s.events.map((e) => e.name),
          status: s.status,
        })),
        leakCheck: {
          bytesByChannel: preliminary.bytesByChannel,
          secrets: preliminary.canaryCount,
          findings: preliminary.findings,
        },
      },
      null,
      2,
    );
  } else {
    printed = [
      renderNarrative(result, colour),
      '',
      'Trace (scrubbed by RedactingSpanProcessor before any exporter):',
      renderSpanTree(result.spans, colour),
      '',
      `Audit trail (${result.audit.length} events, HMAC fingerprints only):`,
      summariseAudit(result.audit),
      ...(result.vaultLeft
        ? [
            '',
            `Vault: ${result.vaultLeft.tokens} child tokens and ${result.vaultLeft.leases} leases left on the server`,
          ]
        : []),
    ].join('\n');
  }
  // The final check includes everything printed above, so the terminal output is itself scanned.
  const check = checkLeaks(result, printed);
  process.stdout.write(`${printed}\n`);
  if (!values.json) process.stdout.write(`\n${renderProof(check, colour)}\n`);
  const failedSteps = result.steps.filter((s) => !s.ok).length;
  if (!values.json && failedSteps > 0)
    process.stdout.write(`${failedSteps} step(s) did not behave as expected\n`);
  const vaultLeftovers = result.vaultLeft ? result.vaultLeft.tokens + result.vaultLeft.leases : 0;
  return check.findings.length > 0 || vaultLeftovers > 0 || (failedSteps > 0 && !real) ? 1 : 0;
}

// Exit explicitly: on a failure the loopback servers may still hold the event loop open.
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // Only agent-lease's own messages are known to be secret-free; anything else is named, not quoted.
    console.error(
      AgentLeaseError.isInstance(error)
        ? `demo failed: ${error.name}: ${error.message}`
        : `demo failed: ${error instanceof Error ? error.name : typeof error}`,
    );
    process.exit(2);
  },
);
