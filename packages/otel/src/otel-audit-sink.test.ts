import { createGuard, localBroker, type AuditEvent } from '@agent-lease/core';
import { logs } from '@opentelemetry/api-logs';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { describe, expect, it } from 'vitest';
import { otelAuditSink } from './otel-audit-sink.js';
import { RedactingLogRecordProcessor } from './redacting-log-processor.js';
import { CANARIES, leakedCanaries } from './test-fixtures.js';

const event: AuditEvent = {
  type: 'lease.denied',
  time: '2026-11-25T10:00:00.000Z',
  agent: { id: 'support-bot', name: 'Support' },
  tool: 'create_issue',
  toolCallId: 'call-1',
  credential: 'github',
  scopes: ['issues:write'],
  outcome: 'denied',
  reason: 'LEASE_DENIED',
  leaseId: 'hmac-sha256:abc',
  detail: { host: 'api.github.com', ttl_ms: 60000, rules: ['github-pat'] },
};

describe('otelAuditSink', () => {
  it('emits an audit event as a log record with flattened attributes', async () => {
    const exporter = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter })] });
    const sink = otelAuditSink({ loggerProvider: provider });
    await sink.write(event);
    await sink.flush?.();
    const [r] = exporter.getFinishedLogRecords();
    expect(r!.eventName).toBe('lease.denied');
    expect(r!.severityText).toBe('WARN');
    expect(r!.instrumentationScope.name).toBe('@agent-lease/otel/audit');
    expect(r!.hrTime[0]).toBe(Date.parse(event.time) / 1000);
    expect(r!.attributes).toEqual({
      'gen_ai.agent.id': 'support-bot',
      'gen_ai.agent.name': 'Support',
      'gen_ai.tool.name': 'create_issue',
      'gen_ai.tool.call.id': 'call-1',
      'agent_lease.credential': 'github',
      'agent_lease.scopes': ['issues:write'],
      'agent_lease.outcome': 'denied',
      'agent_lease.reason': 'LEASE_DENIED',
      'agent_lease.lease.id': 'hmac-sha256:abc',
      'agent_lease.detail.host': 'api.github.com',
      'agent_lease.detail.ttl_ms': 60000,
      'agent_lease.detail.rules': ['github-pat'],
    });
  });

  it('uses the global logger provider when none is given, even one registered later', async () => {
    const sink = otelAuditSink();
    const exporter = new InMemoryLogRecordExporter();
    logs.setGlobalLoggerProvider(
      new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter })] }),
    );
    try {
      await sink.write({ ...event, type: 'lease.granted', outcome: 'ok' });
      await sink.flush?.();
    } finally {
      logs.disable();
    }
    const [r] = exporter.getFinishedLogRecords();
    expect(r!.eventName).toBe('lease.granted');
    expect(r!.severityText).toBe('INFO');
  });

  it('records a guard run as log records without any leased value', async () => {
    const exporter = new InMemoryLogRecordExporter();
    const guardRef: { redact(t: string): string } = { redact: (t) => guard.redact(t) };
    const provider = new LoggerProvider({
      processors: [new RedactingLogRecordProcessor(guardRef), new SimpleLogRecordProcessor({ exporter })],
    });
    const guard = createGuard({
      agent: { id: 'bot' },
      broker: localBroker({ credentials: { github: { value: CANARIES.github } } }),
      grants: { github: { scopes: ['issues:*'], maxTtl: '5m' } },
      audit: { sink: otelAuditSink({ loggerProvider: provider }) },
    });
    await guard.withLease(
      { tool: 'create_issue', needs: { credential: 'github', scopes: ['issues:write'] } },
      (l) => l.reveal().length,
    );
    await guard.close();
    const records = exporter.getFinishedLogRecords();
    const types = records.map((r) => r.eventName);
    expect(types).toContain('lease.granted');
    expect(types).toContain('lease.revoked');
    expect(leakedCanaries(records.map((r) => ({ e: r.eventName, a: r.attributes, b: r.body })))).toEqual([]);
  });
});
