// Login sessions: access JWTs, rotating refresh tokens grouped in families (one family = one
// AuthSession), reuse detection, logout and password changes.
import { z } from 'zod';
import type { Deps, RequestMeta, UserViewer } from '../../context.js';
import { badField, forbidden, notFound, parseInput, unauthenticated } from '../../errors.js';
import type { SessionKind, User } from '../../generated/prisma/client.js';
import { randomToken, sha256 } from '../../lib/crypto.js';
import { password as passwordRule } from '../users/users.validation.js';

export const REFRESH_PREFIX = 'rt_';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  sessionId: string;
  user: User;
}

type AuthDeps = Pick<Deps, 'prisma' | 'tokens' | 'config'>;

const loginInput = z.object({
  login: z.string().trim().min(1, 'is required'),
  password: z.string().min(1, 'is required'),
});

/** A hash to verify against when the user does not exist, so timing does not reveal accounts. */
let dummyHash: Promise<string> | null = null;

export async function login(deps: AuthDeps & Pick<Deps, 'hasher'>, raw: unknown, meta: RequestMeta, kind: SessionKind = 'password'): Promise<TokenPair> {
  const input = parseInput(loginInput, raw, ['input']);
  const user = await findByLogin(deps, input.login);
  if (!user?.passwordHash) {
    await deps.hasher.verify(await (dummyHash ??= deps.hasher.hash('not-a-real-password-1A')), input.password);
    throw unauthenticated('Invalid username or password');
  }
  if (!(await deps.hasher.verify(user.passwordHash, input.password))) throw unauthenticated('Invalid username or password');
  if (user.disabled) throw forbidden('This account is disabled');
  return startSession(deps, user, meta, kind);
}

export function findByLogin(deps: Pick<Deps, 'prisma'>, login: string) {
  return login.includes('@')
    ? deps.prisma.user.findUnique({ where: { email: login.toLowerCase() } })
    : deps.prisma.user.findFirst({ where: { username: { equals: login, mode: 'insensitive' } } });
}

/** Opens a login session (a new refresh-token family) for a user who has proven who they are. */
export async function startSession(deps: AuthDeps, user: User, meta: RequestMeta, kind: SessionKind = 'password'): Promise<TokenPair> {
  const refreshToken = REFRESH_PREFIX + randomToken();
  const expiresAt = new Date(Date.now() + deps.config.REFRESH_TOKEN_TTL * 1000);
  const [session] = await deps.prisma.$transaction([
    deps.prisma.authSession.create({
      data: {
        userId: user.id,
        kind,
        ip: meta.ip,
        userAgent: meta.userAgent?.slice(0, 512),
        expiresAt,
        refreshTokens: { create: { tokenHash: sha256(refreshToken), expiresAt } },
      },
    }),
    deps.prisma.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } }),
  ]);
  return { ...(await accessFor(deps, user.id, session.id)), refreshToken, sessionId: session.id, user };
}

async function accessFor(deps: Pick<Deps, 'tokens'>, userId: number, sessionId: string) {
  return { accessToken: await deps.tokens.sign({ userId, sessionId }), expiresIn: deps.tokens.ttl };
}

/**
 * Rotates a refresh token. The old token is marked rotated by a conditional update, so of two
 * concurrent uses exactly one wins; presenting an already-rotated token is treated as theft and
 * revokes the whole family.
 */
export async function refresh(deps: AuthDeps, refreshToken: string): Promise<TokenPair> {
  if (!refreshToken) throw badField('refreshToken', 'is required');
  const found = await deps.prisma.refreshToken.findUnique({
    where: { tokenHash: sha256(refreshToken) },
    include: { session: { include: { user: true } } },
  });
  const now = new Date();
  if (!found) throw unauthenticated('Invalid refresh token');
  const { session } = found;
  if (session.revokedAt) throw unauthenticated('This session has been revoked');
  if (found.expiresAt <= now || session.expiresAt <= now) throw unauthenticated('Refresh token expired');
  if (session.user.disabled) throw forbidden('This account is disabled');

  const next = REFRESH_PREFIX + randomToken();
  const rotated = await deps.prisma.$transaction(async (tx) => {
    const claimed = await tx.refreshToken.updateMany({ where: { id: found.id, rotatedAt: null }, data: { rotatedAt: now } });
    if (claimed.count !== 1) return false;
    await tx.refreshToken.create({ data: { sessionId: session.id, tokenHash: sha256(next), expiresAt: session.expiresAt } });
    await tx.authSession.update({ where: { id: session.id }, data: { lastUsedAt: now } });
    return true;
  });
  if (!rotated) {
    await deps.prisma.authSession.updateMany({
      where: { id: session.id, revokedAt: null },
      data: { revokedAt: now, revokedReason: 'refresh_token_reuse' },
    });
    throw unauthenticated('Refresh token already used; the session has been revoked');
  }
  return { ...(await accessFor(deps, session.userId, session.id)), refreshToken: next, sessionId: session.id, user: session.user };
}

