import type { AuditEvent } from './types.js';

/**
 * Redacts the fields of an audit event that can carry model-shaped text (scopes from tool input, hosts, reasons,
 * detail values). Identifiers the guard made itself (fingerprints, names from config) are left as they are.
 * Cheaper than a generic deep walk, and returns the same object when nothing changed.
 */
export function redactAuditEvent(event: AuditEvent, redact: (text: string) => string): AuditEvent {
  let changed = false as boolean; // set inside the closure below
  const r = (text: string) => {
    const out = redact(text);
    if (out !== text) changed = true;
    return out;
  };
  const scopes = event.scopes?.map(r);
  const reason = event.reason === undefined ? undefined : r(event.reason);
  const toolCallId = event.toolCallId === undefined ? undefined : r(event.toolCallId);
  let detail = event.detail;
  if (detail) {
    const copy: Record<string, string | number | boolean | readonly string[]> = {};
    for (const [k, v] of Object.entries(detail)) {
      copy[k] = typeof v === 'string' ? r(v) : Array.isArray(v) ? (v as readonly string[]).map(r) : v;
    }
    detail = copy;
  }
  if (!changed) return event;
  return {
    ...event,
    ...(scopes ? { scopes } : {}),
    ...(reason !== undefined ? { reason } : {}),
    ...(toolCallId !== undefined ? { toolCallId } : {}),
    ...(detail ? { detail } : {}),
  };
}
