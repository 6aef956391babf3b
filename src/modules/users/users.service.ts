// Accounts: registration, profiles, avatars and the admin's user management.
import { randomBytes } from 'node:crypto';
import type { Deps, UserViewer } from '../../context.js';
import { AppError, badField, badInput, notFound, parseInput } from '../../errors.js';
import type { Prisma, User } from '../../generated/prisma/client.js';
import { uniqueViolation, isRecordNotFound } from '../../lib/prisma-errors.js';
import { sniffImage } from '../../storage/index.js';
import { revokeUserSessions } from '../auth/auth.service.js';
import * as v from './users.validation.js';

type Db = Pick<Deps, 'prisma'>;

/** Registration or admin creation; username and email are unique (username case-insensitively). */
export async function createUser(deps: Pick<Deps, 'prisma' | 'hasher' | 'config'>, raw: unknown, opts: { admin?: boolean } = {}): Promise<User> {
  const input = opts.admin ? parseInput(v.adminCreateInput, raw, ['input']) : parseInput(v.registerInput, raw, ['input']);
  await assertAvailable(deps, { username: input.username, email: input.email });
  const passwordHash = await deps.hasher.hash(input.password);
  const grant = deps.config.SIGNUP_CREDITS;
  const { password: _password, metadata, ...rest } = input;
  try {
    return await deps.prisma.user.create({
      data: {
        ...rest,
        metadata: (metadata ?? {}) as Prisma.InputJsonValue,
        passwordHash,
        // the sign-up grant is an ordinary ledger entry, written with the account
        creditAccount: { create: { available: grant } },
        creditEntries: grant > 0 ? { create: { kind: 'grant', amount: grant, balanceAfter: grant, reservedAfter: 0, reason: 'sign-up grant' } } : undefined,
      },
    });
  } catch (err) {
    throw conflictFromUnique(err) ?? err;
  }
}

async function assertAvailable(deps: Db, fields: { username?: string; email?: string }, exceptId?: number) {
  const errors = [];
  if (fields.username) {
    const taken = await deps.prisma.user.findFirst({
      where: { username: { equals: fields.username, mode: 'insensitive' }, ...(exceptId ? { id: { not: exceptId } } : {}) },
      select: { id: true },
    });
    if (taken) errors.push({ path: ['input', 'username'], message: 'is already taken' });
  }
  if (fields.email) {
    const taken = await deps.prisma.user.findFirst({
      where: { email: fields.email, ...(exceptId ? { id: { not: exceptId } } : {}) },
      select: { id: true },
    });
    if (taken) errors.push({ path: ['input', 'email'], message: 'is already registered' });
  }
  if (errors.length) throw badInput(errors);
}

function conflictFromUnique(err: unknown): AppError | null {
  const fields = uniqueViolation(err);
  if (!fields) return null;
  const field = fields.find((f) => f === 'email' || f === 'username') ?? 'username';
  return badField(`input.${field}`, field === 'email' ? 'is already registered' : 'is already taken');
}

export async function updateProfile(deps: Db, userId: number, raw: unknown, opts: { admin?: boolean } = {}): Promise<User> {
  const input = opts.admin ? parseInput(v.adminUserInput, raw, ['input']) : parseInput(v.profileInput, raw, ['input']);
  await assertAvailable(deps, { username: input.username, email: input.email }, userId);
  const { metadata, ...rest } = input;
  try {
    return await deps.prisma.user.update({
      where: { id: userId },
      data: { ...rest, ...(metadata !== undefined ? { metadata: (metadata ?? {}) as Prisma.InputJsonValue } : {}) },
    });
  } catch (err) {
    if (isRecordNotFound(err)) throw notFound('User');
    throw conflictFromUnique(err) ?? err;
  }
}

/** Admin update; disabling a user also ends their sessions. */
export async function adminUpdateUser(deps: Db, userId: number, raw: unknown): Promise<User> {
  const user = await updateProfile(deps, userId, raw, { admin: true });
  if (user.disabled) await revokeUserSessions(deps, userId, 'user_disabled');
  return user;
}

export async function getUser(deps: Db, userId: number): Promise<User> {
  const user = await deps.prisma.user.findUnique({ where: { id: userId } });
  if (!user) throw notFound('User');
  return user;
}

export async function listUsers(deps: Db, raw: { offset?: number | null; limit?: number | null }) {
  const { offset, limit } = parseInput(v.paging, { offset: raw.offset ?? undefined, limit: raw.limit ?? undefined });
  const [items, total] = await Promise.all([
    deps.prisma.user.findMany({ orderBy: { id: 'asc' }, skip: offset, take: limit }),
    deps.prisma.user.count(),
  ]);
  return { items, total, offset, limit };
}

export async function deleteUser(deps: Db, viewer: UserViewer, userId: number): Promise<boolean> {
  if (viewer.user.id === userId) throw badField('id', 'an admin cannot delete their own account');
  try {
    await deps.prisma.user.delete({ where: { id: userId } });
    return true;
  } catch (err) {
    if (isRecordNotFound(err)) throw notFound('User');
    throw err;
  }
}

/** Avatar images: PNG, JPEG, WebP or GIF recognized by content, at most AVATAR_MAX_BYTES. */
export async function setAvatar(deps: Pick<Deps, 'prisma' | 'storage' | 'config'>, userId: number, file: File): Promise<User> {
  if (file.size === 0) throw badField('file', 'is empty');
  if (file.size > deps.config.AVATAR_MAX_BYTES)
    throw new AppError('PAYLOAD_TOO_LARGE', `file: must be at most ${deps.config.AVATAR_MAX_BYTES} bytes`, { field: 'file' });
  const bytes = new Uint8Array(await file.arrayBuffer());
  const kind = sniffImage(bytes);
  if (!kind) throw badField('file', 'must be a PNG, JPEG, WebP or GIF image');
  const key = `avatars/${userId}-${randomBytes(8).toString('hex')}.${kind.ext}`;
  await deps.storage.put(key, bytes);
  const before = await deps.prisma.user.findUnique({ where: { id: userId }, select: { avatar: true } });
  const user = await deps.prisma.user.update({ where: { id: userId }, data: { avatar: `/${key}` } });
  if (before?.avatar?.startsWith('/avatars/')) await deps.storage.delete(before.avatar.slice(1)).catch(() => {});
  return user;
}
