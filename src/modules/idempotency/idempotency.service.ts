// Idempotency keys with Stripe's semantics. The first request with a key runs inside one
// transaction together with the record of its key and stores its result; a repeat with the same
// key and the same input gets that stored result without running again; the same key with other
// input is refused. A concurrent repeat waits on the first one's row lock and then reads its
// result, so the operation runs exactly once. Keys are kept for IDEMPOTENCY_TTL hours (24 by default).
import type { Deps, RequestMeta } from '../../context.js';
import type { PrismaClient } from '../../db.js';
import { AppError, badField } from '../../errors.js';
import { Prisma } from '../../generated/prisma/client.js';
import { sha256 } from '../../lib/crypto.js';

/** The same JSON for the same value, whatever the order of object keys. */
export function stableJson(v: unknown): string {
  if (v === undefined) return 'null';
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (v instanceof Date) return JSON.stringify(v.toISOString());
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  const entries = Object.entries(v as Record<string, unknown>)
    .filter(([, x]) => x !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`).join(',')}}`;
}

export interface IdempotentCall {
  /** Names the operation: a key reused for another operation is refused like other input. */
  operation: string;
  userId: number;
  /** The key from the argument; the Idempotency-Key header is used when it is absent. */
  key?: string | null;
  /** Everything that makes up the request, compared on repeats. */
  input: unknown;
}

/**
 * Runs `run` once per key. `run` receives the dependencies to use (their `prisma` is the
 * transaction) and must return a JSON value: that is what a repeat gets back.
 */
export async function idempotent<T>(
  ctx: Deps & { meta?: RequestMeta },
  call: IdempotentCall,
  run: (db: Deps) => Promise<T>,
): Promise<T> {
  const key = call.key ?? ctx.meta?.idempotencyKey ?? null;
  if (key === null) return run(ctx);
  if (key.length < 1 || key.length > 255 || !/^[\x21-\x7e]+$/.test(key)) {
    throw badField(call.key ? 'idempotencyKey' : 'Idempotency-Key', 'must be 1–255 printable characters without spaces');
  }
  const hash = sha256(stableJson(call.input));
  const ttlHours = ctx.config.IDEMPOTENCY_TTL_HOURS;
  return ctx.prisma.$transaction(
    async (tx) => {
      const db: Deps = { ...ctx, prisma: tx as unknown as PrismaClient };
      // Claim the key, or take over an expired one. A concurrent claim of the same key blocks
      // here until the first transaction ends.
      const claimed = await tx.$queryRaw<{ id: number }[]>`
        INSERT INTO idempotency_records (user_id, key, operation, request_hash, state, expires_at)
        VALUES (${call.userId}, ${key}, ${call.operation}, ${hash}, 'in_progress', now() + make_interval(hours => ${ttlHours}::int))
        ON CONFLICT (user_id, key) DO UPDATE
          SET operation = EXCLUDED.operation, request_hash = EXCLUDED.request_hash, state = 'in_progress',
              response = NULL, response_status = NULL, created_at = now(), expires_at = EXCLUDED.expires_at
          WHERE idempotency_records.expires_at <= now()
        RETURNING id`;
      if (claimed[0]) {
        const result = await run(db);
        await tx.idempotencyRecord.update({
          where: { id: claimed[0].id },
          data: { state: 'completed', responseStatus: 200, response: result === null || result === undefined ? Prisma.JsonNull : (result as Prisma.InputJsonValue) },
        });
        return result;
      }
      const rec = await tx.idempotencyRecord.findUniqueOrThrow({ where: { userId_key: { userId: call.userId, key } } });
      if (rec.operation !== call.operation || rec.requestHash !== hash) {
        throw new AppError('CONFLICT', 'This Idempotency-Key was already used with a different request', {
          field: call.key ? 'idempotencyKey' : 'Idempotency-Key',
          reason: 'idempotency_key_reused',
        });
      }
      return rec.response as T;
    },
    { maxWait: 30_000, timeout: 60_000 },
  );
}

/** Removes records past their expiry; run periodically. */
export async function purgeExpired(deps: Pick<Deps, 'prisma'>): Promise<number> {
  const r = await deps.prisma.idempotencyRecord.deleteMany({ where: { expiresAt: { lte: new Date() } } });
  return r.count;
}
