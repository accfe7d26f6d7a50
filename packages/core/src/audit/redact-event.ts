import type { AuditEvent } from './types.js';

type Detail = NonNullable<AuditEvent['detail']>;

/** The list redacted; the same array when nothing changed. */
function redactList(list: readonly string[], redact: (text: string) => string): readonly string[] {
  let out: string[] | undefined;
  let i = 0;
  for (const text of list) {
    const safe = redact(text);
    if (safe !== text) (out ??= list.slice())[i] = safe;
    i++;
  }
  return out ?? list;
}

/** The detail's strings and string lists redacted; the same object when nothing changed. */
function redactDetail(detail: Detail, redact: (text: string) => string): Detail {
  let out: Record<string, string | number | boolean | readonly string[]> | undefined;
  for (const key in detail) {
    if (!Object.hasOwn(detail, key)) continue;
    const v = detail[key];
    if (v === undefined) continue;
    const safe =
      typeof v === 'string' ? redact(v) : Array.isArray(v) ? redactList(v as readonly string[], redact) : v;
    if (safe !== v) (out ??= { ...detail })[key] = safe;
  }
  return out ?? detail;
}

/**
 * Redacts the fields of an audit event that can carry model-shaped text (scopes from tool input, hosts, reasons,
 * detail values). Identifiers the guard made itself (fingerprints, names from config) are left as they are.
 * Cheaper than a generic deep walk, and returns the same object when nothing changed (the common case: it runs
 * for every event on the call path, so it allocates nothing then).
 */
export function redactAuditEvent(event: AuditEvent, redact: (text: string) => string): AuditEvent {
  const scopes = event.scopes === undefined ? undefined : redactList(event.scopes, redact);
  const reason = event.reason === undefined ? undefined : redact(event.reason);
  const toolCallId = event.toolCallId === undefined ? undefined : redact(event.toolCallId);
  const detail = event.detail === undefined ? undefined : redactDetail(event.detail, redact);
  if (
    scopes === event.scopes &&
    reason === event.reason &&
    toolCallId === event.toolCallId &&
    detail === event.detail
  ) {
    return event;
  }
  return {
    ...event,
    ...(scopes ? { scopes } : {}),
    ...(reason !== undefined ? { reason } : {}),
    ...(toolCallId !== undefined ? { toolCallId } : {}),
    ...(detail ? { detail } : {}),
  };
}
