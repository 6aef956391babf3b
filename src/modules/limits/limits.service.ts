// Tiers, rate limits and quotas, enforced with rate-limiter-flexible so every API instance
// counts against the same numbers: Redis when REDIS_URL is set; otherwise memory for the
// per-minute windows and the database for the calendar quotas, so quotas survive a restart.
//
// Two kinds of limit:
// - `ai`: each request that runs a model. Per tier: requests per minute and daily, weekly and
//   monthly quotas (calendar periods in UTC). At 90% of a quota a quota.warning event is
//   announced once per period.
// - `api`: every API request, per user (or per IP address when anonymous), so no client can
//   flood the server.
import type { Redis } from 'ioredis';
import {
  RateLimiterMemory,
  RateLimiterPrisma,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { Deps } from '../../context.js';
import type { PrismaClient } from '../../db.js';
import { AppError } from '../../errors.js';
import * as events from '../events/events.service.js';
import { PERIODS, periodBounds, TIERS, WARNING_SHARE, type Period, type Tier, type TierLimits } from './tiers.js';

export * from './tiers.js';

export interface RateState {
  endpoint: 'ai' | 'api';
  identifier: 'user' | 'ip';
  limit: number;
  remaining: number;
  resetAt: Date;
}

export interface QuotaUse {
  period: Period;
  used: number;
  limit: number | null;
  resetsAt: Date;
}

export class RateLimitedError extends AppError {
  constructor(
    message: string,
    readonly state: RateState,
    retryAfter: number,
    extra: Record<string, unknown> = {},
  ) {
    super('RATE_LIMITED', message, {
      retryAfter,
      limit: state.limit,
      endpoint: state.endpoint,
      ...extra,
      http: { status: 429, headers: { 'Retry-After': String(retryAfter) } },
    });
  }
}

export interface Limits {
  readonly tiers: Record<Tier, TierLimits>;
  /** Counts one API request; RateLimitedError past the limit. */
  hitApi(who: { userId?: number; ip?: string }): Promise<RateState>;
  /** Counts `points` AI requests against the minute limit and the quotas; RateLimitedError past any. */
  consumeAi(user: { id: number; tier: Tier }, points?: number): Promise<{ rate: RateState | null; quotas: QuotaUse[] }>;
  /** Where the user stands in each quota period. */
  quotas(user: { id: number; tier: Tier }): Promise<QuotaUse[]>;
  close(): void;
}

export interface LimitsOptions {
  redis?: Redis | null;
  prisma: PrismaClient;
  prefix: string;
  tiers: Record<Tier, TierLimits>;
  apiPerMinute: number;
}

const retryAfterOf = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

export function createLimits(opts: LimitsOptions): Limits {
  const { redis, prisma, prefix, tiers } = opts;
  let prismaCleaner = true;

  /** Fast windows: Redis, else memory. Quotas: Redis, else the database. */
  const cleaners: { _clearExpiredTimeoutId?: NodeJS.Timeout }[] = [];
  const inDatabase = (keyPrefix: string, points: number, duration: number) => {
    const cleaner = prismaCleaner;
    prismaCleaner = false;
    const limiter = new RateLimiterPrisma({ storeClient: prisma, tableName: 'rateLimit', keyPrefix, points, duration, clearExpiredByTimeout: cleaner });
    if (cleaner) cleaners.push(limiter as unknown as { _clearExpiredTimeoutId?: NodeJS.Timeout });
    return limiter;
  };
  const make = (kind: 'window' | 'quota', keyPrefix: string, points: number, duration: number): RateLimiterAbstract => {
    if (redis) {
      return new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `${prefix}rl:${keyPrefix}`,
        points,
        duration,
        // While Redis is unreachable requests are limited elsewhere instead of failing: minute
        // windows by each instance in memory; calendar quotas in the database, shared by every
        // instance. (In memory a month-long window would not hold: its expiry timer is past
        // setTimeout's 24.8-day maximum, which Node cuts to 1 ms, so the count would vanish.)
        insuranceLimiter: kind === 'window' ? new RateLimiterMemory({ keyPrefix, points, duration }) : inDatabase(keyPrefix, points, duration),
      });
    }
    return kind === 'window' ? new RateLimiterMemory({ keyPrefix, points, duration }) : inDatabase(keyPrefix, points, duration);
  };

  const api = make('window', 'api', opts.apiPerMinute, 60);
  const aiMinute = new Map<Tier, RateLimiterAbstract>();
  const quota = new Map<string, RateLimiterAbstract>();
  for (const tier of TIERS) {
    const l = tiers[tier];
    if (l.perMinute !== null) aiMinute.set(tier, make('window', 'ai:minute', l.perMinute, 60));
    for (const p of PERIODS) {
      const limit = l[p];
      // Every tier shares a period's keys, so a user who changes tier keeps what was used.
      if (limit !== null) quota.set(`${tier}:${p}`, make('quota', `ai:${p}`, limit, 86400));
    }
  }

  const stateOf = (endpoint: 'ai' | 'api', identifier: 'user' | 'ip', limit: number, r: RateLimiterRes): RateState => ({
    endpoint,
    identifier,
    limit,
    remaining: Math.max(0, r.remainingPoints),
    resetAt: new Date(Date.now() + r.msBeforeNext),
  });

  const quotaKey = (userId: number, p: Period, now: Date) => {
    const { start, end } = periodBounds(p, now);
    return { key: `user:${userId}:${start.toISOString().slice(0, 10)}`, start, end };
  };

  return {
    tiers,

    async hitApi(who) {
      const identifier = who.userId !== undefined ? 'user' : 'ip';
      const key = who.userId !== undefined ? `user:${who.userId}` : `ip:${who.ip ?? 'unknown'}`;
      try {
        return stateOf('api', identifier, opts.apiPerMinute, await api.consume(key));
      } catch (e) {
        if (!(e instanceof RateLimiterRes)) throw e;
        const state = stateOf('api', identifier, opts.apiPerMinute, e);
        throw new RateLimitedError(`Too many requests: at most ${opts.apiPerMinute} per minute`, state, retryAfterOf(e.msBeforeNext));
      }
    },

    async consumeAi(user, points = 1) {
      const l = tiers[user.tier];
      let rate: RateState | null = null;
      const minute = aiMinute.get(user.tier);
      if (minute && l.perMinute !== null) {
        try {
          rate = stateOf('ai', 'user', l.perMinute, await minute.consume(`user:${user.id}`, points));
        } catch (e) {
          if (!(e instanceof RateLimiterRes)) throw e;
          throw new RateLimitedError(
            `Rate limit exceeded: the ${user.tier} tier allows ${l.perMinute} AI requests per minute`,
            stateOf('ai', 'user', l.perMinute, e),
            retryAfterOf(e.msBeforeNext),
          );
        }
      }
      const now = new Date();
      const settled = await Promise.allSettled(
        PERIODS.filter((p) => l[p] !== null).map(async (p) => {
          const { key, end } = quotaKey(user.id, p, now);
          const limiter = quota.get(`${user.tier}:${p}`)!;
          const customDuration = Math.ceil((end.getTime() - now.getTime()) / 1000) + 60;
          try {
            return { p, key, end, limiter, ok: true as const, res: await limiter.consume(key, points, { customDuration }) };
          } catch (e) {
            if (!(e instanceof RateLimiterRes)) throw e;
            return { p, key, end, limiter, ok: false as const, res: e };
          }
        }),
      );
      const results = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      const broken = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      const failed = results.find((r) => !r.ok);
      if (failed || broken) {
        // The refused request uses nothing: give back what it counted.
        await Promise.allSettled([
          ...results.map((r) => r.limiter.reward(r.key, points)),
          minute ? minute.reward(`user:${user.id}`, points) : null,
        ]);
        if (!failed) throw broken!.reason;
        const limit = l[failed.p]!;
        const state: RateState = { endpoint: 'ai', identifier: 'user', limit, remaining: 0, resetAt: failed.end };
        throw new RateLimitedError(
          `${failed.p[0]!.toUpperCase()}${failed.p.slice(1)} quota exhausted: the ${user.tier} tier allows ${limit} AI requests`,
          state,
          retryAfterOf(failed.end.getTime() - now.getTime()),
          { quota: failed.p },
        );
      }
      return {
        rate,
        quotas: results.map((r) => ({ period: r.p, used: r.res.consumedPoints, limit: l[r.p], resetsAt: r.end })),
      };
    },

    close() {
      // RateLimiterPrisma's periodic clean-up has no public stop.
      for (const c of cleaners) clearTimeout(c._clearExpiredTimeoutId);
    },

    async quotas(user) {
      const l = tiers[user.tier];
      const now = new Date();
      return Promise.all(
        PERIODS.map(async (p) => {
          const { key, end } = quotaKey(user.id, p, now);
          const limit = l[p];
          // Unlimited tiers are not counted; report what the shared counter holds, if anything.
          const limiter = quota.get(`${user.tier}:${p}`) ?? quota.get(`free:${p}`);
          const res = limiter ? await limiter.get(key) : null;
          const used = res?.consumedPoints ?? 0;
          return { period: p, used: limit === null ? used : Math.min(used, limit), limit, resetsAt: end };
        }),
      );
    },
  };
}

/**
 * Counts an AI request of the signed-in user, and announces a quota.warning the first time a
 * quota reaches 90% in its period. Returns the rate state for the response headers.
 */
export async function consumeAiRequest(deps: Pick<Deps, 'limits' | 'prisma' | 'pubsub' | 'log' | 'config' | 'webhookQueue'>, user: { id: number; tier: Tier }, points = 1) {
  const r = await deps.limits.consumeAi(user, points);
  for (const q of r.quotas) {
    if (q.limit === null || q.used < Math.ceil(q.limit * WARNING_SHARE)) continue;
    const periodStart = periodBounds(q.period, new Date(q.resetsAt.getTime() - 1)).start;
    const created = await deps.prisma.quotaAlert.createMany({
      data: [{ userId: user.id, quotaType: q.period, periodStart, used: q.used, limit: q.limit }],
      skipDuplicates: true,
    });
    if (created.count === 1) {
      await events.emit(deps, user.id, 'quota.warning', {
        user_id: user.id,
        quota_type: q.period,
        used: q.used,
        limit: q.limit,
        percentage: Math.floor((q.used / q.limit) * 100),
        timestamp: new Date().toISOString(),
      });
    }
  }
  return r;
}
