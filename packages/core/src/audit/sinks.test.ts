import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonlAudit, memoryAudit, teeAudit, callbackAudit } from './sinks.js';
import type { AuditEvent } from './types.js';

const ev = (n: number): AuditEvent => ({
  type: 'lease.granted',
  time: new Date(0).toISOString(),
  agent: { id: 'a' },
  outcome: `ok-${n}`,
});

describe('audit sinks', () => {
  it('memory ring keeps the newest events in order', async () => {
    const sink = memoryAudit({ capacity: 3 });
    for (let i = 0; i < 5; i++) await sink.write(ev(i));
    expect(sink.events().map((e) => e.outcome)).toEqual(['ok-2', 'ok-3', 'ok-4']);
  });

  it('jsonl writes one whole line per event, in order, under concurrency', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'agent-lease-')), 'nested', 'audit.jsonl');
    const sink = jsonlAudit(path);
    await Promise.all(Array.from({ length: 50 }, (_, i) => Promise.resolve(sink.write(ev(i)))));
    await sink.close?.();
    const lines = (await readFile(path, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditEvent);
    expect(lines.map((e) => e.outcome)).toEqual(Array.from({ length: 50 }, (_, i) => `ok-${i}`));
  });

  it('jsonl rejects when the file cannot be written (so a fail-closed guard denies)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agent-lease-'));
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    const sink = jsonlAudit(join(file, 'audit.jsonl')); // a path below a regular file: ENOTDIR
    await expect(sink.write(ev(1))).rejects.toThrow();
  });

  it('tee fails when any sink fails', async () => {
    const ok = memoryAudit();
    const sink = teeAudit(
      ok,
      callbackAudit(() => Promise.reject(new Error('down'))),
    );
    await expect(sink.write(ev(1))).rejects.toThrow('down');
  });
});
