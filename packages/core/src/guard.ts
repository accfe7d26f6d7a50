import { randomUUID } from 'node:crypto';
import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { createAuditor } from './audit/auditor.js';
import { createFingerprinter } from './audit/fingerprint.js';
import { createIsoClock } from './audit/iso-time.js';
import { createLeaseIds } from './audit/lease-ids.js';
import { redactAuditEvent } from './audit/redact-event.js';
import { memoryAudit } from './audit/sinks.js';
import type { AuditEvent, AuditEventType } from './audit/types.js';
import type { BrokerLease, LeaseRequest } from './broker/types.js';
import { validateGuardConfig, type GrantConfig, type GuardConfig } from './config.js';
import { formatDuration, parseDuration, type Duration } from './duration.js';
import {
  AgentLeaseError,
  AgentLockedError,
  AuditUnavailableError,
  BrokerUnavailableError,
  GuardClosedError,
  InvalidConfigError,
  LeaseAbortedError,
  LeaseDeniedError,
  LeaseTimeoutError,
} from './errors.js';
import { LeaseImpl, type Lease, type LeaseHost } from './lease.js';
import { callBodySettled, insideCallBody, runCallBody } from './lease-context.js';
import { createMonitor, type Anomaly, type Monitor } from './monitor/monitor.js';
import { memoryMonitorStore, type MonitorStore } from './monitor/store.js';
import { normalizeNeeds, resolveScopes, type ToolNeeds, type ToolNeedsSpec } from './needs.js';
import { createRedactor } from './redaction/index.js';
import type { Redactor, SecretFinding, StreamRedactor } from './redaction/types.js';
import { followSignal } from './follow-signal.js';
import { CallAbort } from './call-abort.js';
import { createDeadlineTimer, type Deadline } from './deadline-timer.js';
import { localFastPath } from './broker/local-broker.js';
import { syncLockReader } from './monitor/store.js';
import { describeError } from './safe-error.js';
import { createSecretRegistry, type HeldSecret } from './secret-registry.js';
import { firstUngrantedScope } from './scopes.js';
import { frameworkToolSpan } from './telemetry/framework-tool-span.js';
import { createInstruments, type Instruments } from './telemetry/instruments.js';
import * as sc from './telemetry/semconv.js';

/** One tool call, as an adapter (or any framework) describes it to the guard. */
export interface ToolCall<Input = unknown> {
  tool: string;
  /** What the tool needs; absent for tools that need no credential (they still get a span and redaction). */
  needs?: ToolNeedsSpec<Input> | undefined;
  /** The validated tool input; passed to scope functions. */
  input?: Input;
  toolCallId?: string | undefined;
  signal?: AbortSignal | undefined;
  /** Overrides the guard's default timeout for this call. */
  timeout?: Duration | undefined;
}

/** A live lease as `guard.leases()` reports it: no value, and the lease id only as a fingerprint. */
export interface LiveLease {
  leaseId: string;
  credential: string;
  scopes: readonly string[];
  tool: string;
  toolCallId: string;
  expiresAt: number;
}

export interface Guard {
  readonly agent: { readonly id: string; readonly name?: string };
  /** Acquire every lease the tool needs, run `fn` with them, revoke each exactly once whatever happens. */
  withLease<T, Input = unknown>(
    call: ToolCall<Input> & { needs: ToolNeedsSpec<Input> },
    fn: (lease: Lease, leases: ReadonlyMap<string, Lease>) => T | Promise<T>,
  ): Promise<Awaited<T>>;
  withLease<T, Input = unknown>(
    call: ToolCall<Input>,
    fn: (lease: Lease | undefined, leases: ReadonlyMap<string, Lease>) => T | Promise<T>,
  ): Promise<Awaited<T>>;
  /** Validates a tool's needs up front (adapters call it when wrapping a tool). */
  checkNeeds<Input>(tool: string, needs: ToolNeedsSpec<Input>): void;
  redact(text: string): string;
  redactDeep<T>(value: T): T;
  createStreamRedactor(): StreamRedactor;
  /** Finds secrets without returning them; records a `secret.detected` audit event when any are found. */
  scan(text: string, where?: { tool?: string; toolCallId?: string; channel?: string }): SecretFinding[];
  /** A short, redacted message a model can act on; never a stack. */
  describeError(error: unknown): string;
  lock(reason: string): Promise<void>;
  unlock(): Promise<void>;
  isLocked(): Promise<boolean>;
  leases(): LiveLease[];
  /** Revokes every live lease, waits for the broker and the audit sink, and refuses new calls. */
  close(): Promise<void>;
  /** The guard's redactor, for integrations (span processors, stream wrappers). */
  readonly redactor: Redactor;
  /** Keyed HMAC-SHA256 fingerprint with the guard's key. */
  fingerprint(value: string): string;
}

interface Held {
  lease: LeaseImpl;
  request: LeaseRequest;
  brokerLease: BrokerLease;
  revoked: boolean;
  /** HMAC fingerprints, computed once per lease. */
  leaseFp: string;
  valueFp: string;
  /** The call's span, so renew and revoke spans are its children even without a context manager. */
  parent: Span | undefined;
  /** Identifies the withLease call that holds it (tool call ids can repeat across calls). */
  call: object;
  secrets?: HeldSecret[];
  timer?: Deadline;
  revocation?: Promise<void>;
}

