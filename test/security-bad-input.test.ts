/**
 * Bad input (issue 9): invalid configuration of every package and malformed tool input, each rejected with a typed
 * error whose code is stable and whose message names the field and what is expected. Then ReDoS: every built-in
 * redaction rule against 1 MiB adversarial inputs built from its own pattern, at most 50 ms each.
 */
import * as core from '@agent-lease/core';
import {
  AgentLeaseError,
  createGuard,
  createRedactor,
  currentLease,
  InvalidConfigError,
  InvalidSecretError,
  LeaseDeniedError,
  localBroker,
  NoActiveLeaseError,
  type SecretRule,
} from '@agent-lease/core';
import { guardTools } from '@agent-lease/ai-sdk';
import { guardTool } from '@agent-lease/langchain';
import { redactingExporter, setupTracing } from '@agent-lease/otel';
import { seededRandom } from '@agent-lease/testing';
import { vaultBroker } from '@agent-lease/vault';
import { tool as lcTool } from '@langchain/core/tools';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { tool } from 'ai';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

const VALUE = 'bad-input-value-7Qw3Er5Ty8';
const broker = () => localBroker({ credentials: { github: { value: VALUE } } });
const valid = () => ({
  agent: { id: 'bad-input' },
  broker: broker(),
  grants: { github: { scopes: ['issues:*'], maxTtl: '5m', hosts: ['api.github.com'] } },
});
const withGrant = (g: Record<string, unknown>) => ({
  ...valid(),
  grants: { github: { ...valid().grants.github, ...g } },
});

/** What a case must throw: the class's isInstance, its code, and a fragment of the message naming the field. */
type Expect = [isInstance: (e: unknown) => boolean, code: string, message: RegExp];
const CONFIG: Expect = [InvalidConfigError.isInstance, 'INVALID_CONFIG', /./];
const cfg = (message: RegExp): Expect => [CONFIG[0], CONFIG[1], message];

const guard = createGuard({
  ...valid(),
  grants: { github: { scopes: ['issues:read', 'issues:write:acme/*'], maxTtl: '1m' } },
});
afterAll(() => guard.close());

