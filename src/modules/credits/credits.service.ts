// The credit ledger. Every balance change is one SQL statement that updates the account row
// under a condition (so concurrent requests can never overspend) and appends the ledger entry
// with the balance after it, atomically. Holds settle exactly once: the settling statement
// only matches a hold that is still `held`.
import type { Deps } from '../../context.js';
import { AppError, badField, notFound } from '../../errors.js';
import type { CreditEntryKind } from '../../generated/prisma/client.js';

type Db = Pick<Deps, 'prisma'>;

export interface Balance {
  available: number;
  reserved: number;
}

export const insufficientCredits = (needed: number, available: number) =>
  new AppError('INSUFFICIENT_CREDITS', `Not enough credits: ${needed} needed, ${available} available`, { needed, available });

/** The largest single change; balances are 32-bit and must never overflow. */
export const MAX_AMOUNT = 100_000_000;

function assertAmount(amount: number, field = 'amount', allowNegative = false) {
  if (Number.isSafeInteger(amount) && Math.abs(amount) > MAX_AMOUNT) throw badField(field, `must be at most ${MAX_AMOUNT} in size`);
  if (!Number.isSafeInteger(amount) || amount === 0 || (!allowNegative && amount < 0))
    throw badField(field, allowNegative ? 'must be a non-zero whole number' : 'must be a positive whole number');
}

export async function balanceOf(deps: Db, userId: number): Promise<Balance> {
  const acc = await deps.prisma.creditAccount.findUnique({ where: { userId }, select: { available: true, reserved: true } });
  return acc ?? { available: 0, reserved: 0 };
}

interface Change {
  userId: number;
  kind: CreditEntryKind;
  amount: number;
  reason?: string | null;
  actorId?: number | null;
  codeId?: number | null;
  taskId?: number | null;
}

/**
 * Adds to (or, negative, takes from) the available balance. A negative change that would leave
 * the balance below zero changes nothing and returns null.
 */
export interface Credited extends Balance {
  /** The ledger entry of the change. */
  entryId: number;
}

export async function credit(deps: Db, c: Change): Promise<Credited | null> {
  const rows = await deps.prisma.$queryRaw<Credited[]>`
    WITH acc AS (
      UPDATE credit_accounts SET available = available + ${c.amount}, updated_at = now()
      WHERE user_id = ${c.userId} AND available::bigint + ${c.amount} BETWEEN 0 AND 2000000000
      RETURNING available, reserved
    )
    INSERT INTO credit_entries (user_id, kind, amount, balance_after, reserved_after, reason, actor_id, code_id, task_id)
    SELECT ${c.userId}, ${c.kind}::"CreditEntryKind", ${c.amount}, acc.available, acc.reserved, ${c.reason ?? null}, ${c.actorId ?? null}, ${c.codeId ?? null}, ${c.taskId ?? null}
    FROM acc
    RETURNING id AS "entryId", balance_after AS available, reserved_after AS reserved`;
  return rows[0] ?? null;
}

/** Admin grant or adjustment (negative takes credits away, never below zero). */
export async function adjust(deps: Db, userId: number, amount: number, reason: string, actorId: number): Promise<Credited> {
  assertAmount(amount, 'amount', true);
  if (!reason.trim()) throw badField('reason', 'is required');
  const user = await deps.prisma.user.findUnique({ where: { id: userId }, select: { id: true } });
  if (!user) throw notFound('User');
  await deps.prisma.creditAccount.upsert({ where: { userId }, create: { userId }, update: {} });
  const after = await credit(deps, { userId, kind: amount > 0 ? 'grant' : 'adjustment', amount, reason, actorId });
  if (!after) throw badField('amount', `would take the balance below zero (available: ${(await balanceOf(deps, userId)).available})`);
  return after;
}

export interface Hold {
  holdId: number;
  available: number;
  reserved: number;
}

/** Reserves credits for work about to run; INSUFFICIENT_CREDITS when the balance cannot cover it. */
export async function hold(deps: Db, userId: number, amount: number, reason?: string, taskId?: number | null): Promise<Hold> {
  assertAmount(amount);
  const rows = await deps.prisma.$queryRaw<Hold[]>`
    WITH acc AS (
      UPDATE credit_accounts SET available = available - ${amount}, reserved = reserved + ${amount}, updated_at = now()
      WHERE user_id = ${userId} AND available >= ${amount}
      RETURNING available, reserved
    ), h AS (
      INSERT INTO credit_holds (user_id, amount, reason) SELECT ${userId}, ${amount}, ${reason ?? null} FROM acc RETURNING id
    )
    INSERT INTO credit_entries (user_id, kind, amount, reserved_delta, balance_after, reserved_after, hold_id, reason, task_id)
    SELECT ${userId}, 'hold'::"CreditEntryKind", ${-amount}, ${amount}, acc.available, acc.reserved, h.id, ${reason ?? null}, ${taskId ?? null}
    FROM acc, h
    RETURNING hold_id AS "holdId", balance_after AS available, reserved_after AS reserved`;
  if (!rows[0]) throw insufficientCredits(amount, (await balanceOf(deps, userId)).available);
  return rows[0];
}

/**
 * Settles a hold: `capture` keeps `spend` of it (all of it by default) and returns the rest;
 * `release` returns all of it. Returns false when the hold was already settled, so a retried or
 * duplicated settlement changes nothing.
 */
export async function settle(deps: Db, holdId: number, how: 'capture' | 'release', spend?: number, taskId?: number): Promise<boolean> {
  if (spend !== undefined && (!Number.isSafeInteger(spend) || spend < 0)) throw badField('spend', 'must be a whole number of 0 or more');
  const status = how === 'capture' ? 'captured' : 'released';
  const rows = await deps.prisma.$queryRaw<{ id: number }[]>`
    WITH h AS (
      UPDATE credit_holds
      SET status = ${status}::"HoldStatus", settled_at = now(),
          captured = CASE WHEN ${how} = 'capture' THEN LEAST(amount, COALESCE(${spend ?? null}::int, amount)) ELSE 0 END
      WHERE id = ${holdId} AND status = 'held'
      RETURNING id, user_id, amount, captured
    ), acc AS (
      UPDATE credit_accounts a SET available = a.available + (h.amount - h.captured), reserved = a.reserved - h.amount, updated_at = now()
      FROM h WHERE a.user_id = h.user_id
      RETURNING a.available, a.reserved
    )
    INSERT INTO credit_entries (user_id, kind, amount, reserved_delta, balance_after, reserved_after, hold_id, task_id)
    SELECT h.user_id, ${how}::"CreditEntryKind", h.amount - h.captured, -h.amount, acc.available, acc.reserved, h.id, ${taskId ?? null}::int
    FROM h, acc
    RETURNING hold_id AS id`;
  return rows.length === 1;
}

/** A validated offset/limit pair. */
export function pageOf(offset: number, limit: number) {
  if (!Number.isSafeInteger(offset) || offset < 0) throw badField('offset', 'must be 0 or more');
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 100) throw badField('limit', 'must be between 1 and 100');
  return { offset, limit };
}

export async function entries(deps: Db, userId: number, { offset, limit }: { offset: number; limit: number }) {
  const [items, total] = await Promise.all([
    deps.prisma.creditEntry.findMany({ where: { userId }, orderBy: { id: 'desc' }, skip: offset, take: limit }),
    deps.prisma.creditEntry.count({ where: { userId } }),
  ]);
  return { items, total, offset, limit };
}