/** Ends the caller's session (or the one a refresh token belongs to). */
export async function logout(deps: Pick<Deps, 'prisma'>, viewer: UserViewer | null, refreshToken?: string | null): Promise<boolean> {
  let sessionId = viewer?.sessionId ?? null;
  if (refreshToken) {
    const t = await deps.prisma.refreshToken.findUnique({ where: { tokenHash: sha256(refreshToken) }, include: { session: true } });
    if (!t || (viewer && t.session.userId !== viewer.user.id)) throw unauthenticated('Invalid refresh token');
    sessionId = t.sessionId;
  }
  if (!sessionId) throw unauthenticated();
  await deps.prisma.authSession.updateMany({ where: { id: sessionId, revokedAt: null }, data: { revokedAt: new Date(), revokedReason: 'logout' } });
  return true;
}

export async function revokeUserSessions(deps: Pick<Deps, 'prisma'>, userId: number, reason: string, exceptSessionId?: string | null) {
  await deps.prisma.authSession.updateMany({
    where: { userId, revokedAt: null, ...(exceptSessionId ? { id: { not: exceptSessionId } } : {}) },
    data: { revokedAt: new Date(), revokedReason: reason },
  });
}

const changePasswordInput = z.object({ oldPassword: z.string().min(1, 'is required'), newPassword: passwordRule });

/** Changes the caller's password and ends their other sessions. */
export async function changePassword(deps: Pick<Deps, 'prisma' | 'hasher'>, viewer: UserViewer, raw: unknown): Promise<boolean> {
  const input = parseInput(changePasswordInput, raw);
  const user = await deps.prisma.user.findUnique({ where: { id: viewer.user.id } });
  if (!user) throw notFound('User');
  if (!user.passwordHash || !(await deps.hasher.verify(user.passwordHash, input.oldPassword)))
    throw badField('oldPassword', 'is not the current password');
  if (input.oldPassword === input.newPassword) throw badField('newPassword', 'must differ from the current password');
  await deps.prisma.user.update({ where: { id: user.id }, data: { passwordHash: await deps.hasher.hash(input.newPassword) } });
  await revokeUserSessions(deps, user.id, 'password_changed', viewer.sessionId);
  return true;
}

/** Admin: sets a new password and ends every session of that user. */
export async function resetPassword(deps: Pick<Deps, 'prisma' | 'hasher'>, userId: number, newPassword: string): Promise<boolean> {
  const pw = parseInput(z.object({ newPassword: passwordRule }), { newPassword }).newPassword;
  const user = await deps.prisma.user.findUnique({ where: { id: userId }, select: { id: true } });
  if (!user) throw notFound('User');
  await deps.prisma.user.update({ where: { id: userId }, data: { passwordHash: await deps.hasher.hash(pw) } });
  await revokeUserSessions(deps, userId, 'password_reset');
  return true;
}

/** Creates the first admin from ADMIN_EMAIL / ADMIN_PASSWORD, or promotes that account. */
export async function ensureAdmin(deps: Pick<Deps, 'prisma' | 'hasher' | 'config' | 'log'>): Promise<User | null> {
  const { ADMIN_EMAIL: email, ADMIN_PASSWORD: pw, ADMIN_USERNAME: username } = deps.config;
  if (!email || !pw) return null;
  const existing = await deps.prisma.user.findUnique({ where: { email: email.toLowerCase() } });
  if (existing) {
    if (existing.role === 'admin') return existing;
    deps.log.info({ email }, 'promoting the configured admin account');
    return deps.prisma.user.update({ where: { id: existing.id }, data: { role: 'admin' } });
  }
  const { createUser } = await import('../users/users.service.js');
  const user = await createUser(deps, { username, email, password: pw, role: 'admin' }, { admin: true });
  deps.log.info({ email, username }, 'created the configured admin');
  return user;
}