const cases: [string, () => unknown, Expect][] = [
  // createGuard
  ['config is not an object', () => createGuard(42 as never), cfg(/\(root\): expected a config object/)],
  [
    'agent missing',
    () => createGuard({ ...valid(), agent: undefined } as never),
    cfg(/agent: expected an object/),
  ],
  [
    'agent id with spaces',
    () => createGuard({ ...valid(), agent: { id: 'support bot' } }),
    cfg(/agent\.id: expected 1-128/),
  ],
  [
    'misspelled top-level key',
    () => createGuard({ ...valid(), grant: {} } as never),
    cfg(/\(root\): unknown key "grant"/),
  ],
  [
    'broker without revoke',
    () => createGuard({ ...valid(), broker: { acquire: () => undefined } } as never),
    cfg(/broker: expected a broker/),
  ],
  ['no grants', () => createGuard({ ...valid(), grants: {} }), cfg(/grants: expected at least one grant/)],
  [
    'maxTtl with a unit in words',
    () => createGuard(withGrant({ maxTtl: '5 minutes' })),
    cfg(/grants\.github\.maxTtl: expected a duration/),
  ],
  [
    'negative maxTtl',
    () => createGuard(withGrant({ maxTtl: -5 })),
    cfg(/grants\.github\.maxTtl: expected a duration/),
  ],
  [
    'scopes as a string',
    () => createGuard(withGrant({ scopes: 'issues:*' })),
    cfg(/grants\.github\.scopes: expected a list/),
  ],
  ['empty scope pattern', () => createGuard(withGrant({ scopes: [''] })), cfg(/grants\.github\.scopes/)],
  [
    'host with a path',
    () => createGuard(withGrant({ hosts: ['https://api.github.com/x'] })),
    cfg(/grants\.github\.hosts/),
  ],
  [
    'misspelled grant key',
    () => createGuard(withGrant({ maxTTL: '5m' })),
    cfg(/grants\.github: unknown key "maxTTL"/),
  ],
  [
    'grant for a credential the broker lacks',
    () => createGuard({ ...valid(), grants: { gitlab: { scopes: ['*'], maxTtl: '1m' } } }),
    cfg(/grants\.gitlab: credential "gitlab" is not configured/),
  ],
  [
    'audit sink without write',
    () => createGuard({ ...valid(), audit: { sink: {} } } as never),
    cfg(/audit\.sink/),
  ],
  [
    'monitor limit not a whole number',
    () => createGuard({ ...valid(), monitor: { maxLeasesPerMinute: 1.5 } }),
    cfg(/monitor\.maxLeasesPerMinute/),
  ],
  [
    'misspelled monitor key',
    () => createGuard({ ...valid(), monitor: { maxLeasesPerMinut: 60 } } as never),
    cfg(/monitor: unknown key "maxLeasesPerMinut"/),
  ],
  [
    'onAnomaly not lock or alert',
    () => createGuard({ ...valid(), monitor: { onAnomaly: 'ignore' } } as never),
    cfg(/monitor\.onAnomaly/),
  ],
  [
    'timeout not a duration',
    () => createGuard({ ...valid(), timeout: 'soon' }),
    cfg(/timeout: expected a duration/),
  ],
  [
    'redaction placeholder unknown',
    () => createGuard({ ...valid(), redaction: { placeholder: 'stars' } } as never),
    cfg(/redaction\.placeholder/),
  ],
  // redaction rules
  [
    'disable an unknown rule',
    () => createRedactor({ rules: { disable: ['github-patt'] } }),
    cfg(/rules\.disable: no built-in rule named github-patt/),
  ],
  [
    'user rule with a nested quantifier (ReDoS)',
    () => createRedactor({ rules: { add: [{ id: 'bad', pattern: /(a+)+$/ }] } }),
    cfg(/rule bad: pattern has a nested quantifier/),
  ],
  [
    'user rule matching the empty string',
    () => createRedactor({ rules: { add: [{ id: 'empty', pattern: /x*/ }] } }),
    cfg(/rule empty: pattern matches the empty string/),
  ],
  [
    'user rule without a pattern',
    () => createRedactor({ rules: { add: [{ id: 'none' } as unknown as SecretRule] } }),
    cfg(/none/),
  ],
  // localBroker
  [
    'credential with no source',
    () => localBroker({ credentials: { github: {} } } as never),
    cfg(/credentials\.github: expected \{ value \}, \{ env \} or \{ mint: true \}/),
  ],
  [
    'credential value shorter than 8',
    () => localBroker({ credentials: { github: { value: 'short' } } }),
    [InvalidConfigError.isInstance, 'INVALID_CONFIG', /credentials\.github/],
  ],
  [
    'credential name with spaces',
    () => localBroker({ credentials: { 'git hub': { value: VALUE } } }),
    cfg(/credentials\.git hub: expected a credential name/),
  ],
  [
    'env credential that is not set',
    () => localBroker({ credentials: { github: { env: 'AL_SEC_SURELY_UNSET_VAR' } } }),
    cfg(/credentials\.github.*AL_SEC_SURELY_UNSET_VAR/),
  ],
  [
    'bad inject type',
    () => localBroker({ credentials: { github: { value: VALUE, inject: { type: 'cookie' } } } } as never),
    cfg(/credentials\.github\.inject/),
  ],
  // vaultBroker
  [
    'vault endpoint not a URL',
    () =>
      vaultBroker({
        endpoint: 'vault:8200',
        auth: { token: 'hvs.x' },
        credentials: { a: { kv: { path: 'p', field: 'f', policies: ['p'] } } },
      }),
    cfg(/endpoint/),
  ],
  [
    'vault credential both kv and dynamic',
    () =>
      vaultBroker({
        endpoint: 'https://v:8200',
        auth: { token: 'hvs.x' },
        credentials: {
          db: { kv: { path: 'p', field: 'f', policies: ['p'] }, dynamic: { path: 'd', policies: ['p'] } },
        },
      }),
    cfg(/credentials\.db: expected exactly one of "kv" or "dynamic"/),
  ],
  [
    'vault auth missing',
    () => vaultBroker({ endpoint: 'https://v:8200', credentials: {} } as never),
    cfg(/auth/),
  ],
  // otel
  [
    'setupTracing without exporter',
    () => setupTracing({ guard, serviceName: 'x' } as never),
    cfg(/exporter: expected a SpanExporter/),
  ],
  [
    'setupTracing with empty service name',
    () => setupTracing({ guard, exporter: new InMemorySpanExporter(), serviceName: '' }),
    cfg(/serviceName: expected a non-empty string/),
  ],
  [
    'redactingExporter around a non-exporter',
    () => redactingExporter({} as never, guard),
    [(e) => e instanceof TypeError, 'TypeError', /expected a SpanExporter/],
  ],
  // adapters
  [
    'ai-sdk needs for a tool that does not exist',
    () => guardTools(guard, {}, { nope: { credential: 'github', scopes: ['issues:read'] } }),
    cfg(/nope: there is no tool with this name/),
  ],
  [
    'ai-sdk needs for a credential without a grant',
    () =>
      guardTools(
        guard,
        { t: tool({ inputSchema: z.object({}), execute: () => 1 }) },
        { t: { credential: 'gitlab', scopes: ['x'] } },
      ),
    cfg(/credential: "gitlab" has no grant/),
  ],
  [
    'ai-sdk needs with a wildcard scope',
    () =>
      guardTools(
        guard,
        { t: tool({ inputSchema: z.object({}), execute: () => 1 }) },
        { t: { credential: 'github', scopes: ['issues:*'] } },
      ),
    cfg(/must be a literal scope/),
  ],
  [
    'langchain needs for a credential without a grant',
    () =>
      guardTool(
        guard,
        lcTool(() => 'x', { name: 'lc', schema: z.object({}) }),
        { credential: 'gitlab', scopes: ['x'] },
      ),
    cfg(/credential: "gitlab" has no grant/),
  ],
  // outside a call
  [
    'currentLease outside a guarded call',
    () => currentLease('github'),
    [NoActiveLeaseError.isInstance, 'NO_ACTIVE_LEASE', /currentLease/],
  ],
  [
    'registering a 7-character secret',
    () => createRedactor().register('1234567', 'x'),
    [InvalidSecretError.isInstance, 'INVALID_SECRET', /7 characters; at least 8/],
  ],
];

