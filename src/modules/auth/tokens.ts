// Short-lived access JWTs (HS256, jose) naming the user and the login session.
import { jwtVerify, SignJWT, errors as joseErrors } from 'jose';

export interface AccessClaims {
  userId: number;
  sessionId: string;
}

export interface TokenSigner {
  /** An access token; `ttlSeconds` overrides the default lifetime (web sessions in a cookie). */
  sign(claims: AccessClaims, ttlSeconds?: number): Promise<string>;
  verify(token: string): Promise<AccessClaims | null>;
  ttl: number;
}

const ISSUER = 'genhub';
const AUDIENCE = 'genhub:access';

export function createTokenSigner(secret: Uint8Array, ttlSeconds: number): TokenSigner {
  return {
    ttl: ttlSeconds,
    sign: ({ userId, sessionId }, ttl = ttlSeconds) =>
      new SignJWT({ sid: sessionId })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(String(userId))
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${ttl}s`)
        .sign(secret),
    verify: async (token) => {
      try {
        const { payload } = await jwtVerify(token, secret, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] });
        const userId = Number(payload.sub);
        if (!Number.isSafeInteger(userId) || typeof payload.sid !== 'string') return null;
        return { userId, sessionId: payload.sid };
      } catch (err) {
        if (err instanceof joseErrors.JOSEError) return null;
        throw err;
      }
    },
  };
}
