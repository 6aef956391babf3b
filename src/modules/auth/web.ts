// Web sessions for the server-rendered pages and the Image Generator API: signed in with a
// password or a Google ID token, carried in an HttpOnly cookie. The cookie holds an access token
// bound to a 'cookie' (or 'google') session that lives WEB_SESSION_TTL; signing out revokes the
// session, so the cookie stops working at once.
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { randomBytes } from 'node:crypto';
import type { Deps, RequestMeta } from '../../context.js';
import { AppError, badField, unauthenticated } from '../../errors.js';
import type { SessionKind, User } from '../../generated/prisma/client.js';
import { login } from './auth.service.js';

export interface WebSession {
  token: string;
  expiresIn: number;
  user: User;
}

async function open(deps: Pick<Deps, 'prisma' | 'tokens' | 'config'>, user: User, meta: RequestMeta, kind: SessionKind): Promise<WebSession> {
  const ttl = deps.config.WEB_SESSION_TTL;
  const session = await deps.prisma.authSession.create({
    data: { userId: user.id, kind, ip: meta.ip, userAgent: meta.userAgent?.slice(0, 512), expiresAt: new Date(Date.now() + ttl * 1000) },
  });
  await deps.prisma.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
  return { token: await deps.tokens.sign({ userId: user.id, sessionId: session.id }, ttl), expiresIn: ttl, user };
}

/** Username (or email) and password. */
export async function webLogin(deps: Deps, input: { login: string; password: string }, meta: RequestMeta): Promise<WebSession> {
  const pair = await login(deps, input, meta);
  // The password session of login() is not needed: end it, keep a cookie session.
  await deps.prisma.authSession.update({ where: { id: pair.sessionId }, data: { revokedAt: new Date(), revokedReason: 'exchanged for a web session' } });
  return open(deps, pair.user, meta, 'cookie');
}

let jwks: { url: string; set: ReturnType<typeof createRemoteJWKSet> } | undefined;

/** A Google ID token (Sign in with Google's `credential`), verified against Google's keys; the account is created on first use. */
export async function googleLogin(deps: Pick<Deps, 'prisma' | 'tokens' | 'config'>, credential: string, meta: RequestMeta): Promise<WebSession> {
  const { GOOGLE_CLIENT_ID, GOOGLE_JWKS_URL } = deps.config;
  if (!credential) throw badField('credential', 'is required');
  if (!GOOGLE_CLIENT_ID) throw new AppError('SERVICE_UNAVAILABLE', 'Google sign-in is not configured on this server');
  if (jwks?.url !== GOOGLE_JWKS_URL) jwks = { url: GOOGLE_JWKS_URL, set: createRemoteJWKSet(new URL(GOOGLE_JWKS_URL)) };
  let claims: { sub?: string; email?: string; email_verified?: boolean; name?: string; picture?: string };
  try {
    ({ payload: claims } = await jwtVerify(credential, jwks.set, { issuer: ['https://accounts.google.com', 'accounts.google.com'], audience: GOOGLE_CLIENT_ID, algorithms: ['RS256'] }));
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    // A token naming a key Google does not publish is a bad credential, not an outage.
    const keyless = code === 'ERR_JWKS_NO_MATCHING_KEY' || code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS';
    if (!keyless && (code.startsWith('ERR_JWKS') || code === 'ERR_JOSE_GENERIC')) throw new AppError('SERVICE_UNAVAILABLE', `Google's keys could not be read: ${(err as Error).message}`);
    throw unauthenticated(`Invalid Google credential: ${(err as Error).message}`);
  }
  if (!claims.sub) throw unauthenticated('Invalid Google credential: no subject');
  const email = claims.email && claims.email_verified ? claims.email.toLowerCase() : null;
  let user = await deps.prisma.user.findUnique({ where: { googleSub: claims.sub } });
  if (!user) {
    // Never joined to an existing account by its address (addresses given at sign-up are not
    // verified): a new account, which keeps the address only if no account has it.
    const taken = email ? await deps.prisma.user.findUnique({ where: { email }, select: { id: true } }) : null;
    const grant = deps.config.SIGNUP_CREDITS;
    user = await deps.prisma.user.create({
      data: {
        googleSub: claims.sub,
        email: taken ? null : email,
        name: claims.name ?? null,
        avatar: claims.picture ?? null,
        username: `g_${randomBytes(6).toString('hex')}`,
        creditAccount: { create: { available: grant } },
        creditEntries: grant > 0 ? { create: { kind: 'grant', amount: grant, balanceAfter: grant, reservedAfter: 0, reason: 'sign-up grant' } } : undefined,
      },
    });
  }
  if (user.disabled) throw unauthenticated('This account is disabled');
  return open(deps, user, meta, 'google');
}
