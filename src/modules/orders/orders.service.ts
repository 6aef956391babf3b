// MyMoodAI orders (seed 001). A training order (no parent) collects selfies and, when run,
// becomes a model.train task; once that succeeds the order is a trained model. A generation
// order names a trained model of the same user as parent and, when run, becomes an
// avatar.generate task making one avatar per style. An order's status is its latest task's.
import type { Context, Deps } from '../../context.js';
import { AppError, badField } from '../../errors.js';
import type { Order, Prisma, Task } from '../../generated/prisma/client.js';
import { storeImage, type ImageSource } from '../assets/assets.service.js';
import type { Tier } from '../limits/tiers.js';
import { createTask } from '../tasks/tasks.service.js';

export type Viewer = { id: number; role: string; tier: Tier };
type Ctx = Deps & Partial<Pick<Context, 'meta' | 'rate' | 'viewer'>>;

/** The catalog models orders run on. */
export const TRAIN_MODEL = 'personal-trainer';
export const AVATAR_MODEL = 'personal-avatar';
export const MAX_TRAINING_IMAGES = 30;
export const MAX_SELFIE_BYTES = 10 * 1024 * 1024;

export type OrderStatusName = 'created' | 'queued' | 'in_progress' | 'completed' | 'failed' | 'canceled';
type LatestTask = Pick<Task, 'status' | 'progress' | 'progressMessage'> | undefined;

/** What an order's status is: its latest task's, or `created` before its first run. */
export function statusOf(latest: LatestTask): { status: OrderStatusName; progress: number; message: string | null } {
  if (!latest) return { status: 'created', progress: 0, message: null };
  const status = ({ queued: 'queued', running: 'in_progress', succeeded: 'completed', failed: 'failed', canceled: 'canceled' } as const)[latest.status];
  return { status, progress: latest.progress, message: latest.progressMessage };
}

/** A prisma `select`/`include` fragment for the latest task of an order. */
export const LATEST_TASK = { tasks: { orderBy: { id: 'desc' }, take: 1, select: { status: true, progress: true, progressMessage: true } } } satisfies Prisma.OrderInclude;

const notFound = (field: string, what = 'Order') => new AppError('NOT_FOUND', `${what} not found`, { field });

/** An order of the viewer (admins: any), or NOT_FOUND naming `field`. */
export async function ownOrder(deps: Pick<Deps, 'prisma'>, viewer: { id: number; role: string }, id: number, field = 'id', what = 'Order') {
  const order = await deps.prisma.order.findUnique({ where: { id }, include: { ...LATEST_TASK, trainedModel: true } });
  if (!order || (order.userId !== viewer.id && viewer.role !== 'admin')) throw notFound(field, what);
  return order;
}

async function checkStyles(deps: Pick<Deps, 'prisma'>, ids: number[]): Promise<number[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) throw badField('input.styles', 'needs at least one style');
  if (unique.length > 20) throw badField('input.styles', 'must have at most 20 styles');
  const found = await deps.prisma.style.findMany({ where: { id: { in: unique.filter((i) => Number.isInteger(i) && i > 0 && i < 2 ** 31) }, enabled: true }, select: { id: true } });
  const known = new Set(found.map((s) => s.id));
  const bad = unique.filter((i) => !known.has(i));
  if (bad.length) {
    throw new AppError('BAD_USER_INPUT', `Invalid style IDs provided: ${bad.join(', ')}`, { field: 'input.styles', fields: [{ path: ['input', 'styles'], message: `unknown style ids ${bad.join(', ')}` }] });
  }
  return unique;
}

const checkGender = (g: number | null | undefined) => {
  if (g !== undefined && g !== null && (!Number.isInteger(g) || g < 0 || g > 2)) throw badField('input.gender', 'must be 0 (unspecified), 1 (male) or 2 (female)');
  return g ?? null;
};

export interface OrderInput {
  /** 0 or absent: a training order; otherwise the id of a trained model (a completed training order) of yours. */
  parent?: number | null;
  styles: number[];
  gender?: number | null;
}