/** Malformed tool input: scope functions receive whatever the model sent (after schema validation, or not). */
const needsOf = (fn: (i: never) => unknown) => ({
  credential: 'github',
  scopes: fn as (i: unknown) => string[],
});
const inputCases: [string, unknown, (i: never) => unknown, RegExp][] = [
  [
    'input missing the field the scope needs',
    {},
    (i: { repo: string }) => [`issues:write:${i.repo}`],
    /credential github: scope issues:write:undefined is not granted|did not produce valid scopes/,
  ],
  [
    'scope function throws on a malformed input',
    null,
    (i: { repo: string }) => [`issues:write:${i.repo}`],
    /credential github: the tool input did not produce valid scopes/,
  ],
  [
    'input that widens with a wildcard',
    { repo: 'acme/*' },
    (i: { repo: string }) => [`issues:write:${i.repo}`],
    /credential github: the tool input produced an invalid scope/,
  ],
  [
    'input with whitespace and a second scope',
    { repo: 'acme/w issues:admin' },
    (i: { repo: string }) => [`issues:write:${i.repo}`],
    /credential github: the tool input produced an invalid scope/,
  ],
  [
    'input with a newline',
    { repo: 'acme/w\nissues:admin' },
    (i: { repo: string }) => [`issues:write:${i.repo}`],
    /credential github: the tool input produced an invalid scope/,
  ],
  [
    'scope function returns a string, not a list',
    { repo: 'acme/w' },
    (i: { repo: string }) => `issues:write:${i.repo}`,
    /credential github: the tool input did not produce valid scopes/,
  ],
  [
    'scope function returns an empty list',
    { repo: 'acme/w' },
    () => [],
    /credential github: the tool input did not produce valid scopes/,
  ],
  [
    'scope function returns a number',
    { repo: 'acme/w' },
    () => [42],
    /credential github: the tool input (did not produce valid scopes|produced an invalid scope)/,
  ],
  [
    'input outside the granted repos',
    { repo: 'evil/x' },
    (i: { repo: string }) => [`issues:write:${i.repo}`],
    /credential github: scope issues:write:evil\/x is not granted/,
  ],
];