/** A grant as the guard keeps it: frozen, with its ttl in milliseconds. */
type Grant = Readonly<GrantConfig & { maxTtlMs: number }>;

const DEFAULT_GRACE_MS = 5 * 60_000;
/** How long a call waits for the broker to confirm a revoke before it settles; the revoke goes on in the background. */
const REVOKE_WAIT_MS = 1_000;
/** Timers fire after 1 ms when asked to wait longer than 2^31-1 ms; a floor stops a broker's bad answer from spinning. */
const clampDelay = (ms: number) => Math.min(Math.max(ms, 10), 2 ** 31 - 1);

/** Reads `aborted` afresh: it can change across an await, which type narrowing does not know. */
function isAborted(state: CallAbort): boolean {
  return state.aborted;
}

/** What `revoke` returns when the revocation finished synchronously (nothing left to wait for). */
const REVOKED: Promise<void> = Promise.resolve();

/** The call's span as parent when there is one; otherwise whatever is active. */
function parentContext(span: Span | undefined) {
  return span ? trace.setSpan(context.active(), span) : context.active();
}

export function createGuard(config: GuardConfig): Guard {
  const cfg = validateGuardConfig(config);
  const now = cfg.now ?? Date.now;
  const agent = Object.freeze({ id: cfg.agent.id, ...(cfg.agent.name ? { name: cfg.agent.name } : {}) });
  const broker = cfg.broker;
  // A frozen copy: changing the caller's config object after createGuard must not widen a live guard.
  const grants = new Map<string, Grant>(
    Object.entries(cfg.grants).map(([name, g]) => [
      name,
      Object.freeze({
        scopes: Object.freeze([...g.scopes]),
        maxTtl: g.maxTtl,
        maxTtlMs: parseDuration(g.maxTtl) ?? 0,
        ...(g.hosts ? { hosts: Object.freeze([...g.hosts]) } : {}),
      }),
    ]),
  );
  if (broker.credentialNames) {
    const missing = [...grants.keys()].filter((n) => !broker.credentialNames?.includes(n));
    if (missing.length > 0) {
      throw new InvalidConfigError(
        missing.map((n) => `grants.${n}: credential "${n}" is not configured in the ${broker.kind} broker`),
        'createGuard config',
      );
    }
  }
  const failClosed = cfg.audit?.failClosed ?? true;
  const fingerprint = createFingerprinter(cfg.audit?.hmacKey);
  const nextLeaseId = createLeaseIds(fingerprint);
  const monitorStore: MonitorStore =
    cfg.monitor === false ? memoryMonitorStore() : (cfg.monitor?.store ?? memoryMonitorStore());
  const monitor: Monitor | undefined =
    cfg.monitor === false || cfg.monitor === undefined
      ? undefined
      : createMonitor({ ...cfg.monitor, store: monitorStore });
  const graceMs =
    cfg.redaction?.grace === undefined ? DEFAULT_GRACE_MS : (parseDuration(cfg.redaction.grace) ?? 0);
  const defaultTimeoutMs = cfg.timeout === undefined ? undefined : parseDuration(cfg.timeout);
  const toolSpans = cfg.telemetry?.toolSpans ?? true;
  const redactor = createRedactor({
    ...(cfg.redaction?.placeholder ? { placeholder: cfg.redaction.placeholder } : {}),
    ...(cfg.redaction?.rules !== undefined ? { rules: cfg.redaction.rules } : {}),
  });
  // Audit records hold model-shaped values (scopes, hosts, reasons): they pass the redactor too.
  const auditor = createAuditor(cfg.audit?.sink ?? memoryAudit(), (e) =>
    redactAuditEvent(e, (t) => redactor.redact(t)),
  );
  // Lease lifetimes, the bounded wait for a revoke and the redaction grace period share one timer (deadline-timer.ts).
  const deadlines = createDeadlineTimer();
  const secrets = createSecretRegistry(redactor, fingerprint, graceMs, deadlines);
  const instruments: Instruments = createInstruments({
    ...(cfg.telemetry?.tracerProvider ? { tracerProvider: cfg.telemetry.tracerProvider } : {}),
    ...(cfg.telemetry?.meterProvider ? { meterProvider: cfg.telemetry.meterProvider } : {}),
  });
  const live = new Map<string, Held>();
  const pendingRevocations = new Set<Promise<void>>();
  const inflightAcquires = new Set<Promise<unknown>>();
  // Calls in flight, so close() can end them. A Set rather than one guard-lifetime signal combined into each
  // call's with AbortSignal.any: on Node 20 every such dependent signal stays reachable from the source (~4 KB/call).
  const calls = new Set<CallAbort>();
  let closed = false;

  // Metric attributes repeat per credential (and outcome): one frozen object each instead of one per record.
  const metricAttrs = new Map<string, Attributes>();
  const credentialAttributes = (credential: string, outcome?: string): Attributes => {
    const key = outcome === undefined ? credential : `${credential}\u0000${outcome}`;
    let a = metricAttrs.get(key);
    if (!a) {
      a = Object.freeze(
        outcome === undefined
          ? { [sc.ATTR_LEASE_CREDENTIAL]: credential }
          : { [sc.ATTR_LEASE_CREDENTIAL]: credential, [sc.ATTR_LEASE_OUTCOME]: outcome },
      );
      // Bounded: credentials come from config and outcomes from a short list.
      if (metricAttrs.size < 1_000) metricAttrs.set(key, a);
    }
    return a;
  };

  /**
   * A fresh attribute object that starts with the agent's attributes. Filled by assignment: `{ ...agent,
   * [key]: value }` takes V8's slow path for computed keys after a spread, ~3 µs per span on the call path.
   */
  const spanAttributes = (): Attributes => {
    const a: Attributes = {};
    a[sc.ATTR_GEN_AI_AGENT_ID] = agent.id;
    if (agent.name) a[sc.ATTR_GEN_AI_AGENT_NAME] = agent.name;
    return a;
  };

  // A call records 3-4 events within the same millisecond or two: format the time once per millisecond.
  const isoNow = createIsoClock(now);
  const event = (
    type: AuditEventType,
    fields: Omit<AuditEvent, 'type' | 'time' | 'agent' | 'outcome'> & { outcome?: string },
  ): AuditEvent => ({ type, time: isoNow(), agent, outcome: 'ok', ...fields });

  /**
   * An event about one lease, built in one object literal (the leased call records three of them, and the
   * intermediate objects of `event(type, { ...fields })` were a measurable share of it); `extra` fields follow.
   */
  const leaseEvent = (
    type: AuditEventType,
    request: LeaseRequest,
    leaseFp: string,
    outcome = 'ok',
    extra?: Pick<AuditEvent, 'reason' | 'detail' | 'valueFingerprint'>,
  ): AuditEvent => {
    const e: AuditEvent = {
      type,
      time: isoNow(),
      agent,
      outcome,
      tool: request.tool,
      toolCallId: request.toolCallId,
      credential: request.credential,
      scopes: request.scopes,
      leaseId: leaseFp,
    };
    return extra ? Object.assign(e, extra) : e;
  };

  const leaseHost: LeaseHost = {
    recordReveal(lease) {
      const held = live.get(lease.id);
      if (!held) return;
      const ok = auditor.recordNow(leaseEvent('lease.revealed', held.request, held.leaseFp));
      if (!ok && failClosed) throw new AuditUnavailableError();
    },
    async recordUse(lease, host) {
      const held = live.get(lease.id);
      if (!held) return;
      const ok = await auditor.record(
        leaseEvent('lease.used', held.request, held.leaseFp, 'ok', { detail: { host } }),
      );
      if (!ok && failClosed) throw new AuditUnavailableError();
    },
    async recordHostBlocked(lease, host, reason) {
      const held = live.get(lease.id);
      // The call's own span: without a context manager there is no active span to find.
      (held?.parent ?? trace.getActiveSpan())?.addEvent(sc.EVENT_HOST_BLOCKED, {
        [sc.ATTR_LEASE_CREDENTIAL]: lease.credential,
        [sc.ATTR_HOST]: host,
        [sc.ATTR_LEASE_REASON]: reason,
      });
      if (held) {
        await auditor.record(
          leaseEvent('lease.host_blocked', held.request, held.leaseFp, 'denied', {
            reason,
            detail: { host },
          }),
        );
      }
    },
    fetch: (input, init) => globalThis.fetch(input, init),
  };

  function denialEvent(span: Span | undefined, credential: string, reason: string, errorType: string) {
    span?.addEvent(sc.EVENT_LEASE_DENIED, {
      [sc.ATTR_LEASE_CREDENTIAL]: credential,
      [sc.ATTR_LEASE_REASON]: reason,
      [sc.ATTR_ERROR_TYPE]: errorType,
    });
    instruments.denied.add(1, { [sc.ATTR_LEASE_CREDENTIAL]: credential, [sc.ATTR_ERROR_TYPE]: errorType });
  }

  let locking: Promise<void> | undefined;
  /** Locks once: concurrent anomalies (a burst) record one `agent.locked`, not one per call. */
  async function lockAgent(reason: string, span?: Span, anomaly?: Anomaly): Promise<void> {
    if (locking) return locking;
    locking = (async () => {
      if (await monitorStore.getLock(agent.id)) return;
      await recordLock(reason, span, anomaly);
    })();
    try {
      await locking;
    } finally {
      locking = undefined;
    }
  }

  async function recordLock(reason: string, span?: Span, anomaly?: Anomaly): Promise<void> {
    await monitorStore.setLock(agent.id, { reason, since: now() });
    // A locked agent keeps nothing: leases live in other calls end now.
    await Promise.all([...live.values()].map((h) => revoke(h, 'locked')));
    (span ?? trace.getActiveSpan())?.addEvent(sc.EVENT_AGENT_LOCKED, {
      [sc.ATTR_LEASE_REASON]: reason,
      ...(anomaly ? { [sc.ATTR_ANOMALY_KIND]: anomaly.kind } : {}),
    });
    await auditor.record(
      event('agent.locked', {
        outcome: 'locked',
        reason,
        ...(anomaly ? { detail: { anomaly: anomaly.kind } } : {}),
      }),
    );
  }

  /**
   * Needs with a fixed scope list that passed the grant and ttl checks, with their scopes and ttl. The needs object
   * is normalizeNeeds' frozen copy and the grants are frozen, so the answer cannot change: checking it again on
   * every call (scope validation, pattern matching, dedup) was a measurable share of a leased call.
   */
  const allowedFixedNeeds = new WeakMap<object, { readonly scopes: readonly string[]; ttlMs: number }>();

  /** Checks grants and monitor, then asks the broker. Throws a typed error on any refusal. */
  async function acquire<Input>(
    call: ToolCall<Input>,
    needs: ToolNeeds<Input>,
    toolCallId: string,
    state: CallAbort,
    span: Span | undefined,
  ): Promise<Held> {
    const credential = needs.credential;
    const base = { tool: call.tool, toolCallId, credential };
    const deny = async (
      reason: string,
      error: AgentLeaseError = new LeaseDeniedError(credential, reason),
    ) => {
      denialEvent(span, credential, reason, error.code);
      await auditor.record(
        event('lease.denied', { ...base, outcome: 'denied', reason: error.code, detail: { reason } }),
      );
      throw error;
    };

    const grant = grants.get(credential);
    if (!grant) return deny('no grant for this credential');
    let allowed = allowedFixedNeeds.get(needs);
    if (!allowed) {
      const resolved = resolveScopes(needs, call.input as Input);
      if (!resolved.ok) return deny(resolved.reason);
      const ungranted = firstUngrantedScope(grant.scopes, resolved.scopes);
      if (ungranted !== undefined) return deny(`scope ${ungranted} is not granted`);
      const ttlMs = needs.ttl === undefined ? grant.maxTtlMs : (parseDuration(needs.ttl) ?? 0);
      if (ttlMs > grant.maxTtlMs) {
        return deny(
          `ttl ${formatDuration(ttlMs)} exceeds the grant's maxTtl ${formatDuration(grant.maxTtlMs)}`,
        );
      }
      allowed = { scopes: resolved.scopes, ttlMs };
      if (typeof needs.scopes !== 'function') allowedFixedNeeds.set(needs, allowed);
    }
    // A copy per call, as before: a broker that changes its request cannot change the next call's.
    const scopes = [...allowed.scopes];
    const ttlMs = allowed.ttlMs;

    if (monitor) {
      const anomaly = await monitor.observe(agent.id, credential, now());
      if (anomaly) {
        if (monitor.onAnomaly === 'lock') {
          await lockAgent(anomaly.message, span, anomaly);
          return deny(`agent locked: ${anomaly.message}`, new AgentLockedError(agent.id, anomaly.message));
        }
        span?.addEvent(sc.EVENT_ANOMALY, {
          [sc.ATTR_ANOMALY_KIND]: anomaly.kind,
          [sc.ATTR_LEASE_REASON]: anomaly.message,
        });
        await auditor.record(
          event('lease.requested', { ...base, scopes, outcome: 'anomaly', reason: anomaly.kind }),
        );
      }
    }

    const { id: leaseId, fingerprint: leaseFp } = nextLeaseId();
    const request: LeaseRequest = {
      leaseId,
      credential,
      scopes,
      ttlMs,
      agent,
      tool: call.tool,
      toolCallId,
      // Made on first read: most brokers never look at it.
      get signal() {
        return state.signal;
      },
    };
    const requested = auditor.record(leaseEvent('lease.requested', request, leaseFp));
    if (!(typeof requested === 'boolean' ? requested : await requested) && failClosed) {
      return deny('audit log unavailable', new AuditUnavailableError());
    }
    if (isAborted(state)) throw new LeaseAbortedError({ cause: state.reason });

    const started = performance.now();
    const acquireAttributes = spanAttributes();
    acquireAttributes[sc.ATTR_LEASE_CREDENTIAL] = credential;
    acquireAttributes[sc.ATTR_LEASE_SCOPES] = [...scopes];
    acquireAttributes[sc.ATTR_LEASE_TTL_MS] = ttlMs;
    acquireAttributes[sc.ATTR_LEASE_ID] = leaseFp;
    acquireAttributes[sc.ATTR_BROKER_KIND] = broker.kind;
    const acquireSpan = instruments.tracer.startSpan(
      `${sc.SPAN_LEASE_ACQUIRE} ${credential}`,
      { kind: SpanKind.INTERNAL, attributes: acquireAttributes },
      parentContext(span),
    );
    let brokerLease: BrokerLease;
    try {
      brokerLease = localFastPath(broker)?.acquireNow(request) ?? (await broker.acquire(request));
    } catch (error) {
      const typed = AgentLeaseError.isInstance(error)
        ? error
        : new BrokerUnavailableError(
            `credential ${credential}: the ${broker.kind} broker could not issue a lease`,
            {
              cause: error,
              credential,
            },
          );
      acquireSpan.setAttribute(sc.ATTR_LEASE_OUTCOME, 'error');
      acquireSpan.setAttribute(sc.ATTR_ERROR_TYPE, typed.code);
      acquireSpan.setStatus({ code: SpanStatusCode.ERROR, message: typed.code });
      acquireSpan.end();
      return deny(typed.message, typed);
    }
    instruments.acquireDuration.record(
      (performance.now() - started) / 1000,
      credentialAttributes(credential),
    );

    const lease = new LeaseImpl(
      leaseId,
      credential,
      scopes,
      call.tool,
      toolCallId,
      agent,
      brokerLease.expiresAt,
      brokerLease.value,
      brokerLease.inject ?? { type: 'bearer' },
      grant.hosts ?? [],
      leaseHost,
    );
    const held: Held = {
      lease,
      request,
      brokerLease,
      revoked: false,
      leaseFp,
      valueFp: '',
      parent: span,
      call: state,
    };
    live.set(leaseId, held);
    instruments.active.add(1, credentialAttributes(credential));
    // The call may have been aborted, or the guard closed, while the broker worked: the lease must not outlive it.
    if (isAborted(state) || closed) {
      acquireSpan.setAttribute(sc.ATTR_LEASE_OUTCOME, 'aborted');
      acquireSpan.end();
      await revoke(held, 'aborted');
      throw closed ? new GuardClosedError() : new LeaseAbortedError({ cause: state.reason });
    }

    // Register every value before anything can echo it; a value the redactor refuses is never handed out.
    try {
      held.secrets = holdValues(brokerLease, credential);
      held.valueFp = held.secrets[0]?.fingerprint ?? '';
    } catch (error) {
      acquireSpan.setAttribute(sc.ATTR_LEASE_OUTCOME, 'error');
      acquireSpan.end();
      await revoke(held, 'error');
      return deny('the broker returned a value that cannot be redacted safely', error as AgentLeaseError);
    }
    // Assigned rather than passed as `extra` (Object.assign): the leased call's path stays as it was measured.
    const grantedEvent = leaseEvent('lease.granted', request, leaseFp);
    grantedEvent.valueFingerprint = held.valueFp;
    grantedEvent.detail = { ttl_ms: ttlMs, broker: broker.kind };
    const granting = auditor.record(grantedEvent);
    const granted = typeof granting === 'boolean' ? granting : await granting;
    if (!granted && failClosed) {
      acquireSpan.setAttribute(sc.ATTR_LEASE_OUTCOME, 'audit_unavailable');
      acquireSpan.end();
      await revoke(held, 'audit_unavailable');
      return deny('audit log unavailable', new AuditUnavailableError());
    }
    acquireSpan.setAttribute(sc.ATTR_LEASE_OUTCOME, 'granted');
    acquireSpan.end();
    instruments.granted.add(1, credentialAttributes(credential));
    scheduleLifetime(held);
    return held;
  }

  /** Registers the lease's values under the credential name; all or nothing. */
  function holdValues(brokerLease: BrokerLease, credential: string): HeldSecret[] {
    const held: HeldSecret[] = [];
    try {
      held.push(secrets.hold(brokerLease.value, credential));
      for (const v of brokerLease.secrets ?? []) held.push(secrets.hold(v, credential));
    } catch (error) {
      for (const h of held) h.release();
      throw error;
    }
    return held;
  }

  /** Renews a renewable lease at two thirds of its life; marks a non-renewable one expired at its end. */
  function scheduleLifetime(held: Held): void {
    if (held.revoked) return;
    // Brokers report expiry in real time; the configurable clock only drives audit times and the monitor.
    const remaining = Math.max(0, held.lease.expiresAt - Date.now());
    const renewable = held.brokerLease.renewable && typeof broker.renew === 'function';
    const delay = clampDelay(renewable ? Math.floor(remaining * (2 / 3)) : remaining);
    // Runs in the call's OpenTelemetry context, as a setTimeout started here did: a broker's own spans (HTTP
    // instrumentation during renew) stay under the call's span. (AsyncResource.bind would carry every async
    // context, but costs ~20 µs per lease on this path.)
    const ctx = context.active();
    held.timer = deadlines.after(delay, () => {
      context.with(ctx, lifetimeEnded, undefined, held, renewable);
    });
  }

  function lifetimeEnded(held: Held, renewable: boolean): void {
    if (held.revoked) return;
    if (!renewable) {
      held.lease.end('expired');
      void auditor.record(leaseEvent('lease.expired', held.request, held.leaseFp, 'expired'));
      return;
    }
    void renew(held);
  }

  async function renew(held: Held): Promise<void> {
    const attributes = spanAttributes();
    attributes[sc.ATTR_LEASE_CREDENTIAL] = held.request.credential;
    attributes[sc.ATTR_LEASE_ID] = held.leaseFp;
    const span = instruments.tracer.startSpan(
      `${sc.SPAN_LEASE_RENEW} ${held.request.credential}`,
      { attributes },
      parentContext(held.parent),
    );
    try {
      if (!broker.renew) return;
      const { expiresAt } = await broker.renew(held.brokerLease, held.request, held.request.ttlMs);
      if (held.revoked) return;
      if (expiresAt <= Date.now()) throw new Error('renewed into the past');
      const recorded = await auditor.record(
        leaseEvent('lease.renewed', held.request, held.leaseFp, 'ok', {
          detail: { ttl_ms: held.request.ttlMs },
        }),
      );
      if (!recorded && failClosed) {
        // An unrecorded renewal is not granted: the lease ends instead.
        span.setAttribute(sc.ATTR_LEASE_OUTCOME, 'audit_unavailable');
        await revoke(held, 'audit_unavailable');
        return;
      }
      held.lease.extend(expiresAt);
      held.brokerLease.expiresAt = expiresAt;
      span.setAttribute(sc.ATTR_LEASE_OUTCOME, 'renewed');
      scheduleLifetime(held);
    } catch {
      span.setAttribute(sc.ATTR_LEASE_OUTCOME, 'error');
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'renew failed' });
      // Let the lease run to its current end; the body then sees it expire.
      held.brokerLease.renewable = false;
      scheduleLifetime(held);
    } finally {
      span.end();
    }
  }

  /**
   * Revokes exactly once: later calls return the same promise. With a `localBroker` and a synchronous audit sink
   * the revocation completes before this returns, and the result is `REVOKED`.
   */
  function revoke(held: Held, outcome: string): Promise<void> {
    if (held.revocation) return held.revocation;
    held.revoked = true;
    held.timer?.cancel();
    held.lease.end('revoked');
    const attributes = spanAttributes();
    attributes[sc.ATTR_LEASE_CREDENTIAL] = held.request.credential;
    attributes[sc.ATTR_LEASE_ID] = held.leaseFp;
    attributes[sc.ATTR_BROKER_KIND] = broker.kind;
    const span = instruments.tracer.startSpan(
      `${sc.SPAN_LEASE_REVOKE} ${held.request.credential}`,
      { attributes },
      parentContext(held.parent),
    );
    const fast = localFastPath(broker);
    if (fast) {
      held.revocation = REVOKED; // exactly once, also if an audit sink calls back into the guard
      let result = outcome;
      try {
        fast.revokeNow(held.request);
      } catch {
        result = 'error';
        span.setStatus({ code: SpanStatusCode.ERROR, message: 'revoke failed' });
      }
      const recorded = revoked(held, span, result);
      if (typeof recorded === 'boolean') {
        releaseValues(held);
        return REVOKED;
      }
      return track(
        held,
        recorded.then(() => releaseValues(held)),
      );
    }
    return track(
      held,
      (async () => {
        let result = outcome;
        try {
          await broker.revoke(held.brokerLease, held.request);
        } catch {
          result = 'error';
          span.setStatus({ code: SpanStatusCode.ERROR, message: 'revoke failed' });
        }
        const recorded = revoked(held, span, result);
        if (typeof recorded !== 'boolean') await recorded;
        releaseValues(held);
      })(),
    );
  }

  /** After the broker revoked: forget the lease, count it, end its span, record the event. */
  function revoked(held: Held, span: Span, result: string): boolean | Promise<boolean> {
    live.delete(held.request.leaseId);
    instruments.active.add(-1, credentialAttributes(held.request.credential));
    instruments.revoked.add(1, credentialAttributes(held.request.credential, result));
    span.setAttribute(sc.ATTR_LEASE_OUTCOME, result);
    span.end();
    return auditor.record(leaseEvent('lease.revoked', held.request, held.leaseFp, result));
  }

  /** The values stay registered for a grace period: late echoes (logs, retries, exporters) are still caught. */
  function releaseValues(held: Held): void {
    for (const h of held.secrets ?? []) h.release();
  }

  /** A revocation still in progress: close() waits for it. */
  function track(held: Held, revocation: Promise<void>): Promise<void> {
    held.revocation = revocation;
    pendingRevocations.add(revocation);
    void revocation.finally(() => pendingRevocations.delete(revocation));
    return revocation;
  }

  /**
   * Every call of a locked agent is refused, also one that needs no credential, and before each lease (another call
   * may lock the agent while this one acquires): the one place the lock is read on the call path. Undefined when
   * the built-in store says at once that the agent is not locked (no promise to await).
   */
  function refuseIfLocked<Input>(
    call: ToolCall<Input>,
    toolCallId: string,
    span: Span | undefined,
    credential?: string,
  ): Promise<void> | undefined {
    const read = syncLockReader(monitorStore);
    if (read && read(agent.id) === undefined) return undefined;
    return refuseIfLockedAsync(call, toolCallId, span, credential);
  }

  async function refuseIfLockedAsync<Input>(
    call: ToolCall<Input>,
    toolCallId: string,
    span: Span | undefined,
    credential?: string,
  ): Promise<void> {
    const lock = await monitorStore.getLock(agent.id);
    if (!lock) return;
    const error = new AgentLockedError(agent.id, lock.reason);
    denialEvent(span, credential ?? '', `agent locked: ${lock.reason}`, error.code);
    await auditor.record(
      event('lease.denied', {
        tool: call.tool,
        toolCallId,
        ...(credential ? { credential } : {}),
        outcome: 'denied',
        reason: error.code,
      }),
    );
    throw error;
  }

  /** Acquires every lease the call needs (pushing each onto `held` as it comes), then runs the body. */
  async function leaseAndRun<T, Input>(
    call: ToolCall<Input>,
    fn: (lease: Lease | undefined, leases: ReadonlyMap<string, Lease>) => T | Promise<T>,
    span: Span | undefined,
    toolCallId: string,
    needsList: readonly ToolNeeds<Input>[],
    state: CallAbort,
    held: Held[],
  ): Promise<Awaited<T>> {
    if (needsList.length === 0) {
      const locked = refuseIfLocked(call, toolCallId, span);
      if (locked) await locked;
    }
    for (const needs of needsList) {
      const locked = refuseIfLocked(call, toolCallId, span, needs.credential);
      if (locked) await locked;
      const acquiring = acquire(call, needs, toolCallId, state, span);
      inflightAcquires.add(acquiring);
      const settled = () => inflightAcquires.delete(acquiring);
      void acquiring.then(settled, settled);
      const h = await acquiring;
      // Aborted while the broker worked: the call has already settled and revoked what it held; a lease acquired
      // now is found by the call's sweep (or revoked by acquire itself). Go no further.
      if (isAborted(state)) throw state.error();
      held.push(h);
    }
    const leases = new Map<string, Lease>(held.map((h) => [h.request.credential, h.lease]));
    const first = held[0]?.lease;
    // Nothing to hand over: a call context would only hide an enclosing call's leases, and outside one it would
    // switch AsyncLocalStorage on (a cost on every promise, see lease-context.ts) for nothing.
    if (first === undefined && !insideCallBody()) return await fn(first, leases);
    try {
      return await runCallBody({ tool: call.tool, toolCallId, leases }, () => fn(first, leases));
    } finally {
      callBodySettled();
    }
  }

  function markSpanError(span: Span, error: unknown): void {
    const type = AgentLeaseError.isInstance(error)
      ? error.code
      : error instanceof Error
        ? error.name
        : 'Error';
    span.setAttribute(sc.ATTR_ERROR_TYPE, type);
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: describeError(error, redactor.redact.bind(redactor)),
    });
  }

  /**
   * `role`: what `span` is to this call. `own`: the execute_tool span started for it; its status is set and it
   * ends here. `adopted`: the framework's execute_tool span for this call; its status is set, its owner ends it.
   * `parent`: just the active span (tool spans off); lease spans nest under it, nothing else is set on it.
   */
  async function runCall<T, Input>(
    call: ToolCall<Input>,
    fn: (lease: Lease | undefined, leases: ReadonlyMap<string, Lease>) => T | Promise<T>,
    span: Span | undefined,
    role: 'own' | 'adopted' | 'parent',
  ): Promise<Awaited<T>> {
    const marksErrors = role !== 'parent';
    const needsList =
      call.needs === undefined ? [] : normalizeNeeds(call.needs, `needs of tool ${call.tool}`);
    const toolCallId = call.toolCallId ?? randomUUID();
    const timeoutMs = call.timeout === undefined ? defaultTimeoutMs : parseDuration(call.timeout);
    // One state ends the call: the caller's signal, the timeout, or the guard closing.
    const state = new CallAbort();
    calls.add(state);
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            state.abort(new LeaseTimeoutError(timeoutMs));
          }, timeoutMs);
    const unfollow = call.signal ? followSignal(call.signal, state) : undefined;

    const held: Held[] = [];
    try {
      const result = await state.race(leaseAndRun(call, fn, span, toolCallId, needsList, state, held));
      return redactor.redactDeep<Awaited<T>>(result);
    } catch (error) {
      // Our messages are safe, but a cause (a broker's error, an abort reason) may hold anything.
      const safe = redactor.redactDeep(error);
      if (marksErrors && span) markSpanError(span, safe);
      throw safe;
    } finally {
      try {
        if (timer) clearTimeout(timer);
        calls.delete(state);
        unfollow?.();
        // Leases of a call that close() ended are recorded as closed, as close() itself records them.
        const outcome = !state.aborted
          ? 'ok'
          : GuardClosedError.isInstance(state.reason)
            ? 'closed'
            : 'aborted';
        let pending: Promise<void>[] | undefined;
        for (const h of held) {
          const revocation = revoke(h, outcome);
          if (revocation !== REVOKED) (pending ??= []).push(revocation);
        }
        if (pending) {
          // A broker that never answers must not hold the call forever: wait at most REVOKE_WAIT_MS; the revoke goes
          // on in the background and close() waits for it.
          let deadline: Deadline | undefined;
          const bounded = new Promise<void>((resolve) => {
            deadline = deadlines.after(REVOKE_WAIT_MS, resolve);
          });
          try {
            await Promise.race([Promise.all(pending), bounded]).catch((error: unknown) => {
              if (marksErrors && span) markSpanError(span, error);
              throw error;
            });
          } finally {
            deadline?.cancel();
          }
        } else if (state.aborted) {
          // An aborted call settles (and ends its span) after the microtask turns it always took (the awaits this
          // path used to have), also with nothing left to revoke: steps of its acquisition still running in the
          // background on a synchronous store (monitor, lock) then land on its span and in the audit log in the
          // same order as before. The hot path (not aborted, all revoked synchronously) does not wait.
          for (let turn = 0; turn < 4; turn++) await REVOKED;
        }
        // A lease acquired after an abort won the race still has to be found and revoked: the acquire keeps it live.
        if (state.aborted) {
          for (const h of live.values()) if (h.call === state) void revoke(h, 'aborted');
        }
      } finally {
        if (role === 'own') span?.end();
      }
    }
  }

  function withLease<T, Input>(
    call: ToolCall<Input>,
    fn: (lease: Lease | undefined, leases: ReadonlyMap<string, Lease>) => T | Promise<T>,
  ): Promise<Awaited<T>> {
    if (closed) return Promise.reject(new GuardClosedError());
    if (!toolSpans) return runCall(call, fn, trace.getActiveSpan(), 'parent');
    const framework = frameworkToolSpan(trace.getActiveSpan(), call.toolCallId);
    if (framework) {
      // The framework's span keeps its own names; the agent's identity is added where it has none.
      if (framework.attributes[sc.ATTR_GEN_AI_AGENT_ID] === undefined)
        framework.setAttribute(sc.ATTR_GEN_AI_AGENT_ID, agent.id);
      if (agent.name && framework.attributes[sc.ATTR_GEN_AI_AGENT_NAME] === undefined)
        framework.setAttribute(sc.ATTR_GEN_AI_AGENT_NAME, agent.name);
      return runCall(call, fn, framework, 'adopted');
    }
    const attributes = spanAttributes();
    attributes[sc.ATTR_GEN_AI_OPERATION_NAME] = sc.GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL;
    attributes[sc.ATTR_GEN_AI_TOOL_NAME] = call.tool;
    attributes[sc.ATTR_GEN_AI_TOOL_TYPE] = 'function';
    if (call.toolCallId) attributes[sc.ATTR_GEN_AI_TOOL_CALL_ID] = call.toolCallId;
    return instruments.tracer.startActiveSpan(
      `${sc.GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL} ${call.tool}`,
      { kind: SpanKind.INTERNAL, attributes },
      (span) => runCall(call, fn, span, 'own'),
    );
  }

  const guard: Guard = {
    agent,
    redactor,
    withLease: withLease as Guard['withLease'],
    checkNeeds(tool, needs) {
      const list = normalizeNeeds(needs, `needs of tool ${tool}`);
      const issues: string[] = [];
      for (const n of list) {
        if (!grants.has(n.credential))
          issues.push(`credential: "${n.credential}" has no grant for agent ${agent.id}`);
      }
      if (issues.length > 0) throw new InvalidConfigError(issues, `needs of tool ${tool}`);
    },
    redact: (text) => redactor.redact(text),
    redactDeep: (value) => redactor.redactDeep(value),
    createStreamRedactor: () => redactor.createStreamRedactor(),
    scan(text, where = {}) {
      const findings = redactor.scan(text);
      if (findings.length > 0) {
        void auditor.record(
          event('secret.detected', {
            ...(where.tool ? { tool: where.tool } : {}),
            ...(where.toolCallId ? { toolCallId: where.toolCallId } : {}),
            outcome: 'redacted',
            detail: {
              rules: [...new Set(findings.map((f) => f.rule))],
              count: findings.length,
              ...(where.channel ? { channel: where.channel } : {}),
            },
          }),
        );
      }
      return findings;
    },
    describeError: (error) => describeError(error, (t) => redactor.redact(t)),
    lock: (reason) => lockAgent(reason),
    async unlock() {
      const had = await monitorStore.getLock(agent.id);
      if (!had) return;
      // Record first: an unlock nobody can audit does not happen.
      const ok = await auditor.record(event('agent.unlocked', { outcome: 'unlocked', reason: had.reason }));
      if (!ok && failClosed) throw new AuditUnavailableError();
      await monitorStore.setLock(agent.id, undefined);
    },
    async isLocked() {
      return (await monitorStore.getLock(agent.id)) !== undefined;
    },
    leases: () =>
      [...live.values()]
        .filter((h) => !h.revoked && h.lease.active)
        .map((h) => ({
          leaseId: h.leaseFp,
          credential: h.request.credential,
          scopes: h.request.scopes,
          tool: h.request.tool,
          toolCallId: h.request.toolCallId,
          expiresAt: h.lease.expiresAt,
        })),
    async close() {
      closed = true;
      const closedError = new GuardClosedError();
      for (const c of calls) c.abort(closedError);
      // Acquisitions in flight finish (and revoke what they got) before the broker and sink close.
      await Promise.allSettled([...inflightAcquires]);
      await Promise.all([...live.values()].map((h) => revoke(h, 'closed')));
      await Promise.all(pendingRevocations);
      await broker.close?.();
      await auditor.flush();
      await auditor.close();
    },
    fingerprint,
  };
  return guard;
}
