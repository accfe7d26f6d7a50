import { describe, expect, it } from 'vitest';
import { memoryAudit } from './audit/sinks.js';
import { localBroker } from './broker/local-broker.js';
import { validateGuardConfig } from './config.js';
import { InvalidConfigError } from './errors.js';

const broker = localBroker({ credentials: { github: { value: 'ghp_0123456789abcdef' } } });
const valid = {
  agent: { id: 'support-bot' },
  broker,
  grants: { github: { scopes: ['issues:*'], maxTtl: '5m', hosts: ['api.github.com'] } },
};

function issuesOf(config: unknown): readonly string[] {
  try {
    validateGuardConfig(config);
  } catch (error) {
    expect(InvalidConfigError.isInstance(error)).toBe(true);
    return (error as InvalidConfigError).issues;
  }
  throw new Error('expected the config to be rejected');
}

const withGrant = (grant: Record<string, unknown>) => ({
  ...valid,
  grants: { github: { ...valid.grants.github, ...grant } },
});

describe('createGuard config validation', () => {
  it('accepts a minimal valid config, durations as strings or milliseconds', () => {
    expect(() => validateGuardConfig(valid)).not.toThrow();
    expect(() => validateGuardConfig(withGrant({ maxTtl: 60_000 }))).not.toThrow();
    expect(() => validateGuardConfig(withGrant({ maxTtl: '1h30m' }))).not.toThrow();
  });

  const cases: [string, unknown, string][] = [
    ['not an object', 42, '(root): expected a config object'],
    [
      'missing agent',
      { ...valid, agent: undefined },
      'agent: expected an object such as { id: "support-bot" }',
    ],
    ['empty agent id', { ...valid, agent: { id: '' } }, 'agent.id: expected 1-128 letters, digits or _.:@/-'],
    [
      'agent id with spaces',
      { ...valid, agent: { id: 'support bot' } },
      'agent.id: expected 1-128 letters, digits or _.:@/-',
    ],
    ['unknown agent key', { ...valid, agent: { id: 'a', nmae: 'x' } }, 'agent: unknown key "nmae"'],
    ['unknown top-level key', { ...valid, grant: {} }, '(root): unknown key "grant"'],
    [
      'missing broker',
      { ...valid, broker: undefined },
      'broker: expected a broker such as localBroker({...}) or vaultBroker({...}) (an object with acquire and revoke)',
    ],
    [
      'broker without revoke',
      { ...valid, broker: { acquire: () => undefined } },
      'broker: expected a broker such as localBroker({...}) or vaultBroker({...}) (an object with acquire and revoke)',
    ],
    ['no grants', { ...valid, grants: {} }, 'grants: expected at least one grant'],
    [
      'bad maxTtl unit',
      withGrant({ maxTtl: '5 minutes' }),
      'grants.github.maxTtl: expected a duration between 1ms and 24d such as "60s", "5m" or a number of milliseconds',
    ],
    [
      'negative maxTtl',
      withGrant({ maxTtl: -5 }),
      'grants.github.maxTtl: expected a duration between 1ms and 24d such as "60s", "5m" or a number of milliseconds',
    ],
    [
      'zero maxTtl',
      withGrant({ maxTtl: '0s' }),
      'grants.github.maxTtl: expected a duration between 1ms and 24d such as "60s", "5m" or a number of milliseconds',
    ],
    [
      'scopes not a list',
      withGrant({ scopes: 'issues:*' }),
      'grants.github.scopes: expected a list of scope patterns such as ["issues:*"]',
    ],
    ['empty scopes', withGrant({ scopes: [] }), 'grants.github.scopes: expected at least one scope pattern'],
    [
      'scope with a space',
      withGrant({ scopes: ['issues: *'] }),
      'grants.github.scopes[0]: expected a scope pattern such as "issues:*" or "repo:acme/*:read"',
    ],
    [
      'scope with **',
      withGrant({ scopes: ['**'] }),
      'grants.github.scopes[0]: expected a scope pattern such as "issues:*" or "repo:acme/*:read"',
    ],
    [
      'host with a scheme',
      withGrant({ hosts: ['https://api.github.com'] }),
      'grants.github.hosts[0]: expected a host such as "api.github.com", "*.example.com" or "127.0.0.1:8080"',
    ],
    ['unknown grant key', withGrant({ maxttl: '5m' }), 'grants.github: unknown key "maxttl"'],
    [
      'bad credential name',
      { ...valid, grants: { 'git hub': valid.grants.github } },
      'grants.git hub: expected a credential name of 1-64 letters, digits or _.-',
    ],
    [
      'audit sink without write',
      { ...valid, audit: { sink: {} } },
      'audit.sink: expected an audit sink such as memoryAudit(), jsonlAudit(path) or callbackAudit(fn)',
    ],
    [
      'audit failClosed as string',
      { ...valid, audit: { sink: memoryAudit(), failClosed: 'yes' } },
      'audit.failClosed: expected true or false',
    ],
    [
      'short hmac key',
      { ...valid, audit: { hmacKey: 'short' } },
      'audit.hmacKey: expected a key of at least 32 bytes',
    ],
    [
      'monitor rate not an integer',
      { ...valid, monitor: { maxLeasesPerMinute: 1.5 } },
      'monitor.maxLeasesPerMinute: expected a positive whole number of leases',
    ],
    [
      'monitor onAnomaly typo',
      { ...valid, monitor: { onAnomaly: 'block' } },
      'monitor.onAnomaly: expected "lock" or "alert"',
    ],
    [
      'monitor unknown key',
      { ...valid, monitor: { maxLeasesPerMinut: 5 } },
      'monitor: unknown key "maxLeasesPerMinut"',
    ],
    [
      'baseline rateFactor <= 1',
      { ...valid, monitor: { baseline: { rateFactor: 1 } } },
      'monitor.baseline.rateFactor: expected a number above 1',
    ],
    [
      'redaction placeholder typo',
      { ...valid, redaction: { placeholder: 'hash' } },
      'redaction.placeholder: expected "label" or "fingerprint"',
    ],
    [
      'redaction grace',
      { ...valid, redaction: { grace: 'forever' } },
      'redaction.grace: expected a duration between 1ms and 24d such as "60s", "5m" or a number of milliseconds',
    ],
    [
      'bad timeout',
      { ...valid, timeout: '10 s' },
      'timeout: expected a duration between 1ms and 24d such as "60s", "5m" or a number of milliseconds',
    ],
    [
      'telemetry tracerProvider',
      { ...valid, telemetry: { tracerProvider: {} } },
      'telemetry.tracerProvider: expected a TracerProvider',
    ],
  ];

  it.each(cases)('rejects %s with a message naming the field', (_name, config, message) => {
    expect(issuesOf(config)).toContain(message);
  });

  it('reports every problem at once', () => {
    const issues = issuesOf({
      agent: { id: '' },
      broker: {},
      grants: { github: { scopes: [], maxTtl: 'x' } },
    });
    expect(issues.length).toBeGreaterThanOrEqual(4);
  });

  it('puts every issue in the error message, one per line', () => {
    try {
      validateGuardConfig(withGrant({ maxTtl: '5 minutes' }));
    } catch (error) {
      expect((error as Error).message).toBe(
        'createGuard config is invalid:\n  - grants.github.maxTtl: expected a duration between 1ms and 24d such as "60s", "5m" or a number of milliseconds',
      );
      expect((error as InvalidConfigError).code).toBe('INVALID_CONFIG');
    }
  });
});