describe('invalid configuration and malformed tool input fail with a precise typed error', () => {
  it('has at least 30 configuration cases and 8 tool-input cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    expect(inputCases.length).toBeGreaterThanOrEqual(8);
  });

  for (const [name, run, [isInstance, code, message]] of cases) {
    it(`config: ${name}`, async () => {
      let error: unknown;
      try {
        await run();
      } catch (e) {
        error = e;
      }
      expect(error, 'expected a throw').toBeDefined();
      expect(isInstance(error)).toBe(true);
      const got = AgentLeaseError.isInstance(error) ? error.code : (error as Error).name;
      expect(got).toBe(code);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain(VALUE);
    });
  }

  for (const [name, input, scopes, message] of inputCases) {
    it(`tool input: ${name}`, async () => {
      let ran = false;
      const call = guard.withLease(
        { tool: 'close_issue', needs: needsOf(scopes), input },
        () => (ran = true),
      );
      await expect(call).rejects.toSatisfy(LeaseDeniedError.isInstance);
      await expect(call).rejects.toThrow(message);
      expect(ran).toBe(false);
    });
  }
});

// --- ReDoS ---------------------------------------------------------------------------------------------------

const MiB = 1 << 20;
const BUDGET_MS = 50;
/**
 * Rules allowed a 2 s regression bound instead of the 50 ms budget outside SECURITY_STRICT=1. Empty: the seven
 * rules that were here (GAP-10: a repeated anchor restarted a bounded run at every copy) got a leading
 * lookbehind, so only the first anchor of a run can start a match.
 */
const KNOWN_SLOW = new Set<string>();
const STRICT = process.env.SECURITY_STRICT === '1';
// In `pnpm test` other test files run on the same two cores at the same time: outside SECURITY_STRICT=1 the gate
// allows twice the budget so load cannot fail it; SECURITY_STRICT=1 (a quiet run) holds every rule to 50 ms.
const LOADED_FACTOR = 2;
const budgetFor = (id: string) =>
  !STRICT && KNOWN_SLOW.has(id) ? 2_000 : STRICT ? BUDGET_MS : BUDGET_MS * LOADED_FACTOR;

interface Rule {
  id: string;
  pattern: RegExp;
}

/** Built-in rules: from the public API when it exports them (GAP-6), else from the core's source. */
async function builtinRules(): Promise<readonly Rule[]> {
  const exported = (core as unknown as { builtinRules?: readonly Rule[] }).builtinRules;
  if (exported) return exported;
  const mod = (await import('../packages/core/src/redaction/builtin-rules.js')) as {
    builtinRules: readonly Rule[];
  };
  return mod.builtinRules;
}

/** Literal runs of the pattern (what the rule anchors on), e.g. `ghp_`, `hooks.slack.com/`, `password`. */
function literals(source: string): string[] {
  const out = source
    .replace(/\(\?<[=!][^)]*\)/g, ' ') // lookbehinds
    .replace(/\[[^\]]*\]/g, ' ') // classes
    .replace(/\\[sdwSDWbB]/g, ' ')
    .replace(/\\(.)/g, '$1')
    .split(/[\s()|?*+{}^$,0-9]+/)
    .filter((s) => s.length >= 2);
  return [...new Set(out)].slice(0, 4);
}

