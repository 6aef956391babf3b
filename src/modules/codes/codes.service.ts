// Redemption codes. Admins create them singly or in batches; users redeem them for credits.
// Redeeming is one SQL statement: it takes a use of the code only while uses remain, records who
// redeemed it (once per user, by a unique index) and credits the account with its ledger entry,
// so 100 concurrent claims of a single-use code give exactly one success.
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import type { Deps } from '../../context.js';
import { AppError, badField, parseInput } from '../../errors.js';
import { Prisma } from '../../generated/prisma/client.js';
import { uniqueViolation } from '../../lib/prisma-errors.js';
import type { Balance } from '../credits/credits.service.js';

type Db = Pick<Deps, 'prisma'>;

// Crockford base32 without I, L, O, U: easy to read aloud and type.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** XXXX-XXXX-XXXX-XXXX: 80 random bits. */
export function generateCode(prefix = ''): string {
  const groups = Array.from({ length: 4 }, () => Array.from({ length: 4 }, () => ALPHABET[randomInt(32)]).join(''));
  return prefix + groups.join('-');
}

/** Codes are matched without regard to case or surrounding spaces. */
export const normalizeCode = (code: string) => code.trim().toUpperCase();

const createSchema = z
  .object({
    amount: z.number().int('must be a whole number').positive('must be positive').max(10_000_000, 'is too large'),
    maxUses: z.number().int('must be a whole number').min(1, 'must be at least 1').max(1_000_000, 'is too large').default(1),
    count: z.number().int('must be a whole number').min(1, 'must be at least 1').max(1000, 'must be at most 1000').default(1),
    expiresAt: z.date().nullable().optional(),
    code: z
      .string()
      .trim()
      // Long enough that codes cannot be guessed by trying them.
      .regex(/^[A-Za-z0-9-_]{8,64}$/, 'must be 8–64 letters, digits, dashes or underscores')
      .nullable()
      .optional(),
    prefix: z.string().regex(/^[A-Za-z0-9]{0,12}-?$/, 'must be up to 12 letters or digits').nullable().optional(),
    note: z.string().max(500, 'must be at most 500 characters').nullable().optional(),
  })
  .refine((d) => !(d.code && d.count > 1), { path: ['code'], message: 'can only be given when count is 1' })
  .refine((d) => !d.expiresAt || d.expiresAt.getTime() > Date.now(), { path: ['expiresAt'], message: 'must be in the future' });

export async function createCodes(deps: Db, input: unknown, createdById: number) {
  const d = parseInput(createSchema, input, ['input']);
  const batchId = d.count > 1 ? generateCode('B-') : null;
  const codes = d.code ? [normalizeCode(d.code)] : Array.from({ length: d.count }, () => generateCode(d.prefix?.toUpperCase() ?? ''));
  const data = codes.map((code) => ({
    code,
    amount: d.amount,
    maxUses: d.maxUses,
    expiresAt: d.expiresAt ?? null,
    batchId,
    note: d.note ?? null,
    createdById,
  }));
  try {
    // One statement: all codes of a batch or none.
    await deps.prisma.redemptionCode.createMany({ data });
  } catch (err) {
    if (uniqueViolation(err)) throw badField('input.code', 'already exists');
    throw err;
  }
  return deps.prisma.redemptionCode.findMany({ where: { code: { in: codes } }, orderBy: { id: 'asc' } });
}

/** A code that has not been deleted, or NOT_FOUND. */
export async function getCode(deps: Db, code: string) {
  const c = await deps.prisma.redemptionCode.findFirst({ where: { code: normalizeCode(code), deletedAt: null } });
  if (!c) throw new AppError('NOT_FOUND', 'Redemption code not found', { field: 'code' });
  return c;
}

export async function listCodes(deps: Db, opts: { offset: number; limit: number; batchId?: string | null }) {
  const where = { deletedAt: null, ...(opts.batchId ? { batchId: opts.batchId } : {}) };
  const [items, total] = await Promise.all([
    deps.prisma.redemptionCode.findMany({ where, orderBy: { id: 'desc' }, skip: opts.offset, take: opts.limit }),
    deps.prisma.redemptionCode.count({ where }),
  ]);
  return { items, total, offset: opts.offset, limit: opts.limit };
}

