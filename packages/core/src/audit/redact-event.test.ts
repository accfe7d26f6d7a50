import { describe, expect, it } from 'vitest';
import { redactAuditEvent } from './redact-event.js';
import type { AuditEvent } from './types.js';

const SECRET = 'sk-canary-0d9e8f7a6b5c';
const redact = (t: string) => t.split(SECRET).join('[REDACTED]');
const base: AuditEvent = {
  type: 'lease.requested',
  time: '2026-01-01T00:00:00.000Z',
  agent: { id: 'bot' },
  outcome: 'ok',
  tool: 't',
  toolCallId: 'c1',
  credential: 'github',
  scopes: ['issues:read', 'repo:acme'],
  leaseId: 'hmac-sha256:00',
  detail: { ttl_ms: 60_000, broker: 'local', hosts: ['api.github.com'] },
};

describe('redactAuditEvent', () => {
  it('returns the very same event when nothing needs redacting', () => {
    expect(redactAuditEvent(base, redact)).toBe(base);
  });

  it('redacts scopes, reason, tool call id and detail strings and lists; keeps the rest; never mutates', () => {
    const dirty: AuditEvent = {
      ...base,
      toolCallId: `call-${SECRET}`,
      scopes: ['issues:read', `repo:${SECRET}`],
      reason: `denied ${SECRET}`,
      detail: { ttl_ms: 60_000, host: `${SECRET}.example`, hosts: ['ok.example', SECRET], ok: true },
    };
    const before = JSON.stringify(dirty);
    const out = redactAuditEvent(dirty, redact);
    expect(JSON.stringify(dirty)).toBe(before);
    expect(JSON.stringify(out).includes(SECRET)).toBe(false);
    expect(out).toEqual({
      ...dirty,
      toolCallId: 'call-[REDACTED]',
      scopes: ['issues:read', 'repo:[REDACTED]'],
      reason: 'denied [REDACTED]',
      detail: { ttl_ms: 60_000, host: '[REDACTED].example', hosts: ['ok.example', '[REDACTED]'], ok: true },
    });
    // Key order is kept (JSON lines read the same as before).
    expect(Object.keys(out)).toEqual(Object.keys(dirty));
    expect(Object.keys(out.detail ?? {})).toEqual(Object.keys(dirty.detail ?? {}));
  });

  it('a secret in one field only copies what changed', () => {
    const dirty = { ...base, reason: SECRET };
    const out = redactAuditEvent(dirty, redact);
    expect(out.reason).toBe('[REDACTED]');
    expect(out.scopes).toBe(dirty.scopes);
    expect(out.detail).toBe(dirty.detail);
  });
});