/** 1 MiB inputs aimed at the rule: its anchors followed by long near-miss runs, anchors back to back, long runs. */
function adversarialInputs(rule: Rule): [string, string][] {
  const fill = (unit: string) => unit.repeat(Math.ceil(MiB / Math.max(1, unit.length))).slice(0, MiB);
  const out: [string, string][] = [];
  const lits = literals(rule.pattern.source);
  for (const lit of lits) {
    for (const run of [30, 300]) {
      out.push([`${lit}+${run}a!`, fill(`${lit}${'a'.repeat(run)}!`)]);
      out.push([`${lit}+${run}A0=`, fill(`${lit}${'A0'.repeat(run / 2)}=`)]);
    }
    out.push([`${lit} repeated`, fill(lit)]);
    out.push([`${lit}: spaced`, fill(`${lit} :    "`)]);
  }
  const r = seededRandom(rule.id.length * 7919 + rule.id.charCodeAt(0));
  const alphabet = `${[...new Set(rule.pattern.source.replace(/\\./g, ''))].join('')}aA0_-./:=+ `;
  let mix = '';
  while (mix.length < MiB) mix += alphabet[Math.floor(r() * alphabet.length)]!;
  out.push(['pattern alphabet, random', mix]);
  out.push(
    ['1 MiB of a', fill('a')],
    ['1 MiB of base64', fill('QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo+/')],
    ['1 MiB of spaces', fill(' ')],
  );
  return out;
}

/** Median of three timed redactions (one warm-up): a noisy machine must not fail a linear rule. */
function medianMs(redact: (t: string) => string, text: string): number {
  redact(text.slice(0, 4096));
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    redact(text);
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[1]!;
}

describe('ReDoS: every built-in rule stays linear on 1 MiB adversarial input', async () => {
  const rules = await builtinRules();
  const worst: { id: string; input: string; ms: number }[] = [];

  it('there are rules to check', () => {
    expect(rules.length).toBeGreaterThanOrEqual(30);
  });

  for (const rule of rules) {
    const budget = budgetFor(rule.id);
    const label =
      budget === BUDGET_MS
        ? `at most ${BUDGET_MS} ms per MiB`
        : `GAP-10 over budget, regression bound ${budget} ms`;
    it(`${rule.id}: ${label}`, () => {
      // Only this rule active, as the redactor compiles it (combined regex, prefilter, validation).
      const redactor = createRedactor({
        rules: { disable: rules.map((r) => r.id).filter((id) => id !== rule.id) },
      });
      const redact = (t: string) => redactor.redact(t);
      let max = { input: '', ms: 0 };
      for (const [name, text] of adversarialInputs(rule)) {
        // One quick pass; only slow inputs are re-measured as a median of three.
        const t = performance.now();
        redact(text);
        let ms = performance.now() - t;
        if (ms > budget / 2) ms = medianMs(redact, text);
        if (ms > max.ms) max = { input: name, ms };
      }
      worst.push({ id: rule.id, ...max });
      expect(max.ms, `${rule.id} on "${max.input}"`).toBeLessThanOrEqual(budget);
    }, 60_000);
  }

  it('all rules together (the default redactor) on the same inputs', () => {
    const all = createRedactor();
    let max = 0;
    for (const rule of rules.slice(0, 10)) {
      for (const [, text] of adversarialInputs(rule).slice(0, 3))
        max = Math.max(
          max,
          medianMs((t) => all.redact(t), text),
        );
    }
    worst.push({ id: '(all rules)', input: 'first inputs of 10 rules', ms: max });
    expect(max).toBeLessThanOrEqual(STRICT ? BUDGET_MS : 2_000);
  }, 120_000);

  it('report', () => {
    const sorted = [...worst].sort((a, b) => b.ms - a.ms);
    const within = sorted.filter((w) => !KNOWN_SLOW.has(w.id) && w.id !== '(all rules)');
    console.log(
      `[security-redos] ${rules.length} rules x ${adversarialInputs(rules[0]!).length}+ inputs of 1 MiB; slowest: ` +
        sorted
          .slice(0, 8)
          .map((w) => `${w.id} ${w.ms.toFixed(1)} ms (${w.input})`)
          .join('; ') +
        `; slowest within budget: ${within[0]?.id ?? '-'} ${within[0]?.ms.toFixed(1) ?? '-'} ms`,
    );
  });

  it('deliberate break: the timing check catches a super-linear rule', () => {
    // An unanchored run before a required character is quadratic: on only 32 KiB it is already over budget.
    const evil = /[a-z0-9]+@/g;
    const text = 'a'.repeat(32 * 1024);
    const ms = medianMs((t) => t.replace(evil, '[x]'), text);
    expect(ms).toBeGreaterThan(BUDGET_MS);
  }, 60_000);
});
