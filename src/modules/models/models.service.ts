// The model catalog and its pricing. A request's cost is computed here from the model's prices
// and the request's parameters, in whole credits.
import { z } from 'zod';
import type { Deps } from '../../context.js';
import { AppError, badField, notFound, parseInput } from '../../errors.js';
import type { AiModel, ModelKind, Prisma } from '../../generated/prisma/client.js';
import { isRecordNotFound, uniqueViolation } from '../../lib/prisma-errors.js';

type Db = Pick<Deps, 'prisma'>;

export const ENDPOINTS = ['txt2img', 'img2img', 'inpaint', 'img2video', 'chat', 'generate', 'train', 'avatar'] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

/** What a request uses, for pricing: images made, seconds of video, tokens read and written. */
export interface Usage {
  images?: number;
  seconds?: number;
  tokens?: number;
}

const num = (d: Prisma.Decimal | null) => (d === null ? null : d.toNumber());

export function pricingOf(m: AiModel) {
  return { perImage: num(m.pricePerImage), perSecond: num(m.pricePerSecond), per1kTokens: num(m.pricePer1kTokens), flat: num(m.priceFlat) };
}

/**
 * Credits a request costs: the sum of each price the model has times what the request uses,
 * rounded up to a whole credit. A priced request costs at least 1 credit; a model without prices is free.
 */
export function costOf(m: AiModel, usage: Usage): number {
  const p = pricingOf(m);
  const parts = [
    p.perImage !== null ? p.perImage * (usage.images ?? 0) : 0,
    p.perSecond !== null ? p.perSecond * (usage.seconds ?? 0) : 0,
    p.per1kTokens !== null ? (p.per1kTokens * (usage.tokens ?? 0)) / 1000 : 0,
    p.flat ?? 0,
  ];
  const total = parts.reduce((a, b) => a + b, 0);
  if (total <= 0) return 0;
  // Prices have four decimals: drop float noise before rounding up.
  return Math.max(1, Math.ceil(Math.round(total * 1e4) / 1e4));
}

export async function listModels(deps: Db, opts: { kind?: ModelKind | null; includeDisabled?: boolean }) {
  return deps.prisma.aiModel.findMany({
    where: { ...(opts.kind ? { kind: opts.kind } : {}), ...(opts.includeDisabled ? {} : { enabled: true }) },
    orderBy: [{ kind: 'asc' }, { id: 'asc' }],
  });
}

/** An enabled model (or any model for admins); NOT_FOUND names the id. */
/** Ids a model can have: anything else (a NUL, a megabyte) is simply not found, without a query. */
const possibleId = (id: string) => id.length > 0 && id.length <= 100 && !/[\u0000-\u001f]/.test(id);

export async function getModel(deps: Db, id: string, opts: { includeDisabled?: boolean; field?: string } = {}): Promise<AiModel> {
  const m = possibleId(id) ? await deps.prisma.aiModel.findUnique({ where: { id } }) : null;
  if (!m || (!m.enabled && !opts.includeDisabled)) {
    throw new AppError('NOT_FOUND', `Model "${id}" not found`, { field: opts.field ?? 'model' });
  }
  return m;
}

const cache = new Map<string, { at: number; model: AiModel | null }>();
/** Seconds a catalog entry may be served from memory on the task path; edits made on this instance apply at once. */
const CACHE_MS = 5000;

/** getModel for the hot path (task creation, workers): cached for a few seconds. */
export async function getModelCached(deps: Db, id: string, opts: { field?: string } = {}): Promise<AiModel> {
  if (!possibleId(id)) throw new AppError('NOT_FOUND', 'Model not found', { field: opts.field ?? 'model' });
  const hit = cache.get(id);
  let m = hit && Date.now() - hit.at < CACHE_MS ? hit.model : undefined;
  if (m === undefined) {
    m = await deps.prisma.aiModel.findUnique({ where: { id } });
    if (cache.size > 1000) cache.clear();
    cache.set(id, { at: Date.now(), model: m });
  }
  if (!m || !m.enabled) throw new AppError('NOT_FOUND', `Model "${id}" not found`, { field: opts.field ?? 'model' });
  return m;
}

const price = z.number().min(0, 'must be 0 or more').max(1e7, 'is too large').nullable().optional();
const info = z
  .object({ whatIs: z.string().max(4000).optional(), useCases: z.string().max(4000).optional(), tips: z.string().max(4000).optional() })
  .strict();

const modelFields = {
  name: z.string().trim().min(1, 'is required').max(100, 'must be at most 100 characters'),
  kind: z.enum(['image', 'video', 'text', 'train', 'avatar']),
  description: z.string().max(2000, 'must be at most 2000 characters').optional(),
  provider: z.string().trim().min(1).max(50).optional(),
  maxTokens: z.number().int().positive('must be positive').nullable().optional(),
  supportedEndpoints: z.array(z.enum(ENDPOINTS)).max(ENDPOINTS.length).optional(),
  pricePerImage: price,
  pricePerSecond: price,
  pricePer1kTokens: price,
  priceFlat: price,
  info: info.optional(),
  enabled: z.boolean().optional(),
};

const createSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'must be 1–64 lowercase letters, digits, dots, dashes or underscores'),
  ...modelFields,
});
const updateSchema = z.object(modelFields).partial();

const toInfo = (i?: z.infer<typeof info>) =>
  i && { what_is: i.whatIs ?? '', use_cases: i.useCases ?? '', tips: i.tips ?? '' };

export async function createModel(deps: Db, input: unknown) {
  cache.clear();
  const d = parseInput(createSchema, input, ['input']);
  try {
    return await deps.prisma.aiModel.create({ data: { ...d, info: toInfo(d.info) ?? {} } });
  } catch (err) {
    if (uniqueViolation(err)) throw badField('input.id', `a model "${d.id}" already exists`);
    throw err;
  }
}

export async function updateModel(deps: Db, id: string, input: unknown) {
  cache.clear();
  const d = parseInput(updateSchema, input, ['input']);
  let info: Record<string, string> | undefined;
  if (d.info) {
    // Only the parts given change.
    const current = await deps.prisma.aiModel.findUnique({ where: { id }, select: { info: true } });
    const prev = (current?.info ?? {}) as Record<string, string>;
    info = {
      what_is: d.info.whatIs ?? prev.what_is ?? '',
      use_cases: d.info.useCases ?? prev.use_cases ?? '',
      tips: d.info.tips ?? prev.tips ?? '',
    };
  }
  try {
    return await deps.prisma.aiModel.update({ where: { id }, data: { ...d, info } });
  } catch (err) {
    if (isRecordNotFound(err)) throw notFound(`Model "${id}"`);
    throw err;
  }
}

/** Deletes a model nothing refers to; a model with tasks can only be disabled. */
export async function deleteModel(deps: Db, id: string) {
  cache.clear();
  const m = await deps.prisma.aiModel.findUnique({ where: { id }, select: { id: true, _count: { select: { tasks: true } } } });
  if (!m) throw notFound(`Model "${id}"`);
  if (m._count.tasks > 0) throw new AppError('CONFLICT', `Model "${id}" has tasks; disable it instead`, { field: 'id' });
  await deps.prisma.aiModel.delete({ where: { id } });
  return true;
}
