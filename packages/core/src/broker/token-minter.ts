import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { exportJWK, jwtVerify, SignJWT, type JWK } from 'jose';
import type { LeaseRequest } from './types.js';

/** Claims of a lease token: who (`sub` = agent id), what (`scope`), until when (`exp`), which lease (`jti`). */
export interface LeaseTokenClaims {
  sub: string;
  scope: string[];
  jti: string;
  exp: number;
  iss: string;
  aud: string;
  /** The credential the token stands for. */
  credential: string;
}

export interface VerifyOptions {
  /**
   * The audience this upstream serves: `agent-lease:<credential>` unless the credential configured another.
   * Required: every credential of a broker shares one signing key, so without it a token minted for one
   * credential would be accepted by another's upstream.
   */
  audience: string;
  /** Every one of these scopes must be in the token (exact match). */
  requiredScopes?: readonly string[];
}

/** What an upstream server runs: checks signature, issuer, audience, expiry, scopes, and that the lease is live. */
export interface TokenVerifier {
  verify(token: string, options: VerifyOptions): Promise<LeaseTokenClaims>;
  /** The public key as a JWK, for upstreams in another process (they cannot see revocations, only expiry). */
  publicJwk(): Promise<JWK>;
}

export class TokenVerificationError extends Error {
  constructor(readonly reason: 'invalid' | 'expired' | 'revoked' | 'insufficient_scope') {
    super(`lease token rejected: ${reason}`);
    this.name = 'TokenVerificationError';
  }
}

export interface TokenMinter {
  mint(request: LeaseRequest, expiresAt: number, audience: string): Promise<string>;
  markRevoked(jti: string, exp: number): void;
  verifier: TokenVerifier;
}

/**
 * Signs lease tokens with an Ed25519 key (jose). The key pair lives only in this process. Revoked `jti`s are kept
 * until their tokens would have expired anyway, so the deny list stays bounded.
 */
export function createTokenMinter(options: {
  issuer: string;
  privateKey?: KeyObject;
  publicKey?: KeyObject;
}): TokenMinter {
  const pair =
    options.privateKey && options.publicKey
      ? { privateKey: options.privateKey, publicKey: options.publicKey }
      : generateKeyPairSync('ed25519');
  const revoked = new Map<string, number>();
  const prune = (nowSec: number) => {
    for (const [jti, exp] of revoked) if (exp < nowSec) revoked.delete(jti);
  };

  const verifier: TokenVerifier = {
    async verify(token, verifyOptions) {
      let payload: Record<string, unknown>;
      if (typeof verifyOptions.audience !== 'string' || verifyOptions.audience === '') {
        throw new TokenVerificationError('invalid');
      }
      try {
        ({ payload } = await jwtVerify(token, pair.publicKey, {
          issuer: options.issuer,
          algorithms: ['EdDSA'],
          audience: verifyOptions.audience,
        }));
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        throw new TokenVerificationError(code === 'ERR_JWT_EXPIRED' ? 'expired' : 'invalid');
      }
      const claims = toClaims(payload);
      if (!claims) throw new TokenVerificationError('invalid');
      if (revoked.has(claims.jti)) throw new TokenVerificationError('revoked');
      for (const scope of verifyOptions.requiredScopes ?? []) {
        if (!claims.scope.includes(scope)) throw new TokenVerificationError('insufficient_scope');
      }
      return claims;
    },
    publicJwk: () => exportJWK(pair.publicKey),
  };

  return {
    async mint(request, expiresAt, audience) {
      return new SignJWT({ scope: request.scopes.join(' '), credential: request.credential })
        .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
        .setIssuer(options.issuer)
        .setAudience(audience)
        .setSubject(request.agent.id)
        .setJti(request.leaseId)
        .setIssuedAt()
        .setExpirationTime(Math.ceil(expiresAt / 1000))
        .sign(pair.privateKey);
    },
    markRevoked(jti, exp) {
      prune(Math.floor(Date.now() / 1000));
      revoked.set(jti, exp);
    },
    verifier,
  };
}

function toClaims(p: Record<string, unknown>): LeaseTokenClaims | undefined {
  const { sub, scope, jti, exp, iss, aud, credential } = p;
  if (
    typeof sub !== 'string' ||
    typeof scope !== 'string' ||
    typeof jti !== 'string' ||
    typeof exp !== 'number' ||
    typeof iss !== 'string' ||
    typeof aud !== 'string' ||
    typeof credential !== 'string'
  ) {
    return undefined;
  }
  return { sub, scope: scope.split(' ').filter(Boolean), jti, exp, iss, aud, credential };
}
