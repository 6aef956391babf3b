// Who is calling: an access token (JWT naming a live session), an API key, or nobody.
import type { Deps, Viewer } from '../../context.js';
import { anonymous } from '../../context.js';
import type { User } from '../../generated/prisma/client.js';
import { sha256 } from '../../lib/crypto.js';
import { utcTimestamp } from '../../db.js';
import { tickBatcher } from '../../lib/batch.js';
import { isUnavailable } from '../../lib/prisma-errors.js';

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

/**
 * The lookups of one kind asked in one turn of the event loop, as one statement (one in flight
 * at a time; while it runs, the next ones gather): a busy API instance sends one lookup for many
 * requests, and requests with the same credential share its row. Each row is one JSON value: on
 * the pool directly where the database offers it (PostgreSQL), else through Prisma. One column
 * rather than twenty: pg describes, and sets up a parser and a row object for, every column of
 * every result, which cost more than the query.
 */
type Lookup = (value: string) => Promise<unknown>;
const lookups = new WeakMap<object, Map<string, Lookup>>();
function lookup<T>(deps: ViewerDeps, q: LookupSql, value: string): Promise<T | undefined> {
  const owner = deps.sql ?? deps.prisma;
  let byName = lookups.get(owner);
  if (!byName) lookups.set(owner, (byName = new Map()));
  let one = byName.get(q.name);
  if (!one) {
    const run = <R>(name: string, text: string, value: unknown) => (deps.sql ? deps.sql<R>(name, text, [value]) : deps.prisma.$queryRawUnsafe<R[]>(text, value));
    // The row's JSON text, parsed by each caller: requests with the same credential share no object.
    const batch = tickBatcher<string, string, string>(
      (v) => v,
      async (values) => {
        const rows = values.length === 1 ? await run<{ k: string; v: string | null }>(q.name, q.one, values[0]) : await run<{ k: string; v: string | null }>(`${q.name}_many`, q.many, values);
        return new Map(rows.filter((r) => r.v !== null).map((r) => [r.k, r.v!]));
      },
      // A batch that failed because the database is unreachable fails its callers, rather than
      // being sent again once per value.
      { inFlight: 1, share: true, max: 100, alone: (err) => !isUnavailable(err) },
    );
    byName.set(q.name, (one = (value) => batch(value).then((v) => (v === null ? undefined : JSON.parse(v)))));
  }
  return one(value) as Promise<T | undefined>;
}

/**
 * A lookup's statements: `k` (the value looked up) and `v` (the row's JSON text; null or no row when
 * there is none). One value: a plain `=`, whose generic plan PostgreSQL keeps. Several: each
 * value by its own subquery, the single lookup's plan (index scans, nested loops) per value; a
 * statement on an array is planned again on every run (its custom plan, sized by the array,
 * always looks cheaper than the generic one), which the one-value case must not pay.
 */
interface LookupSql {
  name: string;
  one: string;
  many: string;
}
const lookupSql = (name: string, row: string, from: string, column: string): LookupSql => ({
  name,
  one: `SELECT ${column} AS k, (${row})::text AS v ${from} WHERE ${column} = $1`,
  many: `SELECT l.k, (SELECT (${row})::text ${from} WHERE ${column} = l.k) AS v FROM unnest($1::text[]) AS l(k)`,
});

/** A `timestamp` column as JSON gives it, or null. */
const date = (v: string | null): Date | null => (v === null ? null : utcTimestamp(v));

/** Who the credential is. `count: false`: an API key's use is not counted (a follow-up read of one REST call). */
export async function resolveViewer(deps: ViewerDeps, credential: string | null, opts: { count?: boolean } = {}): Promise<Viewer> {
  if (!credential) return anonymous;
  if (credential.startsWith(API_KEY_PREFIX)) return viewerFromApiKey(deps, credential, opts.count ?? true);
  const claims = await deps.tokens.verify(credential);
  if (!claims) return anonymous;
  const session = await lookup<UserJson & { sessionId: string; sessionRevokedAt: string | null; sessionExpiresAt: string }>(deps, SESSION_LOOKUP, claims.sessionId);
  if (!session || session.sessionRevokedAt || date(session.sessionExpiresAt)! <= new Date()) return anonymous;
  const { user, credits } = split(session);
  // The session's user must be the token's, and still allowed in.
  if (user.id !== claims.userId || user.disabled) return anonymous;
  return { kind: 'user', user, sessionId: session.sessionId, apiKey: null, credits };
}

