// Usage statistics: one record per finished AI request (model, tokens, credits), summed by model
// and by day over a date range, for a user or (admins) for everyone.
import type { Deps } from '../../context.js';
import { badField } from '../../errors.js';
import { Prisma } from '../../generated/prisma/client.js';

type Db = Pick<Deps, 'prisma'>;

export interface UsageInput {
  userId: number;
  modelId: string;
  endpoint: string;
  apiKeyId?: string | null;
  taskId?: number | null;
  promptTokens?: number;
  completionTokens?: number;
  /** What was produced, in the model's unit (images, seconds of video). */
  units?: number;
  /** Credits charged. */
  cost: number;
}

export async function recordUsage(deps: Db, u: UsageInput) {
  const promptTokens = u.promptTokens ?? 0;
  const completionTokens = u.completionTokens ?? 0;
  return deps.prisma.usageRecord.create({
    data: {
      userId: u.userId,
      modelId: u.modelId,
      endpoint: u.endpoint,
      apiKeyId: u.apiKeyId ?? null,
      taskId: u.taskId ?? null,
      promptTokens,
      completionTokens,
      totalTokens: promptTokens + completionTokens,
      units: u.units ?? 0,
      cost: u.cost,
    },
  });
}

export interface Totals {
  requests: number;
  tokens: number;
  cost: number;
}

export interface UsageReport extends Totals {
  from: Date;
  to: Date;
  byModel: (Totals & { model: string })[];
  byDate: (Totals & { date: string })[];
}

const DAY = 86400_000;

/** The range asked for: the last 30 days by default, at most 366 days, `from` before `to`. */
export function rangeOf(from?: Date | null, to?: Date | null): { from: Date; to: Date } {
  const end = to ?? new Date();
  const start = from ?? new Date(end.getTime() - 30 * DAY);
  if (start.getTime() > end.getTime()) throw badField('from', 'must be before to');
  if (end.getTime() - start.getTime() > 366 * DAY) throw badField('from', 'the range can span at most 366 days');
  return { from: start, to: end };
}

const totalsOf = (r: { requests: bigint | number; tokens: bigint | number | null; cost: bigint | number | null }): Totals => ({
  requests: Number(r.requests),
  tokens: Number(r.tokens ?? 0),
  cost: Number(r.cost ?? 0),
});

/** Sums usage in [from, to]: of one user, or of everyone when userId is null. */
export async function report(deps: Db, opts: { userId: number | null; from: Date; to: Date; model?: string | null }): Promise<UsageReport> {
  const where = Prisma.sql`created_at >= ${opts.from} AND created_at <= ${opts.to}
    ${opts.userId !== null ? Prisma.sql`AND user_id = ${opts.userId}` : Prisma.empty}
    ${opts.model ? Prisma.sql`AND model_id = ${opts.model}` : Prisma.empty}`;
  type Row = { key: string; requests: bigint; tokens: bigint | null; cost: bigint | null };
  const [byModel, byDate] = await Promise.all([
    deps.prisma.$queryRaw<Row[]>`
      SELECT model_id AS key, count(*) AS requests, sum(total_tokens) AS tokens, sum(cost) AS cost
      FROM usage_records WHERE ${where} GROUP BY model_id ORDER BY model_id`,
    deps.prisma.$queryRaw<Row[]>`
      SELECT to_char(date_trunc('day', created_at), 'YYYY-MM-DD') AS key, count(*) AS requests, sum(total_tokens) AS tokens, sum(cost) AS cost
      FROM usage_records WHERE ${where} GROUP BY 1 ORDER BY 1`,
  ]);
  const models = byModel.map((r) => ({ model: r.key, ...totalsOf(r) }));
  return {
    from: opts.from,
    to: opts.to,
    requests: models.reduce((a, m) => a + m.requests, 0),
    tokens: models.reduce((a, m) => a + m.tokens, 0),
    cost: models.reduce((a, m) => a + m.cost, 0),
    byModel: models,
    byDate: byDate.map((r) => ({ date: r.key, ...totalsOf(r) })),
  };
}

/** Admin: the users who used the most credits in the range. */
export async function topUsers(deps: Db, opts: { from: Date; to: Date; model?: string | null; limit: number }) {
  const rows = await deps.prisma.$queryRaw<{ user_id: number; requests: bigint; tokens: bigint | null; cost: bigint | null }[]>`
    SELECT user_id, count(*) AS requests, sum(total_tokens) AS tokens, sum(cost) AS cost
    FROM usage_records
    WHERE created_at >= ${opts.from} AND created_at <= ${opts.to} ${opts.model ? Prisma.sql`AND model_id = ${opts.model}` : Prisma.empty}
    GROUP BY user_id ORDER BY sum(cost) DESC, user_id LIMIT ${opts.limit}`;
  return rows.map((r) => ({ userId: r.user_id, ...totalsOf(r) }));
}
