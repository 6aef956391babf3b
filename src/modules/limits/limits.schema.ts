import type { UserViewer } from '../../context.js';
import { liveEvents } from '../events/events.service.js';
import { builder } from '../../schema/builder.js';
import { Tier, User } from '../users/users.schema.js';
import type { QuotaUse, TierLimits } from './limits.service.js';
import { TIERS } from './tiers.js';

const QuotaPeriod = builder.objectRef<QuotaUse>('QuotaPeriod').implement({
  description: 'AI requests used in the current calendar period (UTC) against the tier limit; a null limit is unlimited.',
  fields: (t) => ({
    used: t.exposeInt('used'),
    limit: t.exposeInt('limit', { nullable: true }),
    remaining: t.int({ nullable: true, resolve: (q) => (q.limit === null ? null : Math.max(0, q.limit - q.used)) }),
    resetsAt: t.expose('resetsAt', { type: 'DateTime' }),
  }),
});

export const Quota = builder.objectRef<QuotaUse[]>('Quota').implement({
  fields: (t) => ({
    daily: t.field({ type: QuotaPeriod, resolve: (q) => q.find((p) => p.period === 'daily')! }),
    weekly: t.field({ type: QuotaPeriod, resolve: (q) => q.find((p) => p.period === 'weekly')! }),
    monthly: t.field({ type: QuotaPeriod, resolve: (q) => q.find((p) => p.period === 'monthly')! }),
  }),
});

const TierLimitsRef = builder.objectRef<TierLimits & { tier: (typeof TIERS)[number] }>('TierLimits').implement({
  description: 'What a tier allows of AI requests; null is unlimited.',
  fields: (t) => ({
    tier: t.expose('tier', { type: Tier }),
    perMinute: t.exposeInt('perMinute', { nullable: true }),
    daily: t.exposeInt('daily', { nullable: true }),
    weekly: t.exposeInt('weekly', { nullable: true }),
    monthly: t.exposeInt('monthly', { nullable: true }),
  }),
});

builder.objectField(User, 'quota', (t) =>
  t.field({ type: Quota, resolve: (user, _args, ctx) => ctx.limits.quotas({ id: user.id, tier: user.tier }) }),
);

builder.queryField('tiers', (t) =>
  t.field({
    type: [TierLimitsRef],
    description: 'Every tier and its limits.',
    resolve: (_root, _args, ctx) => TIERS.map((tier) => ({ tier, ...ctx.limits.tiers[tier] })),
  }),
);

type Warning = { quota_type: string; used: number; limit: number; percentage: number; timestamp: string };

const QuotaWarning = builder.objectRef<Warning>('QuotaWarning').implement({
  description: 'A quota reached 90% of its limit in the current period (sent once per period).',
  fields: (t) => ({
    quotaType: t.string({ resolve: (w) => w.quota_type }),
    used: t.exposeInt('used'),
    limit: t.exposeInt('limit'),
    percentage: t.exposeInt('percentage'),
    timestamp: t.field({ type: 'DateTime', resolve: (w) => new Date(w.timestamp) }),
  }),
});

builder.subscriptionField('quotaWarnings', (t) =>
  t.field({
    type: QuotaWarning,
    description: "The signed-in user's quota.warning events.",
    authScopes: { authenticated: true },
    subscribe: (_root, _args, ctx) => liveEvents(ctx.pubsub, (ctx.viewer as UserViewer).user.id, 'quota.warning'),
    resolve: (e) => e.data as unknown as Warning,
  }),
);
