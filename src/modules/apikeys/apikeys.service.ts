// API keys (seed 004, and MyMoodAI's bearer keys): `sk_live_` + 32 random bytes, shown once.
// Only a SHA-256 of the secret is stored; the secret's first characters are its public id.
// Keys carry permissions that the schema checks per field; revoked or expired keys are refused.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Deps } from '../../context.js';
import { AppError, parseInput } from '../../errors.js';
import type { ApiKey } from '../../generated/prisma/client.js';
import { sha256 } from '../../lib/crypto.js';

export const PERMISSIONS = [
  'ai:read', 'ai:write', 'usage:read', 'webhooks:read', 'webhooks:write',
  'chats:read', 'chats:write', 'presets:read', 'presets:write', 'orders:read', 'orders:write',
] as const;
export const DEFAULT_PERMISSIONS = ['ai:read', 'ai:write', 'usage:read'];
export const SECRET_PREFIX = 'sk_live_';
/** Characters of the secret that make its public id. */
const ID_LENGTH = 16;
const MAX_KEYS = 100;

const permissions = z
  .array(z.enum(PERMISSIONS, { message: `must each be one of ${PERMISSIONS.join(', ')}` }))
  .max(PERMISSIONS.length)
  .transform((p) => [...new Set(p)]);
const createSchema = z.object({
  name: z.string().trim().min(1, 'is required').max(100, 'must be at most 100 characters'),
  permissions: permissions.optional(),
  expiresIn: z.number().int('must be a whole number of days').min(1, 'must be at least 1 day').max(3650, 'must be at most 3650 days').nullable().optional(),
});
const updateSchema = z.object({ name: createSchema.shape.name.optional(), permissions: permissions.optional() });

export type CreateKeyInput = z.input<typeof createSchema>;

const notFound = () => new AppError('NOT_FOUND', 'API key not found', { field: 'id' });

export async function createApiKey(deps: Pick<Deps, 'prisma'>, userId: number, raw: CreateKeyInput): Promise<{ key: string; apiKey: ApiKey }> {
  const input = parseInput(createSchema, raw, ['input']);
  const live = await deps.prisma.apiKey.count({ where: { userId, revokedAt: null } });
  if (live >= MAX_KEYS) throw new AppError('CONFLICT', `At most ${MAX_KEYS} API keys per account; delete one first`, { field: 'input', reason: 'too_many_keys' });
  const key = SECRET_PREFIX + randomBytes(32).toString('base64url');
  const days = input.expiresIn === undefined ? 90 : input.expiresIn;
  const apiKey = await deps.prisma.apiKey.create({
    data: {
      id: key.slice(0, ID_LENGTH),
      userId,
      name: input.name,
      keyHash: sha256(key),
      prefix: key.slice(0, ID_LENGTH),
      scopes: input.permissions ?? DEFAULT_PERMISSIONS,
      expiresAt: days === null ? null : new Date(Date.now() + days * 86_400_000),
    },
  });
  return { key, apiKey };
}

/** A live key of the user's, or NOT_FOUND (revoked keys are gone). */
export async function ownKey(deps: Pick<Deps, 'prisma'>, userId: number, id: string): Promise<ApiKey> {
  const k = await deps.prisma.apiKey.findUnique({ where: { id } });
  if (!k || k.userId !== userId || k.revokedAt) throw notFound();
  return k;
}

export async function updateApiKey(deps: Pick<Deps, 'prisma'>, userId: number, id: string, raw: z.input<typeof updateSchema>): Promise<ApiKey> {
  const input = parseInput(updateSchema, raw, ['input']);
  await ownKey(deps, userId, id);
  return deps.prisma.apiKey.update({
    where: { id },
    data: { ...(input.name !== undefined ? { name: input.name } : {}), ...(input.permissions !== undefined ? { scopes: input.permissions } : {}) },
  });
}

/** Revokes a key: refused from its next request on. Its history (tasks, usage) stays. */
export async function revokeApiKey(deps: Pick<Deps, 'prisma'>, userId: number, id: string): Promise<boolean> {
  const r = await deps.prisma.apiKey.updateMany({ where: { id, userId, revokedAt: null }, data: { revokedAt: new Date() } });
  if (r.count === 0) throw notFound();
  return true;
}

export function listApiKeys(deps: Pick<Deps, 'prisma'>, userId: number) {
  return deps.prisma.apiKey.findMany({ where: { userId, revokedAt: null }, orderBy: { createdAt: 'desc' } });
}
