import type { Clock } from './clock.js';
import { newAccessor, newServiceToken } from './ids.js';
import { DEFAULT_POLICY, parsePolicy, type PathRule } from './policy.js';

/** Vault's system default and maximum lease TTL: 768h (32 days). */
export const SYSTEM_MAX_TTL = 768 * 3600;

export interface TokenEntry {
  id: string;
  accessor: string;
  policies: string[];
  parent: string | undefined;
  children: Set<string>;
  leases: Set<string>;
  meta: Record<string, string> | null;
  displayName: string;
  /** Remaining uses; 0 means unlimited. */
  numUses: number;
  renewable: boolean;
  creationTtl: number;
  explicitMaxTtl: number;
  period: number;
  issueTime: number;
  lastRenewal: number | undefined;
  /** ms since epoch; undefined for root tokens that never expire. */
  expireAt: number | undefined;
  /** Hard cap from explicit_max_ttl / role / system max. */
  maxExpireAt: number | undefined;
  path: string;
  orphan: boolean;
  role: string | undefined;
  /** Set when the last use was consumed: revoked after the current request completes. */
  exhausted: boolean;
}

export interface LeaseEntry {
  id: string;
  path: string;
  token: string;
  issueTime: number;
  lastRenewal: number | undefined;
  expireAt: number;
  maxExpireAt: number;
  renewable: boolean;
  ttl: number;
  onRevoke: () => void;
}

export interface TokenRole {
  name: string;
  allowedPolicies: string[];
  disallowedPolicies: string[];
  allowedPoliciesGlob: string[];
  disallowedPoliciesGlob: string[];
  orphan: boolean;
  renewable: boolean;
  pathSuffix: string;
  tokenExplicitMaxTtl: number;
  tokenNumUses: number;
  tokenPeriod: number;
  tokenNoDefaultPolicy: boolean;
  tokenType: string;
}

/** A revocation the server performed, for tests that assert what would have been deleted at the source. */
export interface RevocationEvent {
  kind: 'token' | 'lease';
  /** Lease id (not secret) or token accessor; never a token id. */
  ref: string;
  reason: 'explicit' | 'expired' | 'parent' | 'exhausted' | 'prefix' | 'one-use';
  time: number;
}

export interface WrappedResponse {
  accessor: string;
  /** The exact JSON body the unwrap returns. */
  body: unknown;
  ttl: number;
  creationTime: number;
  creationPath: string;
  expireAt: number;
}

export class VaultState {
  readonly wrapped = new Map<string, WrappedResponse>();
  readonly tokens = new Map<string, TokenEntry>();
  readonly accessors = new Map<string, string>();
  readonly leases = new Map<string, LeaseEntry>();
  readonly policies = new Map<string, { text: string; rules: PathRule[] }>();
  readonly tokenRoles = new Map<string, TokenRole>();
  readonly revocations: RevocationEvent[] = [];
  sealed = false;

  constructor(readonly clock: Clock) {
    this.policies.set('default', { text: DEFAULT_POLICY, rules: parsePolicy(DEFAULT_POLICY) });
  }

  now(): number {
    return this.clock.now();
  }

  createToken(
    init: Omit<TokenEntry, 'id' | 'accessor' | 'children' | 'leases' | 'exhausted' | 'lastRenewal'> & {
      id?: string;
    },
  ): TokenEntry {
    const entry: TokenEntry = {
      ...init,
      id: init.id ?? newServiceToken(),
      accessor: newAccessor(),
      children: new Set(),
      leases: new Set(),
      exhausted: false,
      lastRenewal: undefined,
    };
    this.tokens.set(entry.id, entry);
    this.accessors.set(entry.accessor, entry.id);
    if (entry.parent !== undefined) this.tokens.get(entry.parent)?.children.add(entry.id);
    return entry;
  }

  /** Looks a token up, expiring everything due first: an expired token is as good as revoked. */
  lookupToken(id: string | undefined): TokenEntry | undefined {
    this.sweep();
    return id === undefined ? undefined : this.tokens.get(id);
  }

  revokeToken(id: string, reason: RevocationEvent['reason'], orphanChildren = false): void {
    const entry = this.tokens.get(id);
    if (!entry) return;
    this.tokens.delete(id);
    this.accessors.delete(entry.accessor);
    if (entry.parent !== undefined) this.tokens.get(entry.parent)?.children.delete(id);
    for (const child of entry.children) {
      if (orphanChildren) {
        const c = this.tokens.get(child);
        if (c) {
          c.parent = undefined;
          c.orphan = true;
        }
      } else this.revokeToken(child, 'parent');
    }
    for (const lease of entry.leases) this.revokeLease(lease, reason === 'explicit' ? 'parent' : reason);
    this.revocations.push({ kind: 'token', ref: entry.accessor, reason, time: this.now() });
  }

  revokeLease(id: string, reason: RevocationEvent['reason']): void {
    const lease = this.leases.get(id);
    if (!lease) return;
    this.leases.delete(id);
    this.tokens.get(lease.token)?.leases.delete(id);
    lease.onRevoke();
    this.revocations.push({ kind: 'lease', ref: id, reason, time: this.now() });
  }

  /** Expires tokens and leases whose time has come (Vault's expiration manager, run lazily). */
  sweep(): void {
    const now = this.now();
    for (const [id, t] of [...this.tokens]) {
      if (t.expireAt !== undefined && t.expireAt <= now && this.tokens.has(id))
        this.revokeToken(id, 'expired');
    }
    for (const [id, l] of [...this.leases]) if (l.expireAt <= now) this.revokeLease(id, 'expired');
    for (const [id, w] of [...this.wrapped]) if (w.expireAt <= now) this.wrapped.delete(id);
  }

  policyRules(names: readonly string[]): PathRule[][] {
    return names.flatMap((n) => {
      const p = this.policies.get(n);
      return p ? [p.rules] : [];
    });
  }
}
