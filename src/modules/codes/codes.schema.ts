import type { Context } from '../../context.js';
import { builder } from '../../schema/builder.js';
import { offsetPage } from '../../schema/pages.js';
import { Credits, CreditEntry, pageArgs } from '../credits/credits.schema.js';
import { idempotent } from '../idempotency/idempotency.service.js';
import * as codes from './codes.service.js';

const viewerId = (ctx: Context) => (ctx.viewer.kind === 'user' ? ctx.viewer.user.id : 0);

const CodeRedemption = builder.prismaObject('CodeRedemption', {
  fields: (t) => ({
    amount: t.exposeInt('amount'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    user: t.relation('user'),
  }),
});

export const RedemptionCode = builder.prismaObject('RedemptionCode', {
  description: 'A code worth credits. Anyone holding a code may read what it is worth; the rest is for admins.',
  fields: (t) => ({
    code: t.exposeString('code'),
    amount: t.exposeInt('amount', { description: 'Credits each redemption gives.' }),
    maxUses: t.exposeInt('maxUses'),
    usedCount: t.exposeInt('usedCount'),
    remainingUses: t.int({ resolve: (c) => Math.max(0, c.maxUses - c.usedCount) }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
    redeemable: t.boolean({
      description: 'Uses remain and it has not expired.',
      resolve: (c) => !c.deletedAt && c.usedCount < c.maxUses && (!c.expiresAt || c.expiresAt.getTime() > Date.now()),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    id: t.exposeInt('id', { authScopes: { admin: true } }),
    batchId: t.exposeString('batchId', { nullable: true, authScopes: { admin: true } }),
    note: t.exposeString('note', { nullable: true, authScopes: { admin: true } }),
    createdBy: t.relation('createdBy', { nullable: true, authScopes: { admin: true } }),
    redemptions: t.relation('redemptions', { authScopes: { admin: true }, query: { orderBy: { id: 'asc' } } }),
  }),
});

const RedemptionCodePage = offsetPage<Awaited<ReturnType<typeof codes.listCodes>>>('RedemptionCodePage', RedemptionCode);

const CreateRedemptionCodesInput = builder.inputType('CreateRedemptionCodesInput', {
  fields: (t) => ({
    amount: t.int({ description: 'Credits each redemption gives.' }),
    maxUses: t.int({ required: false, description: 'Redemptions each code allows, by different users (default 1).' }),
    count: t.int({ required: false, description: 'How many codes to make (1–1000, default 1); more than one makes a batch.' }),
    expiresAt: t.field({ type: 'DateTime', required: false }),
    code: t.string({ required: false, description: 'A chosen code, when count is 1; generated otherwise.' }),
    prefix: t.string({ required: false, description: 'Put before generated codes.' }),
    note: t.string({ required: false }),
  }),
});

const Redemption = builder.objectRef<codes.Redemption>('Redemption').implement({
  fields: (t) => ({
    code: t.exposeString('code'),
    amount: t.exposeInt('amount'),
    credits: t.field({ type: Credits, resolve: (r) => ({ available: r.available, reserved: r.reserved }) }),
    entry: t.prismaField({
      type: CreditEntry,
      resolve: (query, r, _args, ctx: Context) => ctx.prisma.creditEntry.findUniqueOrThrow({ ...query, where: { id: r.entryId } }),
    }),
  }),
});

builder.queryFields((t) => ({
  redemptionCode: t.prismaField({
    type: RedemptionCode,
    description: 'A code by its text (any case). Knowing the code is what entitles one to read it.',
    args: { code: t.arg.string() },
    resolve: (_q, _root, { code }, ctx) => codes.getCode(ctx, code),
  }),
  redemptionCodes: t.field({
    type: RedemptionCodePage,
    description: 'Admin: codes, newest first, optionally of one batch.',
    authScopes: { admin: true },
    args: { offset: t.arg.int({ required: false }), limit: t.arg.int({ required: false, defaultValue: 20 }), batchId: t.arg.string({ required: false }) },
    resolve: (_root, args, ctx) => codes.listCodes(ctx, { ...pageArgs(args), batchId: args.batchId }),
  }),
}));

builder.mutationFields((t) => ({
  createRedemptionCodes: t.prismaField({
    type: [RedemptionCode],
    description: 'Admin: one code, or a batch of up to 1000 that share a batchId. Honours Idempotency-Key.',
    authScopes: { admin: true },
    args: { input: t.arg({ type: CreateRedemptionCodesInput }), idempotencyKey: t.arg.string({ required: false }) },
    resolve: async (_q, _root, { input, idempotencyKey }, ctx) => {
      const made = await idempotent(
        ctx,
        { operation: 'createRedemptionCodes', userId: viewerId(ctx), key: idempotencyKey, input },
        async (db) => (await codes.createCodes(db, input, viewerId(ctx))).map((c) => c.code),
      );
      return ctx.prisma.redemptionCode.findMany({ where: { code: { in: made } }, orderBy: { id: 'asc' } });
    },
  }),
  deleteRedemptionCode: t.boolean({
    description: 'Admin: the code can no longer be read or redeemed; past redemptions stay in the ledger.',
    authScopes: { admin: true },
    args: { code: t.arg.string() },
    resolve: (_root, { code }, ctx) => codes.deleteCode(ctx, code),
  }),
  redeemCode: t.field({
    type: Redemption,
    description: 'Adds the credits of a code to the signed-in account. Honours Idempotency-Key.',
    authScopes: { authenticated: true },
    args: { code: t.arg.string(), idempotencyKey: t.arg.string({ required: false }) },
    resolve: (_root, { code, idempotencyKey }, ctx) =>
      idempotent(ctx, { operation: 'redeemCode', userId: viewerId(ctx), key: idempotencyKey, input: { code: codes.normalizeCode(code) } }, (db) =>
        codes.redeem(db, viewerId(ctx), code),
      ),
  }),
}));
