import { SignJWT, createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { ConfigError, UnauthorizedError } from '../errors.js';
import { isUid } from '../protocol/identifiers.js';

/** Who a verified token belongs to. */
export interface Identity {
  uid: string;
  /** Token expiry, epoch seconds. */
  exp: number;
}

export interface TokenVerifier {
  /** Resolves the identity of a valid token; rejects with UnauthorizedError otherwise. */
  verify(token: string | undefined | null): Promise<Identity>;
}

export interface VerifierOptions {
  /** HS256 shared secret. */
  secret?: string;
  /** JWKS URL for RS256/ES256. */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
}

/** Builds a verifier for HS256 (secret) or RS256/ES256 (JWKS URL) tokens, verified with jose. */
export function createTokenVerifier(options: VerifierOptions): TokenVerifier {
  let key: Promise<CryptoKey> | JWTVerifyGetKey;
  let algorithms: string[];
  if (options.jwksUrl) {
    key = createRemoteJWKSet(new URL(options.jwksUrl));
    algorithms = ['RS256', 'ES256'];
  } else if (options.secret) {
    // Imported once as a CryptoKey: given raw bytes (or a secret KeyObject), jose imports the key on every verify.
    const imported = crypto.subtle.importKey('raw', new TextEncoder().encode(options.secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
    imported.catch(() => undefined); // a failure surfaces on the first verify, not as an unhandled rejection
    key = imported;
    algorithms = ['HS256'];
  } else {
    throw new ConfigError('a JWT secret or a JWKS URL is required');
  }
  const verifyOptions = {
    algorithms,
    requiredClaims: ['sub', 'exp'],
    ...(options.issuer ? { issuer: options.issuer } : {}),
    ...(options.audience ? { audience: options.audience } : {}),
  };

  return {
    async verify(token) {
      if (!token) throw new UnauthorizedError('missing token');
      try {
        const { payload } = typeof key === 'function' ? await jwtVerify(token, key, verifyOptions) : await jwtVerify(token, await key, verifyOptions);
        const uid: unknown = payload.sub;
        if (!isUid(uid)) throw new UnauthorizedError('token sub is not a valid uid');
        return { uid, exp: payload.exp as number };
      } catch (err) {
        if (err instanceof UnauthorizedError) throw err;
        const reason = err instanceof errors.JWTExpired ? 'token expired' : 'invalid token';
        throw new UnauthorizedError(reason, { cause: err });
      }
    },
  };
}

/** Signs an HS256 token for `uid` (local runtime, tests, `npm run token`). */
export async function signToken(uid: string, secret: string, ttlSeconds = 24 * 3600): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(uid)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(new TextEncoder().encode(secret));
}
