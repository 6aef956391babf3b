import type { Context, UserViewer } from '../../context.js';
import { AppError, badField } from '../../errors.js';
import { Prisma } from '../../generated/prisma/client.js';
import { builder, keyAllows } from '../../schema/builder.js';
import { offsetPage } from '../../schema/pages.js';
import { dbId } from '../../schema/ids.js';
import type { ImageSource } from '../assets/assets.service.js';
import { pageArgs } from '../credits/credits.schema.js';
import { Asset } from '../tasks/tasks.schema.js';
import * as orders from './orders.service.js';

const viewerOf = (ctx: Context) => {
  const u = (ctx.viewer as UserViewer).user;
  return { id: u.id, role: u.role, tier: u.tier };
};
const isOwnerOrAdmin = (ctx: Context, userId: number) =>
  ctx.viewer.kind === 'user' && (ctx.viewer.user.id === userId || ctx.viewer.user.role === 'admin');

// ───────────── styles ─────────────

export const Style = builder.prismaObject('Style', {
  description: 'A look for avatars: its prompt template names the person as {subject}.',
  fields: (t) => ({
    id: t.exposeInt('id', { description: 'The style id orders refer to.' }),
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    promptTemplate: t.exposeString('promptTemplate'),
    previewUrl: t.exposeString('previewUrl', { nullable: true }),
    enabled: t.exposeBoolean('enabled'),
  }),
});

const StyleInput = builder.inputType('StyleInput', {
  fields: (t) => ({
    name: t.string({ required: false }),
    description: t.string({ required: false }),
    promptTemplate: t.string({ required: false, description: 'Use {subject} where the person goes.' }),
    previewUrl: t.string({ required: false }),
    enabled: t.boolean({ required: false }),
  }),
});

function styleData(input: { name?: string | null; description?: string | null; promptTemplate?: string | null; previewUrl?: string | null; enabled?: boolean | null }, creating: boolean) {
  const name = input.name?.trim();
  if ((creating || input.name !== undefined) && (!name || name.length > 100)) throw badField('input.name', 'must be 1–100 characters');
  const tpl = input.promptTemplate?.trim();
  if ((creating || input.promptTemplate !== undefined) && (!tpl || tpl.length > 2000)) throw badField('input.promptTemplate', 'must be 1–2000 characters');
  if (input.description && input.description.length > 1000) throw badField('input.description', 'must be at most 1000 characters');
  if (input.previewUrl && !/^https?:\/\/\S+$/.test(input.previewUrl)) throw badField('input.previewUrl', 'must be an http(s) URL');
  return {
    ...(name !== undefined ? { name } : {}),
    ...(tpl !== undefined ? { promptTemplate: tpl } : {}),
    ...(input.description !== undefined && input.description !== null ? { description: input.description } : {}),
    ...(input.previewUrl !== undefined ? { previewUrl: input.previewUrl } : {}),
    ...(input.enabled !== undefined && input.enabled !== null ? { enabled: input.enabled } : {}),
  };
}

/** An order again with the fields the query selects (status and styles come from relations). */
const reload = (ctx: Context, query: object, o: { id: number }) => ctx.prisma.order.findUniqueOrThrow({ ...query, where: { id: o.id } });

const styleNotFound = () => new AppError('NOT_FOUND', 'Style not found', { field: 'id' });

// ───────────── orders ─────────────

const OrderKind = builder.enumType('OrderKind', { values: ['training', 'generation'] as const });
const OrderStatus = builder.enumType('OrderStatus', {
  description: 'created (not run yet), queued, in_progress, completed, failed or canceled: the status of its latest run.',
  values: ['created', 'queued', 'in_progress', 'completed', 'failed', 'canceled'] as const,
});

