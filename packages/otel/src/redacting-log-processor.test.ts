import { SeverityNumber } from '@opentelemetry/api-logs';
import { ExportResultCode } from '@opentelemetry/core';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
  type LogRecordProcessor,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import { describe, expect, it } from 'vitest';
import { REDACTION_FAILED } from './redact-source.js';
import { RedactingLogRecordProcessor } from './redacting-log-processor.js';
import { ATTR_REDACTION_FAILED } from './semconv.js';
import { CANARIES, canaryRedactor, leakedCanaries } from './test-fixtures.js';

const C = CANARIES;

function emitLeaky(
  order: (exporting: LogRecordProcessor) => LogRecordProcessor[],
  exporter = new InMemoryLogRecordExporter(),
) {
  const provider = new LoggerProvider({ processors: order(new SimpleLogRecordProcessor({ exporter })) });
  provider.getLogger('app').emit({
    eventName: `login ${C.github}`,
    severityNumber: SeverityNumber.ERROR,
    body: { message: `token ${C.quoted}`, nested: [{ deep: C.github }], raw: Buffer.from(`x=${C.github}`) },
    attributes: { [`k.${C.github}`]: 'v', list: ['a', C.quoted], map: { inner: C.exception } },
    exception: new Error(`failed with ${C.exception}`),
  });
  return exporter.getFinishedLogRecords();
}

const dump = (records: readonly ReadableLogRecord[]) =>
  records.map((r) => ({
    eventName: r.eventName,
    severityText: r.severityText,
    attributes: r.attributes,
    body: r.body instanceof Uint8Array ? Buffer.from(r.body).toString('utf8') : r.body,
    bodyRaw: (r.body as { raw?: Uint8Array } | undefined)?.raw
      ? Buffer.from((r.body as { raw: Uint8Array }).raw).toString('utf8')
      : undefined,
  }));

describe('RedactingLogRecordProcessor', () => {
  it('control: without it the exported record holds every canary', () => {
    expect(leakedCanaries(dump(emitLeaky((exp) => [exp])))).toEqual(['exception', 'github', 'quoted']);
  });

  it('scrubs body (maps, arrays, bytes), attribute keys and values, exception and event name when first', () => {
    const records = emitLeaky((exp) => [new RedactingLogRecordProcessor(canaryRedactor()), exp]);
    expect(leakedCanaries(dump(records))).toEqual([]);
    const [r] = records;
    expect(r!.eventName).toBe('login [REDACTED:github]');
    expect(r!.attributes['k.[REDACTED:github]']).toBe('v');
    expect(r!.attributes['exception.message']).toBe('failed with [REDACTED:exception]');
    expect(r!.attributes['map']).toEqual({ inner: '[REDACTED:exception]' });
    expect(Buffer.from((r!.body as { raw: Uint8Array }).raw).toString('utf8')).toBe('x=[REDACTED:github]');
  });

  it('registered after a SimpleLogRecordProcessor it is too late (why the docs say "first")', () => {
    // An exporter that serializes at export time, as the OTLP exporters do (InMemory keeps a live reference).
    const wire: string[] = [];
    const snapshotting = new InMemoryLogRecordExporter();
    snapshotting.export = (records, done) => {
      wire.push(JSON.stringify(dump(records)));
      done({ code: ExportResultCode.SUCCESS });
    };
    emitLeaky((exp) => [exp, new RedactingLogRecordProcessor(canaryRedactor())], snapshotting);
    expect(wire).toHaveLength(1);
    expect(leakedCanaries(wire[0])).not.toEqual([]);
  });

  it('never throws into emit(): a failing redactor replaces the content', () => {
    const broken = {
      redact: (t: string): string => {
        if (t.includes(C.github)) throw new Error('broken');
        return t;
      },
    };
    const records = emitLeaky((exp) => [new RedactingLogRecordProcessor(broken), exp]);
    expect(records).toHaveLength(1);
    expect(records[0]!.body).toBe(REDACTION_FAILED);
    expect(records[0]!.attributes).toEqual({ [ATTR_REDACTION_FAILED]: true });
    expect(leakedCanaries(dump(records))).toEqual([]);
  });
});
