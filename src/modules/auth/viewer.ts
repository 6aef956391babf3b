// Who is calling: an access token (JWT naming a live session), an API key, or nobody.
import type { Deps, Viewer } from '../../context.js';
import { anonymous } from '../../context.js';
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

type ViewerDeps = Pick<Deps, 'prisma' | 'tokens' | 'keyUsage'>;

/** The user's balance comes with the credential's lookup (one query, joined). */
const withCredits = { creditAccount: { select: { available: true, reserved: true } } } as const;

/** Who the credential is. `count: false`: an API key's use is not counted (a follow-up read of one REST call). */
export async function resolveViewer(deps: ViewerDeps, credential: string | null, opts: { count?: boolean } = {}): Promise<Viewer> {
  if (!credential) return anonymous;
  if (credential.startsWith(API_KEY_PREFIX)) return viewerFromApiKey(deps, credential, opts.count ?? true);
  const claims = await deps.tokens.verify(credential);
  if (!claims) return anonymous;
  const session = await deps.prisma.authSession.findUnique({ where: { id: claims.sessionId }, include: { user: { include: withCredits } } });
  if (!session || session.revokedAt || session.expiresAt <= new Date() || session.userId !== claims.userId || session.user.disabled)
    return anonymous;
  const { creditAccount, ...user } = session.user;
  return { kind: 'user', user, sessionId: session.id, apiKey: null, credits: creditAccount ?? { available: 0, reserved: 0 } };
}

async function viewerFromApiKey(deps: ViewerDeps, secret: string, count: boolean): Promise<Viewer> {
  const key = await deps.prisma.apiKey.findUnique({ where: { keyHash: sha256(secret) }, include: { user: { include: withCredits } } });
  const now = new Date();
  if (!key || key.revokedAt || (key.expiresAt && key.expiresAt <= now) || key.user.disabled) return anonymous;
  if (count) deps.keyUsage.record(key.id, now);
  const { creditAccount, ...user } = key.user;
  return { kind: 'user', user, sessionId: null, apiKey: { id: key.id, scopes: key.scopes }, credits: creditAccount ?? { available: 0, reserved: 0 } };
}