export async function createOrder(deps: Pick<Deps, 'prisma'>, viewer: Viewer, input: OrderInput): Promise<Order> {
  const gender = checkGender(input.gender);
  const styles = await checkStyles(deps, input.styles ?? []);
  let parentId: number | null = null;
  if (input.parent) {
    const parent = await ownOrder(deps, viewer, input.parent, 'input.parent', 'Model');
    if (parent.kind !== 'training') throw badField('input.parent', `order ${parent.id} is not a model (a training order)`);
    if (!parent.trainedModel) {
      throw new AppError('CONFLICT', `Model ${parent.id} has not finished training`, { field: 'input.parent', reason: 'model_not_ready' });
    }
    parentId = parent.id;
  }
  return deps.prisma.order.create({
    data: { userId: viewer.id, kind: parentId ? 'generation' : 'training', parentId, gender, styles: { create: styles.map((styleId) => ({ styleId })) } },
  });
}

/** Runs not yet started or still going: no uploads or second runs then. */
function assertNotStarted(order: { id: number; tasks: NonNullable<LatestTask>[] }, what: string) {
  const s = statusOf(order.tasks[0]).status;
  if (s === 'queued' || s === 'in_progress') throw new AppError('CONFLICT', `Order ${order.id} is running; ${what}`, { field: 'orderId', reason: 'order_running' });
  if (s === 'completed') throw new AppError('CONFLICT', `Order ${order.id} has completed; ${what}`, { field: 'orderId', reason: 'order_completed' });
}

/** Adds a selfie (JPEG or PNG, checked by content, ≤ 10 MB) to a training order that has not run yet. */
export async function addTrainingImage(deps: Pick<Deps, 'prisma' | 'storage' | 'config'>, viewer: Viewer, orderId: number, src: ImageSource, gender?: number | null) {
  const order = await ownOrder(deps, viewer, orderId, 'orderId');
  if (order.kind !== 'training') throw badField('orderId', `order ${orderId} is a generation order; selfies go to training orders`);
  assertNotStarted(order, 'selfies can no longer be added');
  const g = gender === undefined || gender === null ? null : Number(gender);
  if (g !== null && (!Number.isInteger(g) || g < 0 || g > 2)) throw badField('gender', 'must be 0 (unspecified), 1 (male) or 2 (female)');
  const stored = await storeImage(deps, order.userId, src, 'image', { maxBytes: MAX_SELFIE_BYTES, formats: ['jpg', 'png'], prefix: `training/${order.userId}/${order.id}` });
  if (!stored) throw badField('image', 'is required (base64 or a data URI)');
  // The same photo twice is one training image.
  const existing = await deps.prisma.trainingImage.findFirst({ where: { orderId, storageKey: stored.key } });
  if (existing) return existing;
  const count = await deps.prisma.trainingImage.count({ where: { orderId } });
  if (count >= MAX_TRAINING_IMAGES) throw badField('image', `an order takes at most ${MAX_TRAINING_IMAGES} training images`);
  return deps.prisma.trainingImage.create({
    data: { orderId, gender: g ?? order.gender, storageKey: stored.key, mimeType: stored.mime, size: stored.size, width: stored.width, height: stored.height },
  });
}

/** Marks a selfie of the order as selected and makes it the main image. */
export async function selectTrainingImage(deps: Pick<Deps, 'prisma'>, viewer: Viewer, orderId: number, selfieId: number) {
  const order = await ownOrder(deps, viewer, orderId, 'orderId');
  const image = await deps.prisma.trainingImage.findUnique({ where: { id: selfieId } });
  if (!image || image.orderId !== order.id) throw notFound('selfieId', 'Training image');
  const [selected] = await deps.prisma.$transaction([
    deps.prisma.trainingImage.update({ where: { id: selfieId }, data: { selected: true } }),
    deps.prisma.order.update({ where: { id: orderId }, data: { mainImageId: selfieId } }),
  ]);
  return selected;
}

const SUBJECT = ['a person', 'a man', 'a woman'];

/**
 * Runs an order: training → a model.train task on its selfies (main image first); generation →
 * an avatar.generate task with its styles on the parent's trained model. Charged like any task.
 * Two runs at once make one task: the database refuses a second unfinished task for an order
 * (the other caller gets CONFLICT order_running).
 */