/** Deleting keeps the row (and who redeemed it) but the code can no longer be read or redeemed. */
export async function deleteCode(deps: Db, code: string) {
  const r = await deps.prisma.redemptionCode.updateMany({ where: { code: normalizeCode(code), deletedAt: null }, data: { deletedAt: new Date() } });
  if (r.count === 0) throw new AppError('NOT_FOUND', 'Redemption code not found', { field: 'code' });
  return true;
}

export interface Redemption extends Balance {
  code: string;
  amount: number;
  entryId: number;
}

export async function redeem(deps: Db, userId: number, rawCode: string): Promise<Redemption> {
  const code = normalizeCode(rawCode);
  if (!code) throw badField('code', 'is required');
  await deps.prisma.creditAccount.upsert({ where: { userId }, create: { userId }, update: {} });
  let rows: (Balance & { amount: number; entryId: number })[];
  try {
    rows = await deps.prisma.$queryRaw`
      WITH c AS (
        UPDATE redemption_codes SET used_count = used_count + 1
        WHERE code = ${code} AND deleted_at IS NULL AND used_count < max_uses
          AND (expires_at IS NULL OR expires_at > now())
          AND (SELECT available FROM credit_accounts WHERE user_id = ${userId})::bigint + amount <= 2000000000
        RETURNING id, amount
      ), r AS (
        INSERT INTO code_redemptions (code_id, user_id, amount) SELECT id, ${userId}, amount FROM c RETURNING code_id, amount
      ), acc AS (
        UPDATE credit_accounts a SET available = a.available + r.amount, updated_at = now()
        FROM r WHERE a.user_id = ${userId}
        RETURNING a.available, a.reserved
      )
      INSERT INTO credit_entries (user_id, kind, amount, balance_after, reserved_after, code_id, reason)
      SELECT ${userId}, 'redeem'::"CreditEntryKind", r.amount, acc.available, acc.reserved, r.code_id, ${'Redeemed code ' + code}
      FROM r, acc
      RETURNING id AS "entryId", amount, balance_after AS available, reserved_after AS reserved`;
  } catch (err) {
    // The unique (code, user) index: this user has redeemed the code before. The whole statement
    // is undone, so the use it took is given back.
    if (isUniqueViolation(err)) throw unavailable('You have already redeemed this code', 'already_redeemed');
    throw err;
  }
  const row = rows[0];
  if (row) return { code, ...row };
  // Nothing matched: say why.
  const c = await deps.prisma.redemptionCode.findUnique({ where: { code } });
  if (!c || c.deletedAt) throw unavailable('This code does not exist', 'not_found');
  if (await deps.prisma.codeRedemption.findUnique({ where: { codeId_userId: { codeId: c.id, userId } } })) {
    throw unavailable('You have already redeemed this code', 'already_redeemed');
  }
  if (c.expiresAt && c.expiresAt.getTime() <= Date.now()) throw unavailable('This code has expired', 'expired');
  if (c.usedCount < c.maxUses) throw unavailable('Your balance cannot hold this many more credits', 'balance_limit');
  throw unavailable('This code has already been used', 'used_up');
}

const unavailable = (message: string, reason: string) =>
  new AppError('BAD_USER_INPUT', message, { field: 'code', fields: [{ path: ['code'], message }], reason });

function isUniqueViolation(err: unknown): boolean {
  if (uniqueViolation(err)) return true;
  // Raw queries report the database's own error code.
  const e = err as { code?: string; meta?: { code?: string; driverAdapterError?: { cause?: { originalCode?: string; kind?: string } } } };
  return (
    err instanceof Prisma.PrismaClientKnownRequestError &&
    (e.meta?.code === '23505' || e.meta?.driverAdapterError?.cause?.originalCode === '23505' || e.meta?.driverAdapterError?.cause?.kind === 'UniqueConstraintViolation')
  );
}

