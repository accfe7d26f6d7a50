import { createHmac, randomBytes } from 'node:crypto';

/** Keyed HMAC-SHA256, as Vault's audit devices do: correlatable by whoever holds the key, useless to others. */
export interface Fingerprinter {
  (value: string): string;
}

export function createFingerprinter(key?: Uint8Array | string): Fingerprinter {
  const secret =
    key === undefined ? randomBytes(32) : typeof key === 'string' ? Buffer.from(key) : Buffer.from(key);
  return (value) => `hmac-sha256:${createHmac('sha256', secret).update(value).digest('hex')}`;
}
