import { HclError, parseHcl } from './hcl.js';

/** Vault's ACL engine: path rules with `*` (trailing prefix glob) and `+` (one segment), most specific wins, deny overrides. */
export const CAPABILITIES = [
  'create',
  'read',
  'update',
  'patch',
  'delete',
  'list',
  'sudo',
  'deny',
  'subscribe',
  'recover',
] as const;
export type Capability = (typeof CAPABILITIES)[number];

export interface PathRule {
  pattern: string;
  capabilities: Set<Capability>;
}

export class PolicyParseError extends Error {}

export function parsePolicy(text: string): PathRule[] {
  let doc: unknown;
  const trimmed = text.trim();
  try {
    doc = trimmed.startsWith('{') ? JSON.parse(trimmed) : parseHcl(text);
  } catch (error) {
    if (error instanceof HclError || error instanceof SyntaxError)
      throw new PolicyParseError(`failed to parse policy: ${error.message}`);
    throw error;
  }
  const paths = (doc as { path?: unknown }).path;
  if (paths === undefined) return [];
  if (typeof paths !== 'object' || paths === null)
    throw new PolicyParseError('failed to parse policy: "path" must be a block');
  const rules: PathRule[] = [];
  for (const [pattern, block] of Object.entries(paths as Record<string, unknown>)) {
    const caps = (block as { capabilities?: unknown; policy?: unknown } | null)?.capabilities;
    const legacy = (block as { policy?: unknown } | null)?.policy;
    const set = new Set<Capability>();
    if (Array.isArray(caps)) {
      for (const cap of caps) {
        if (!(CAPABILITIES as readonly unknown[]).includes(cap))
          throw new PolicyParseError(`path "${pattern}": invalid capability "${String(cap)}"`);
        set.add(cap as Capability);
      }
    } else if (typeof legacy === 'string') {
      // Pre-0.5 shorthand: policy = "read" | "write" | "sudo" | "deny".
      const map: Record<string, Capability[]> = {
        deny: ['deny'],
        read: ['read', 'list'],
        write: ['create', 'read', 'update', 'delete', 'list'],
        sudo: ['create', 'read', 'update', 'delete', 'list', 'sudo'],
      };
      for (const cap of map[legacy] ?? []) set.add(cap);
    }
    rules.push({ pattern: pattern.replace(/^\//, ''), capabilities: set });
  }
  return rules;
}

function matches(pattern: string, path: string): boolean {
  const glob = pattern.endsWith('*');
  const body = glob ? pattern.slice(0, -1) : pattern;
  const pSegs = body.split('/');
  const segs = path.split('/');
  if (!glob && pSegs.length !== segs.length) return false;
  if (glob && segs.length < pSegs.length) return false;
  for (let i = 0; i < pSegs.length; i++) {
    const p = pSegs[i] ?? '';
    const s = segs[i] ?? '';
    const last = i === pSegs.length - 1;
    if (p === '+') continue;
    if (last && glob) {
      if (!s.startsWith(p)) return false;
    } else if (p !== s) return false;
  }
  return true;
}

/** Positive when `a` has higher priority than `b` (Vault's documented ordering of overlapping patterns). */
function comparePriority(a: string, b: string): number {
  const firstWildcard = (p: string): number => {
    const i = [p.indexOf('+'), p.indexOf('*')].filter((x) => x >= 0);
    return i.length === 0 ? Infinity : Math.min(...i);
  };
  const fa = firstWildcard(a);
  const fb = firstWildcard(b);
  if (fa !== fb) return fa > fb ? 1 : -1;
  const ga = a.endsWith('*');
  const gb = b.endsWith('*');
  if (ga !== gb) return ga ? -1 : 1;
  const pa = a.split('+').length;
  const pb = b.split('+').length;
  if (pa !== pb) return pa > pb ? -1 : 1;
  if (a.length !== b.length) return a.length > b.length ? 1 : -1;
  return a > b ? 1 : a < b ? -1 : 0;
}

/** Capabilities granted on `path` by the union of `ruleSets` (one per policy). `deny` alone means none. */
export function capabilitiesFor(ruleSets: readonly PathRule[][], path: string): Set<Capability> {
  const merged = new Map<string, Set<Capability>>();
  for (const rules of ruleSets) {
    for (const rule of rules) {
      if (!matches(rule.pattern, path)) continue;
      const set = merged.get(rule.pattern) ?? new Set<Capability>();
      for (const cap of rule.capabilities) set.add(cap);
      merged.set(rule.pattern, set);
    }
  }
  let best: string | undefined;
  for (const pattern of merged.keys())
    if (best === undefined || comparePriority(pattern, best) > 0) best = pattern;
  const caps = best === undefined ? new Set<Capability>() : (merged.get(best) ?? new Set<Capability>());
  return caps.has('deny') ? new Set<Capability>(['deny']) : caps;
}

/** Vault's built-in `default` policy (the parts that matter to token holders). */
export const DEFAULT_POLICY = `
path "auth/token/lookup-self" { capabilities = ["read"] }
path "auth/token/renew-self" { capabilities = ["update"] }
path "auth/token/revoke-self" { capabilities = ["update"] }
path "sys/capabilities-self" { capabilities = ["update"] }
path "sys/leases/renew" { capabilities = ["update"] }
path "sys/leases/lookup" { capabilities = ["update"] }
path "sys/renew" { capabilities = ["update"] }
path "sys/wrapping/wrap" { capabilities = ["update"] }
path "sys/wrapping/lookup" { capabilities = ["update"] }
path "sys/wrapping/unwrap" { capabilities = ["update"] }
path "sys/tools/hash" { capabilities = ["update"] }
path "sys/tools/hash/*" { capabilities = ["update"] }
path "cubbyhole/*" { capabilities = ["create", "read", "update", "delete", "list"] }
`;
