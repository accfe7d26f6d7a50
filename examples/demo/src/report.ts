import { SpanStatusCode } from '@opentelemetry/api';
import { createLeakScanner, type LeakFinding } from '@agent-lease/testing';
import type { AuditEvent } from '@agent-lease/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { ScenarioResult } from './scenario.js';

export interface LeakCheck {
  bytesByChannel: Record<string, number>;
  totalBytes: number;
  findings: LeakFinding[];
  canaryCount: number;
}

/** Scans every captured channel (and the printed narrative) for every secret of the run, in every encoding. */
export function checkLeaks(result: ScenarioResult, printed: string): LeakCheck {
  const scanner = createLeakScanner(result.canaries);
  const channels = { ...result.captured, 'terminal output': printed };
  const bytesByChannel: Record<string, number> = {};
  const findings: LeakFinding[] = [];
  for (const [channel, text] of Object.entries(channels)) {
    bytesByChannel[channel] = Buffer.byteLength(text);
    findings.push(...scanner.scan(text, channel));
  }
  return {
    bytesByChannel,
    totalBytes: Object.values(bytesByChannel).reduce((a, b) => a + b, 0),
    findings,
    canaryCount: Object.keys(result.canaries).length,
  };
}

const colours = {
  reset: '\x1b[0m',
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  green: '\x1b[32m',
  red: '\x1b[31m',
  cyan: '\x1b[36m',
  yellow: '\x1b[33m',
};
type Colour = keyof typeof colours;

export function renderNarrative(result: ScenarioResult, colour: boolean): string {
  const c = (name: Colour, text: string) => (colour ? `${colours[name]}${text}${colours.reset}` : text);
  const lines: string[] = [];
  const framework = result.framework === 'langchain' ? 'a LangChain createAgent agent' : 'an AI SDK agent';
  const broker = result.broker === 'vault' ? 'Vault test server' : 'embedded broker';
  lines.push(c('bold', `agent-lease demo: ${framework} with a credential boundary (offline, ${broker})`), '');
  for (const s of result.steps) {
    lines.push(`${c(s.ok ? 'green' : 'red', s.ok ? '✔' : '✘')} ${c('bold', `${s.n}. ${s.title}`)}`);
    lines.push(`   ${c('dim', 'asked:  ')} ${s.asked}`);
    lines.push(`   ${c('dim', 'decided:')} ${s.decided}`);
    lines.push(`   ${c('dim', 'why:    ')} ${s.why}`);
  }
  return lines.join('\n');
}

/** The trace as an indented tree with durations and the attributes a reader cares about. */
export function renderSpanTree(spans: ReadableSpan[], colour: boolean): string {
  const c = (name: Colour, text: string) => (colour ? `${colours[name]}${text}${colours.reset}` : text);
  const children = new Map<string | undefined, ReadableSpan[]>();
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  for (const s of spans) {
    const parent = s.parentSpanContext?.spanId;
    const key = parent && ids.has(parent) ? parent : undefined;
    children.set(key, [...(children.get(key) ?? []), s]);
  }
  const keyAttrs = [
    'gen_ai.tool.name',
    'agent_lease.credential',
    'agent_lease.scopes',
    'agent_lease.outcome',
    'error.type',
    'agent_lease.anomaly.kind',
  ];
  // Renders a subtree without durations, so identical siblings (a burst of refused calls) can be folded.
  const shape = (s: ReadableSpan): string =>
    [
      s.name,
      s.status.code,
      describe(s).join(' '),
      ...(children.get(s.spanContext().spanId) ?? []).map(shape),
    ].join('|');
  const describe = (s: ReadableSpan): string[] => {
    const attrs = keyAttrs
      .filter(
        (k) =>
          s.attributes[k] !== undefined &&
          !(k === 'gen_ai.tool.name' && s.name.includes(String(s.attributes[k]))),
      )
      .map((k) => `${k.replace(/^(agent_lease|gen_ai)\./, '')}=${JSON.stringify(s.attributes[k])}`);
    const events = s.events
      .filter((e) => e.name.startsWith('agent_lease.'))
      .map((e) => c('yellow', `⚑ ${e.name}`));
    return [...attrs, ...events];
  };
  const byStart = (a: ReadableSpan, b: ReadableSpan) => hr(a.startTime) - hr(b.startTime);
  const lines: string[] = [];
  const walk = (s: ReadableSpan, depth: number, times = 1) => {
    const ms = s.duration[0] * 1e3 + s.duration[1] / 1e6;
    const status = s.status.code === SpanStatusCode.ERROR ? c('red', ' ERROR') : '';
    const count = times > 1 ? c('bold', ` ×${times}`) : '';
    lines.push(
      `${'  '.repeat(depth)}${c('cyan', s.name)}${count} ${c('dim', `${ms.toFixed(1)}ms`)}${status} ${describe(s).join(' ')}`.trimEnd(),
    );
    const kids = [...(children.get(s.spanContext().spanId) ?? [])].sort(byStart);
    for (let i = 0; i < kids.length; ) {
      const kid = kids[i] as ReadableSpan;
      let run = 1;
      while (i + run < kids.length && shape(kids[i + run] as ReadableSpan) === shape(kid)) run++;
      walk(kid, depth + 1, run);
      i += run;
    }
  };
  for (const root of [...(children.get(undefined) ?? [])].sort(byStart)) walk(root, 0);
  return lines.join('\n');
}

const hr = (t: [number, number]) => t[0] * 1e9 + t[1];

export function summariseAudit(events: AuditEvent[]): string {
  const counts = new Map<string, number>();
  for (const e of events) {
    const key = e.outcome === 'ok' ? e.type : `${e.type} (${e.outcome})`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()].map(([k, n]) => `  ${String(n).padStart(3)} × ${k}`).join('\n');
}

export function renderProof(check: LeakCheck, colour: boolean): string {
  const c = (name: Colour, text: string) => (colour ? `${colours[name]}${text}${colours.reset}` : text);
  const parts = Object.entries(check.bytesByChannel)
    .map(([k, v]) => `${k} ${v.toLocaleString('en-US')} B`)
    .join(', ');
  const verdict =
    check.findings.length === 0
      ? c('green', `leak scanner: 0 occurrences of ${check.canaryCount} secrets in any encoding`)
      : c(
          'red',
          `leak scanner: ${check.findings.length} LEAKS: ${check.findings.map((f) => `${f.canary} (${f.form}) in ${f.channel}`).join('; ')}`,
        );
  return `captured ${check.totalBytes.toLocaleString('en-US')} bytes (${parts})\n${verdict}`;
}