/** The user's columns under their Prisma names, and the balance, as JSON object entries. */
const USER_JSON = `'id', u.id, 'username', u.username, 'email', u.email, 'name', u.name, 'fullName', u.full_name, 'phoneNumber', u.phone_number,
  'avatar', u.avatar, 'metadata', u.metadata, 'passwordHash', u.password_hash, 'role', u.role, 'tier', u.tier, 'disabled', u.disabled,
  'wechatOpenId', u.wechat_open_id, 'googleSub', u.google_sub, 'createdAt', u.created_at, 'updatedAt', u.updated_at, 'lastLoginAt', u.last_login_at,
  'creditsAvailable', coalesce(c.available, 0), 'creditsReserved', coalesce(c.reserved, 0)`;

const SESSION_LOOKUP = lookupSql(
  'viewer_session',
  `json_build_object('sessionId', s.id, 'sessionRevokedAt', s.revoked_at, 'sessionExpiresAt', s.expires_at, ${USER_JSON})`,
  'FROM auth_sessions s JOIN users u ON u.id = s.user_id LEFT JOIN credit_accounts c ON c.user_id = u.id',
  's.id',
);

const KEY_LOOKUP = lookupSql(
  'viewer_key',
  `json_build_object('keyId', k.id, 'keyScopes', k.scopes, 'keyRevokedAt', k.revoked_at, 'keyExpiresAt', k.expires_at, ${USER_JSON})`,
  'FROM api_keys k JOIN users u ON u.id = k.user_id LEFT JOIN credit_accounts c ON c.user_id = u.id',
  'k.key_hash',
);

/** The user as the lookups give it: timestamps as JSON strings. */
type UserJson = Omit<User, 'createdAt' | 'updatedAt' | 'lastLoginAt'> & { createdAt: string; updatedAt: string; lastLoginAt: string | null; creditsAvailable: number; creditsReserved: number };

/** The user as Prisma gives it (its fields in its order), and the balance. */
function split(j: UserJson): { user: User; credits: { available: number; reserved: number } } {
  const user: User = {
    id: j.id,
    username: j.username,
    email: j.email,
    name: j.name,
    fullName: j.fullName,
    phoneNumber: j.phoneNumber,
    avatar: j.avatar,
    metadata: j.metadata,
    passwordHash: j.passwordHash,
    role: j.role,
    tier: j.tier,
    disabled: j.disabled,
    wechatOpenId: j.wechatOpenId,
    googleSub: j.googleSub,
    createdAt: date(j.createdAt)!,
    updatedAt: date(j.updatedAt)!,
    lastLoginAt: date(j.lastLoginAt),
  };
  return { user, credits: { available: j.creditsAvailable, reserved: j.creditsReserved } };
}

// The key, its user and the balance in one statement, on the pool: on the path of every request
// with an API key, where Prisma's client cost more than the database.
async function viewerFromApiKey(deps: ViewerDeps, secret: string, count: boolean): Promise<Viewer> {
  const key = await lookup<UserJson & { keyId: string; keyScopes: string[]; keyRevokedAt: string | null; keyExpiresAt: string | null }>(deps, KEY_LOOKUP, sha256(secret));
  const now = new Date();
  if (!key || key.keyRevokedAt || (key.keyExpiresAt && date(key.keyExpiresAt)! <= now) || key.disabled) return anonymous;
  if (count) deps.keyUsage.record(key.keyId, now);
  const { user, credits } = split(key);
  return { kind: 'user', user, sessionId: null, apiKey: { id: key.keyId, scopes: key.keyScopes }, credits };
}
