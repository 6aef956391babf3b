import type { UserViewer } from '../../context.js';
import { builder } from '../../schema/builder.js';
import { offsetPage } from '../../schema/pages.js';
import { dbId } from '../../schema/ids.js';
import { AppError } from '../../errors.js';
import { Quota } from '../limits/limits.schema.js';
import { pageArgs } from '../credits/credits.schema.js';
import * as usage from './usage.service.js';

const fields = (t: any) => ({
  requests: t.exposeInt('requests'),
  // Sums over many users and months can pass 2^31: Float holds them exactly up to 2^53.
  tokens: t.exposeFloat('tokens'),
  cost: t.exposeFloat('cost', { description: 'Credits charged.' }),
});

const ModelUsage = builder.objectRef<usage.Totals & { model: string }>('ModelUsage').implement({
  fields: (t) => ({ model: t.exposeString('model'), ...fields(t) }),
});
const DateUsage = builder.objectRef<usage.Totals & { date: string }>('DateUsage').implement({
  fields: (t) => ({ date: t.exposeString('date', { description: 'YYYY-MM-DD (UTC).' }), ...fields(t) }),
});
const UserUsage = builder.objectRef<usage.Totals & { userId: number }>('UserUsage').implement({
  fields: (t) => ({
    user: t.prismaField({ type: 'User', resolve: (q, u, _a, ctx) => ctx.prisma.user.findUniqueOrThrow({ ...q, where: { id: u.userId } }) }),
    ...fields(t),
  }),
});

type Report = usage.UsageReport & { userId: number | null; model?: string | null };

const UsageReport = builder.objectRef<Report>('UsageReport').implement({
  description: 'AI usage over a date range: totals, by model and by day.',
  fields: (t) => ({
    from: t.expose('from', { type: 'DateTime' }),
    to: t.expose('to', { type: 'DateTime' }),
    totalRequests: t.exposeInt('requests'),
    totalTokens: t.exposeFloat('tokens'),
    totalCost: t.exposeFloat('cost'),
    byModel: t.field({ type: [ModelUsage], resolve: (r) => r.byModel }),
    byDate: t.field({ type: [DateUsage], resolve: (r) => r.byDate }),
    quota: t.field({
      type: Quota,
      nullable: true,
      description: "The user's quotas now (null in admin totals).",
      resolve: async (r, _a, ctx) => {
        if (r.userId === null) return null;
        const user = await ctx.prisma.user.findUniqueOrThrow({ where: { id: r.userId }, select: { id: true, tier: true } });
        return ctx.limits.quotas(user);
      },
    }),
    byUser: t.field({
      type: [UserUsage],
      description: 'Admin totals only: the 100 users who spent the most.',
      authScopes: { admin: true },
      resolve: (r, _a, ctx) => (r.userId !== null ? [] : usage.topUsers(ctx, { from: r.from, to: r.to, model: r.model, limit: 100 })),
    }),
  }),
});

builder.queryFields((t) => {
  const rangeArgs = () => ({
    from: t.arg({ type: 'DateTime', required: false, description: 'Default: 30 days before `to`.' }),
    to: t.arg({ type: 'DateTime', required: false, description: 'Default: now.' }),
    model: t.arg.string({ required: false }),
  });
  return {
  usage: t.field({
    type: UsageReport,
    description: "The signed-in user's AI usage.",
    authScopes: { permission: 'usage:read' },
    args: rangeArgs(),
    resolve: async (_root, args, ctx) => {
      const userId = (ctx.viewer as UserViewer).user.id;
      const range = usage.rangeOf(args.from, args.to);
      return { userId, ...(await usage.report(ctx, { userId, ...range, model: args.model })) };
    },
  }),
  usageTotals: t.field({
    type: UsageReport,
    description: "Admin: usage of every user, or of one user with userId.",
    authScopes: { admin: true },
    args: { ...rangeArgs(), userId: t.arg.id({ required: false }) },
    resolve: async (_root, args, ctx) => {
      const range = usage.rangeOf(args.from, args.to);
      const userId = args.userId ? dbId('User', args.userId, 'userId') : null;
      if (userId !== null && !(await ctx.prisma.user.findUnique({ where: { id: userId }, select: { id: true } }))) {
        throw new AppError('NOT_FOUND', 'User not found', { field: 'userId' });
      }
      return { userId, model: args.model, ...(await usage.report(ctx, { userId, ...range, model: args.model })) };
    },
  }),
};
});

const UsageRecord = builder.prismaObject('UsageRecord', {
  description: 'One charged AI request.',
  fields: (t) => ({
    id: t.exposeInt('id'),
    model: t.exposeString('modelId'),
    endpoint: t.exposeString('endpoint'),
    promptTokens: t.exposeInt('promptTokens'),
    completionTokens: t.exposeInt('completionTokens'),
    totalTokens: t.exposeInt('totalTokens'),
    units: t.exposeFloat('units', { description: 'Images, or seconds of video.' }),
    cost: t.exposeInt('cost', { description: 'Credits charged.' }),
    taskId: t.exposeInt('taskId', { nullable: true }),
    apiKeyId: t.exposeString('apiKeyId', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const SortOrder = builder.enumType('SortOrder', { values: ['asc', 'desc'] as const });

const UsageRecordPage = offsetPage<{ items: any[]; total: number; offset: number; limit: number }>('UsageRecordPage', UsageRecord);

builder.queryFields((t) => ({
  usageRecords: t.field({
    type: UsageRecordPage,
    description: 'Your charged requests one by one, newest first unless sort: asc (limit 1–100, default 20).',
    authScopes: { permission: 'usage:read' },
    args: { offset: t.arg.int({ required: false }), limit: t.arg.int({ required: false, defaultValue: 20 }), sort: t.arg({ type: SortOrder, required: false }) },
    resolve: async (_r, args, ctx) => {
      const page = pageArgs(args);
      const where = { userId: (ctx.viewer as UserViewer).user.id };
      const dir = args.sort ?? 'desc';
      const [items, total] = await Promise.all([
        ctx.prisma.usageRecord.findMany({ where, orderBy: [{ createdAt: dir }, { id: dir }], skip: page.offset, take: page.limit }),
        ctx.prisma.usageRecord.count({ where }),
      ]);
      return { items, total, ...page };
    },
  }),
}));