const TrainingImage = builder.prismaObject('TrainingImage', {
  description: 'A selfie of a training order.',
  fields: (t) => ({
    selfieId: t.exposeInt('id'),
    gender: t.exposeInt('gender', { nullable: true }),
    selected: t.exposeBoolean('selected'),
    mimeType: t.exposeString('mimeType'),
    size: t.exposeInt('size'),
    width: t.exposeInt('width', { nullable: true }),
    height: t.exposeInt('height', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const latest = { select: { tasks: { orderBy: { id: 'desc' as const }, take: 1, select: { status: true, progress: true, progressMessage: true } } } };

export const Order = builder.prismaNode('Order', {
  id: { field: 'id' },
  description: 'A MyMoodAI order: training (selfies → a personal model) or generation (a model + styles → avatars).',
  fields: (t) => ({
    databaseId: t.exposeInt('id'),
    kind: t.expose('kind', { type: OrderKind }),
    parentId: t.int({ description: '0 for a training order; the model it uses for a generation order.', resolve: (o) => o.parentId ?? 0 }),
    parent: t.relation('parent', { nullable: true }),
    gender: t.exposeInt('gender', { nullable: true }),
    status: t.field({ type: OrderStatus, ...latest, resolve: (o) => orders.statusOf(o.tasks[0]).status }),
    progress: t.int({ ...latest, resolve: (o) => orders.statusOf(o.tasks[0]).progress }),
    message: t.string({ nullable: true, ...latest, resolve: (o) => orders.statusOf(o.tasks[0]).message }),
    trained: t.boolean({ description: 'Training orders: the model is ready for generation orders.', select: { trainedModel: { select: { id: true } } }, resolve: (o) => !!o.trainedModel }),
    styles: t.field({ type: [Style], select: { styles: { select: { style: true }, orderBy: { styleId: 'asc' } } }, resolve: (o) => o.styles.map((s) => s.style) }),
    trainingImages: t.relation('trainingImages', { query: { orderBy: { id: 'asc' } } }),
    mainImageId: t.exposeInt('mainImageId', { nullable: true }),
    tasks: t.relation('tasks', { query: { orderBy: { id: 'asc' } } }),
    avatars: t.field({
      type: [Asset],
      description: 'Generation orders: the avatars made.',
      resolve: (o, _a, ctx) => ctx.prisma.asset.findMany({ where: { task: { orderId: o.id }, userId: o.userId }, orderBy: { id: 'asc' } }),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
  // Objects reached by node(id) too: an API key also needs a permission of this domain.
  authScopes: (o, ctx) => isOwnerOrAdmin(ctx, o.userId) && keyAllows(ctx, 'orders:read', 'orders:write'),
});

const OrderPage = offsetPage<Awaited<ReturnType<typeof orders.listOrders>>>('OrderPage', Order);
const AvatarPage = builder.objectRef<Awaited<ReturnType<typeof orders.avatarsOf>>>('AvatarPage').implement({
  fields: (t) => ({
    items: t.field({ type: [Asset], resolve: (p) => p.items }),
    total: t.exposeInt('total'),
    page: t.exposeInt('page'),
    pageSize: t.exposeInt('pageSize'),
  }),
});

const OrderInput = builder.inputType('OrderInput', {
  fields: (t) => ({
    parent: t.int({ required: false, description: '0 or absent: a training order; else the id of a trained model of yours.' }),
    styles: t.intList({ description: 'Style ids (see styles).' }),
    gender: t.int({ required: false, description: '0 unspecified, 1 male, 2 female.' }),
  }),
});

builder.queryFields((t) => ({
  styles: t.prismaField({
    type: ['Style'],
    description: 'Styles for avatars (admins also see disabled ones).',
    resolve: (query, _r, _a, ctx) =>
      ctx.prisma.style.findMany({ ...query, where: ctx.viewer.kind === 'user' && ctx.viewer.user.role === 'admin' ? {} : { enabled: true }, orderBy: { id: 'asc' } }),
  }),
  order: t.prismaField({
    type: 'Order',
    authScopes: { permission: 'orders:read' },
    args: { id: t.arg.id({ description: 'Global or numeric id.' }) },
    resolve: async (query, _r, { id }, ctx) => reload(ctx, query, await orders.ownOrder(ctx, viewerOf(ctx), dbId('Order', id))),
  }),
  orders: t.field({
    type: OrderPage,
    description: 'Your orders, oldest first; filter by kind, or by parent model.',
    authScopes: { permission: 'orders:read' },
    args: { kind: t.arg({ type: OrderKind, required: false }), parent: t.arg.int({ required: false }), offset: t.arg.int({ required: false }), limit: t.arg.int({ required: false, defaultValue: 100 }) },
    resolve: (_r, args, ctx) => orders.listOrders(ctx, orders.ordersWhere(viewerOf(ctx).id, { kind: args.kind, parentId: args.parent }), pageArgs(args, 100)),
  }),
  personalModels: t.field({
    type: OrderPage,
    description: 'Your trained models: training orders whose training completed.',
    authScopes: { permission: 'orders:read' },
    args: { offset: t.arg.int({ required: false }), limit: t.arg.int({ required: false, defaultValue: 100 }) },
    resolve: (_r, args, ctx) => orders.listOrders(ctx, orders.ordersWhere(viewerOf(ctx).id, { trained: true }), pageArgs(args, 100)),
  }),
  avatars: t.field({
    type: AvatarPage,
    description: 'Avatars made from a model of yours, oldest first (pages from 1).',
    authScopes: { permission: 'orders:read' },
    args: { modelId: t.arg.id({ description: 'The training order (global or numeric id).' }), page: t.arg.int({ required: false }), pageSize: t.arg.int({ required: false, defaultValue: 20 }) },
    resolve: (_r, args, ctx) => orders.avatarsOf(ctx, viewerOf(ctx), dbId('Order', args.modelId, 'modelId'), args.page ?? 1, args.pageSize ?? 20),
  }),
}));

builder.mutationFields((t) => ({
  createOrder: t.prismaField({
    type: 'Order',
    description: 'A training order (parent 0) or a generation order on a trained model of yours.',
    authScopes: { permission: 'orders:write' },
    args: { input: t.arg({ type: OrderInput }) },
    resolve: async (query, _r, { input }, ctx) => reload(ctx, query, await orders.createOrder(ctx, viewerOf(ctx), input)),
  }),
  uploadTrainingImage: t.prismaField({
    type: 'TrainingImage',
    description: 'Adds a selfie to a training order that has not run: a file, base64 or a data URI; JPEG or PNG by content; at most 10 MB.',
    authScopes: { permission: 'orders:write' },
    args: {
      orderId: t.arg.id({ description: 'Global or numeric id.' }),
      image: t.arg.string({ required: false, description: 'Base64 or a data URI.' }),
      file: t.arg({ type: 'File', required: false }),
      gender: t.arg.int({ required: false }),
    },
    resolve: (_q, _r, args, ctx) =>
      orders.addTrainingImage(ctx, viewerOf(ctx), dbId('Order', args.orderId, 'orderId'), { data: args.image ?? null, file: (args.file as File | null) ?? null } as ImageSource, args.gender),
  }),
  selectTrainingImage: t.prismaField({
    type: 'TrainingImage',
    description: 'Marks a selfie as selected and makes it the main training image.',
    authScopes: { permission: 'orders:write' },
    args: { orderId: t.arg.id({ description: 'Global or numeric id.' }), selfieId: t.arg.int() },
    resolve: (_q, _r, args, ctx) => orders.selectTrainingImage(ctx, viewerOf(ctx), dbId('Order', args.orderId, 'orderId'), args.selfieId),
  }),
  runOrder: t.prismaField({
    type: 'Task',
    description: 'Starts training (training order) or avatar generation (generation order) as a task; charged like any task.',
    authScopes: { permission: 'orders:write' },
    args: { id: t.arg.id({ description: 'Global or numeric id.' }), idempotencyKey: t.arg.string({ required: false }) },
    resolve: (_q, _r, { id, idempotencyKey }, ctx) => orders.runOrder(ctx, viewerOf(ctx), dbId('Order', id), idempotencyKey),
  }),
  createStyle: t.prismaField({
    type: 'Style',
    authScopes: { admin: true },
    args: { input: t.arg({ type: StyleInput }) },
    resolve: (query, _r, { input }, ctx) => ctx.prisma.style.create({ ...query, data: styleData(input, true) as Prisma.StyleCreateInput }),
  }),
  updateStyle: t.prismaField({
    type: 'Style',
    authScopes: { admin: true },
    args: { id: t.arg.int(), input: t.arg({ type: StyleInput }) },
    resolve: async (query, _r, { id, input }, ctx) => {
      if (!(await ctx.prisma.style.findUnique({ where: { id } }))) throw styleNotFound();
      return ctx.prisma.style.update({ ...query, where: { id }, data: styleData(input, false) });
    },
  }),
  deleteStyle: t.boolean({
    description: 'Deletes a style no order uses; otherwise disable it.',
    authScopes: { admin: true },
    args: { id: t.arg.int() },
    resolve: async (_r, { id }, ctx) => {
      if (!(await ctx.prisma.style.findUnique({ where: { id } }))) throw styleNotFound();
      const inUse = () => new AppError('CONFLICT', 'Orders use this style: disable it instead', { field: 'id', reason: 'style_in_use' });
      if (await ctx.prisma.orderStyle.count({ where: { styleId: id } })) throw inUse();
      try {
        await ctx.prisma.style.delete({ where: { id } });
      } catch (err) {
        // An order took it meanwhile (the foreign key refuses).
        if (err instanceof Prisma.PrismaClientKnownRequestError && ['P2003', 'P2014'].includes(err.code)) throw inUse();
        throw err;
      }
      return true;
    },
  }),
}));

