// Who is calling: an access token (JWT naming a live session), an API key, or nobody.
import type { Deps, Viewer } from '../../context.js';
import { anonymous } from '../../context.js';
import type { User } from '../../generated/prisma/client.js';
import { sha256 } from '../../lib/crypto.js';

export const API_KEY_PREFIX = 'sk_';

/** Reads the credential from `Authorization: Bearer …` or `X-API-Key`. */
export function credentialFrom(headers: { get(name: string): string | null }): string | null {
  const auth = headers.get('authorization');
  if (auth) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1]!;
  }
  return headers.get('x-api-key')?.trim() || null;
}

type ViewerDeps = Pick<Deps, 'prisma' | 'tokens' | 'keyUsage' | 'sql'>;

/** A lookup on the pool directly where the database offers it (PostgreSQL), else through Prisma. */
const lookup = <T>(deps: ViewerDeps, name: string, text: string, value: unknown): Promise<T[]> =>
  deps.sql ? deps.sql<T>(name, text, [value]) : deps.prisma.$queryRawUnsafe<T[]>(text, value);


/** Who the credential is. `count: false`: an API key's use is not counted (a follow-up read of one REST call). */
export async function resolveViewer(deps: ViewerDeps, credential: string | null, opts: { count?: boolean } = {}): Promise<Viewer> {
  if (!credential) return anonymous;
  if (credential.startsWith(API_KEY_PREFIX)) return viewerFromApiKey(deps, credential, opts.count ?? true);
  const claims = await deps.tokens.verify(credential);
  if (!claims) return anonymous;
  const rows = await lookup<UserRow & { sessionId: string; sessionRevokedAt: Date | null; sessionExpiresAt: Date }>(deps, 'viewer_session', SESSION_LOOKUP, claims.sessionId);
  const session = rows[0];
  if (!session || session.sessionRevokedAt || session.sessionExpiresAt <= new Date()) return anonymous;
  const { sessionId, sessionRevokedAt: _r, sessionExpiresAt: _e, ...row } = session;
  const { user, credits } = split(row);
  // The session's user must be the token's, and still allowed in.
  if (user.id !== claims.userId || user.disabled) return anonymous;
  return { kind: 'user', user, sessionId, apiKey: null, credits };
}

/** The user columns under their Prisma names, for the credential lookups below. */
const USER_COLUMNS = `u.id, u.username, u.email, u.name, u.full_name AS "fullName", u.phone_number AS "phoneNumber", u.avatar, u.metadata,
  u.password_hash AS "passwordHash", u.role::text AS role, u.tier::text AS tier, u.disabled, u.wechat_open_id AS "wechatOpenId",
  u.google_sub AS "googleSub", u.created_at AS "createdAt", u.updated_at AS "updatedAt", u.last_login_at AS "lastLoginAt",
  coalesce(c.available, 0) AS "creditsAvailable", coalesce(c.reserved, 0) AS "creditsReserved"`;

const SESSION_LOOKUP = `SELECT s.id AS "sessionId", s.revoked_at AS "sessionRevokedAt", s.expires_at AS "sessionExpiresAt", ${USER_COLUMNS}
  FROM auth_sessions s JOIN users u ON u.id = s.user_id LEFT JOIN credit_accounts c ON c.user_id = u.id
  WHERE s.id = $1`;

const KEY_LOOKUP = `SELECT k.id AS "keyId", k.scopes AS "keyScopes", k.revoked_at AS "keyRevokedAt", k.expires_at AS "keyExpiresAt", ${USER_COLUMNS}
  FROM api_keys k JOIN users u ON u.id = k.user_id LEFT JOIN credit_accounts c ON c.user_id = u.id
  WHERE k.key_hash = $1`;

type UserRow = User & { creditsAvailable: number; creditsReserved: number };

function split(row: UserRow) {
  const { creditsAvailable, creditsReserved, ...user } = row;
  return { user, credits: { available: creditsAvailable, reserved: creditsReserved } };
}

// The key, its user and the balance in one statement, on the pool: on the path of every request
// with an API key, where Prisma's client cost more than the database.
async function viewerFromApiKey(deps: ViewerDeps, secret: string, count: boolean): Promise<Viewer> {
  const rows = await lookup<UserRow & { keyId: string; keyScopes: string[]; keyRevokedAt: Date | null; keyExpiresAt: Date | null }>(deps, 'viewer_key', KEY_LOOKUP, sha256(secret));
  const key = rows[0];
  const now = new Date();
  if (!key || key.keyRevokedAt || (key.keyExpiresAt && key.keyExpiresAt <= now) || key.disabled) return anonymous;
  if (count) deps.keyUsage.record(key.keyId, now);
  const { keyId, keyScopes, keyRevokedAt: _r, keyExpiresAt: _e, ...row } = key;
  const { user, credits } = split(row);
  return { kind: 'user', user, sessionId: null, apiKey: { id: keyId, scopes: keyScopes }, credits };
}
