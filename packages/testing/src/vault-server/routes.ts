import type { Capability } from './policy.js';
import type { TokenEntry, VaultState } from './state.js';

/** HTTP verbs folded the way Vault does: PUT and POST are both WRITE; GET ?list=true is LIST. */
export type Op = 'GET' | 'LIST' | 'WRITE' | 'PATCH' | 'DELETE';

export interface RouteContext {
  state: VaultState;
  op: Op;
  path: string;
  params: string[];
  query: URLSearchParams;
  body: Record<string, unknown>;
  token: TokenEntry | undefined;
  /** Whether the caller holds `cap` on `path` (sudo checks, capabilities-self). */
  capabilities(path: string): Set<Capability | 'root'>;
}

export interface LeaseSpec {
  /** Lease id prefix, e.g. `database/creds/readonly`. */
  path: string;
  ttl: number;
  maxTtl: number;
  renewable: boolean;
  onRevoke: () => void;
}

export interface Reply {
  status?: number;
  data?: unknown;
  auth?: TokenEntry;
  lease?: LeaseSpec;
  warnings?: string[];
  /** sys/* responses also carry the data keys at top level. */
  sys?: boolean;
  /** A 204 with no body. */
  empty?: boolean;
  /** Send this exact JSON body (used by unwrap to return the original response). */
  raw?: unknown;
}

export class VaultHttpError extends Error {
  constructor(
    readonly status: number,
    readonly errors: string[],
    readonly body?: unknown,
  ) {
    super(errors[0] ?? `status ${status}`);
  }
}

export const badRequest = (message: string): VaultHttpError => new VaultHttpError(400, [message]);
export const permissionDenied = (): VaultHttpError => new VaultHttpError(403, ['permission denied']);
export const notFound = (body?: unknown): VaultHttpError => new VaultHttpError(404, [], body);

export interface Route {
  pattern: RegExp;
  ops: readonly Op[];
  /** `none`: unauthenticated; `wrapping`: a wrapping token may authenticate. Default: a token with ACL check. */
  auth?: 'none' | 'wrapping';
  /** Root-protected path: needs `sudo` in addition to the verb capability. */
  sudo?: boolean;
  /** Existence check: WRITE on a missing resource needs `create`, on an existing one `update`. Without it, `update`. */
  exists?: (ctx: RouteContext) => boolean;
  handler: (ctx: RouteContext) => Reply;
}

export function str(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest(`${key}: expected a string`);
  return v;
}

/** Vault's comma-separated-or-array fields (policies, allowed_policies, ...). */
export function strList(body: Record<string, unknown>, key: string): string[] | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string')
    return v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  if (Array.isArray(v) && v.every((x) => typeof x === 'string'))
    return v.map((s) => s.trim()).filter((s) => s !== '');
  throw badRequest(`${key}: expected a list of strings`);
}

export function bool(body: Record<string, unknown>, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  throw badRequest(`${key}: expected a boolean`);
}

export function int(body: Record<string, unknown>, key: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw badRequest(`${key}: expected an integer`);
  return n;
}
