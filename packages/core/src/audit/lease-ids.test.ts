import { describe, expect, it } from 'vitest';
import { createFingerprinter } from './fingerprint.js';
import { createLeaseIds } from './lease-ids.js';

describe('lease ids', () => {
  it('are distinct random UUIDs, each with the keyed fingerprint of that id, across batch refills', () => {
    const fingerprint = createFingerprinter('k'.repeat(32));
    const next = createLeaseIds(fingerprint, 8);
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const { id, fingerprint: fp } = next();
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(fp).toBe(fingerprint(id));
      seen.add(id);
    }
    expect(seen.size).toBe(50);
  });
});