export async function runOrder(ctx: Ctx, viewer: Viewer, orderId: number, idempotencyKey?: string | null): Promise<Task> {
  const order = await ownOrder(ctx, viewer, orderId, 'orderId');
  assertNotStarted(order, 'it cannot be run again');
  const owner = order.userId === viewer.id ? viewer : await ctx.prisma.user.findUniqueOrThrow({ where: { id: order.userId }, select: { id: true, tier: true, role: true } });
  const key = idempotencyKey ?? null;
  if (order.kind === 'training') {
    const images = await ctx.prisma.trainingImage.findMany({ where: { orderId }, orderBy: { id: 'asc' } });
    if (images.length === 0) throw badField('trainingImages', 'upload at least one training image before running the order');
    const rank = (i: (typeof images)[number]) => (i.id === order.mainImageId ? 0 : i.selected ? 1 : 2);
    const keys = [...images].sort((a, b) => rank(a) - rank(b) || a.id - b.id).map((i) => i.storageKey);
    return createTask(ctx, owner, { kind: 'model.train', model: TRAIN_MODEL, input: { trainingKeys: keys, gender: order.gender }, orderId, source: 'order', idempotencyKey: key }).catch(runningAlready(orderId));
  }
  const parent = order.parentId ? await ctx.prisma.trainedModel.findUnique({ where: { orderId: order.parentId } }) : null;
  if (!parent?.providerRef) throw new AppError('CONFLICT', 'The model of this order has not finished training', { field: 'parent', reason: 'model_not_ready' });
  const styles = await ctx.prisma.style.findMany({ where: { orders: { some: { orderId } } }, orderBy: { id: 'asc' } });
  const subject = SUBJECT[order.gender ?? 0] ?? SUBJECT[0]!;
  return createTask(ctx, owner, {
    kind: 'avatar.generate',
    model: AVATAR_MODEL,
    input: { trainedModelRef: parent.providerRef, styles: styles.map((s) => ({ id: s.id, name: s.name, prompt: s.promptTemplate.replaceAll('{subject}', subject) })), gender: order.gender },
    orderId,
    source: 'order',
    idempotencyKey: key,
  }).catch(runningAlready(orderId));
}

/** The unique index on an order's unfinished task refused a second run. */
const runningAlready = (orderId: number) => (err: unknown): never => {
  const text = String((err as { message?: string })?.message ?? '') + JSON.stringify((err as { meta?: unknown })?.meta ?? {});
  if (text.includes('tasks_one_open_run_per_order')) throw new AppError('CONFLICT', `Order ${orderId} is running; it cannot be run again`, { field: 'orderId', reason: 'order_running' });
  throw err;
};

export function ordersWhere(userId: number, f: { kind?: 'training' | 'generation' | null; parentId?: number | null; trained?: boolean }): Prisma.OrderWhereInput {
  return {
    userId,
    ...(f.kind ? { kind: f.kind } : {}),
    ...(f.parentId ? { parentId: f.parentId } : {}),
    ...(f.trained ? { kind: 'training', trainedModel: { isNot: null } } : {}),
  };
}

export async function listOrders(deps: Pick<Deps, 'prisma'>, where: Prisma.OrderWhereInput, page: { offset: number; limit: number }) {
  const [items, total] = await Promise.all([
    deps.prisma.order.findMany({ where, orderBy: { id: 'asc' }, skip: page.offset, take: page.limit }),
    deps.prisma.order.count({ where }),
  ]);
  return { items, total, ...page };
}

/** The avatars made from a model of the viewer, oldest first, `pageSize` per page (pages from 1). */
export async function avatarsOf(deps: Pick<Deps, 'prisma'>, viewer: Viewer, modelId: number, page: number, pageSize: number) {
  const model = await ownOrder(deps, viewer, modelId, 'modelId', 'Model');
  if (model.kind !== 'training') throw notFound('modelId', 'Model');
  if (!Number.isInteger(page) || page < 1) throw badField('page', 'must be 1 or more');
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) throw badField('pageSize', 'must be between 1 and 100');
  const where: Prisma.AssetWhereInput = { userId: model.userId, task: { order: { parentId: modelId } } };
  const [items, total] = await Promise.all([
    deps.prisma.asset.findMany({ where, orderBy: { id: 'asc' }, skip: (page - 1) * pageSize, take: pageSize }),
    deps.prisma.asset.count({ where }),
  ]);
  return { items, total, page, pageSize };
}
