import type { Context } from '../../context.js';
import { builder } from '../../schema/builder.js';
import { offsetPage } from '../../schema/pages.js';
import { dbId } from '../../schema/ids.js';
import { idempotent } from '../idempotency/idempotency.service.js';
import { User } from '../users/users.schema.js';
import * as credits from './credits.service.js';

export const Credits = builder.objectRef<credits.Balance>('Credits').implement({
  description: 'A credit balance: what can be spent now, and what is held for running work.',
  fields: (t) => ({
    available: t.exposeInt('available'),
    reserved: t.exposeInt('reserved'),
  }),
});

const CreditEntryKind = builder.enumType('CreditEntryKind', {
  values: ['grant', 'redeem', 'hold', 'capture', 'release', 'refund', 'adjustment'] as const,
});

export const CreditEntry = builder.prismaObject('CreditEntry', {
  description:
    'One change of a balance. `amount` changes the available balance (a hold moves credits to reserved; a capture keeps what was spent and returns the rest).',
  fields: (t) => ({
    id: t.exposeInt('id'),
    kind: t.expose('kind', { type: CreditEntryKind }),
    amount: t.exposeInt('amount'),
    reservedDelta: t.exposeInt('reservedDelta'),
    balanceAfter: t.exposeInt('balanceAfter'),
    reservedAfter: t.exposeInt('reservedAfter'),
    reason: t.exposeString('reason', { nullable: true }),
    holdId: t.exposeInt('holdId', { nullable: true }),
    taskId: t.exposeInt('taskId', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const CreditEntryPage = offsetPage<Awaited<ReturnType<typeof credits.entries>>>('CreditEntryPage', CreditEntry, 'Ledger entries, newest first.');

builder.objectFields(User, (t) => ({
  credits: t.field({
    type: Credits,
    // A query changes nothing: the viewer's own balance read with its credential serves it.
    resolve: (user, _args, ctx, info) =>
      info.operation.operation === 'query' && ctx.viewer.kind === 'user' && ctx.viewer.user.id === user.id && ctx.viewer.credits
        ? ctx.viewer.credits
        : credits.balanceOf(ctx, user.id),
  }),
  creditEntries: t.field({
    type: CreditEntryPage,
    description: 'The ledger of this account (limit 1–100, default 20).',
    args: { offset: t.arg.int({ required: false }), limit: t.arg.int({ required: false, defaultValue: 20 }) },
    resolve: (user, args, ctx) => credits.entries(ctx, user.id, pageArgs(args)),
  }),
}));

/** offset ≥ 0 and limit 1–100, naming the argument when out of range. */
export function pageArgs(args: { offset?: number | null; limit?: number | null }, defaultLimit = 20) {
  return credits.pageOf(args.offset ?? 0, args.limit ?? defaultLimit);
}

type Change = credits.Credited & { userId: number };

const CreditChange = builder.objectRef<Change>('CreditChange').implement({
  fields: (t) => ({
    credits: t.field({ type: Credits, resolve: (c) => ({ available: c.available, reserved: c.reserved }) }),
    entry: t.prismaField({
      type: CreditEntry,
      resolve: (query, c, _args, ctx: Context) => ctx.prisma.creditEntry.findUniqueOrThrow({ ...query, where: { id: c.entryId } }),
    }),
    user: t.prismaField({
      type: 'User',
      resolve: (query, c, _args, ctx: Context) => ctx.prisma.user.findUniqueOrThrow({ ...query, where: { id: c.userId } }),
    }),
  }),
});

builder.mutationFields((t) => ({
  adjustCredits: t.field({
    type: CreditChange,
    description:
      'Admin: grants credits (positive amount) or takes them away (negative; never below zero), with a reason. Honours Idempotency-Key.',
    authScopes: { admin: true },
    args: {
      userId: t.arg.id(),
      amount: t.arg.int(),
      reason: t.arg.string(),
      idempotencyKey: t.arg.string({ required: false }),
    },
    resolve: async (_root, args, ctx) => {
      const actor = ctx.viewer.kind === 'user' ? ctx.viewer.user.id : 0;
      const userId = dbId('User', args.userId, 'userId');
      return idempotent(
        ctx,
        { operation: 'adjustCredits', userId: actor, key: args.idempotencyKey, input: { userId, amount: args.amount, reason: args.reason } },
        async (db) => ({ userId, ...(await credits.adjust(db, userId, args.amount, args.reason, actor)) }),
      );
    },
  }),
}));
