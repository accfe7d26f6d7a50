import { diag, type Context } from '@opentelemetry/api';
import type { LogAttributes } from '@opentelemetry/api-logs';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { REDACTION_FAILED, toRedact, type Redact, type RedactSource } from './redact-source.js';
import { scrubAnyMap, scrubAnyValue } from './scrub-any-value.js';
import { exceptionAwareRedact } from './scrub-exception.js';
import { ATTR_REDACTION_FAILED } from './semconv.js';

/**
 * Scrubs log records in `onEmit`: body (strings, maps, arrays, UTF-8 bytes), attribute keys and values (incl.
 * `exception.message` / `exception.stacktrace` from `emit({ exception })`), event name and severity text.
 *
 * The SDK calls each processor's `onEmit` in registration order and a `SimpleLogRecordProcessor` exports inside
 * its own `onEmit`, so this processor must be registered FIRST:
 * `new LoggerProvider({ processors: [new RedactingLogRecordProcessor(guard), new BatchLogRecordProcessor(...)] })`.
 * It never throws into `logger.emit()`: if scrubbing fails, the record's content is replaced by a marker.
 */
export class RedactingLogRecordProcessor implements LogRecordProcessor {
  private readonly redact: Redact;

  constructor(guard: RedactSource) {
    this.redact = toRedact(guard);
  }

  onEmit(logRecord: ReadWriteLogRecord, _context?: Context): void {
    try {
      scrubLogRecord(this.redact, logRecord);
    } catch (error) {
      failClosed(logRecord, error);
    }
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function scrubLogRecord(redact: Redact, record: ReadWriteLogRecord): void {
  const body = record.body;
  if (body !== undefined) {
    const clean = scrubAnyValue(redact, body);
    if (clean !== body) record.body = clean;
  }
  if (record.eventName !== undefined) {
    const clean = redact(record.eventName);
    if (clean !== record.eventName) record.eventName = clean;
  }
  if (record.severityText !== undefined) {
    const clean = redact(record.severityText);
    if (clean !== record.severityText) record.severityText = clean;
  }
  const attributes = record.attributes;
  const clean = scrubAnyMap(exceptionAwareRedact(redact, attributes), attributes);
  if (clean !== attributes) replaceAll(attributes, clean);
}

/** Writes straight into the record's attribute object: setAttribute cannot remove a key that held a secret. */
function replaceAll(target: LogAttributes, source: LogAttributes): void {
  // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- the SDK's own attribute object
  for (const key of Object.keys(target)) delete target[key];
  Object.assign(target, source);
}

function failClosed(record: ReadWriteLogRecord, error: unknown): void {
  try {
    diag.error(
      `RedactingLogRecordProcessor: scrubbing failed (${error instanceof Error ? error.name : typeof error}); ` +
        'record content replaced',
    );
    record.body = REDACTION_FAILED;
    if (record.eventName !== undefined) record.eventName = REDACTION_FAILED;
    if (record.severityText !== undefined) record.severityText = REDACTION_FAILED;
    replaceAll(record.attributes, { [ATTR_REDACTION_FAILED]: true });
  } catch {
    /* never throw into logger.emit() */
  }
}
