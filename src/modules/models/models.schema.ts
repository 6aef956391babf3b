import { builder } from '../../schema/builder.js';
import { badField } from '../../errors.js';
import * as credits from '../credits/credits.service.js';
import * as models from './models.service.js';

export const ModelKind = builder.enumType('ModelKind', { values: ['image', 'video', 'text', 'train', 'avatar'] as const });

const Pricing = builder.objectRef<ReturnType<typeof models.pricingOf>>('ModelPricing').implement({
  description: 'Prices in credits. A request costs the sum of the prices that apply, rounded up to a whole credit.',
  fields: (t) => ({
    perImage: t.exposeFloat('perImage', { nullable: true }),
    perSecond: t.exposeFloat('perSecond', { nullable: true, description: 'Per second of video.' }),
    per1kTokens: t.exposeFloat('per1kTokens', { nullable: true }),
    flat: t.exposeFloat('flat', { nullable: true, description: 'Per request.' }),
  }),
});

type Info = { what_is?: string; use_cases?: string; tips?: string };
const ModelInfo = builder.objectRef<Info>('ModelInfo').implement({
  fields: (t) => ({
    whatIs: t.string({ resolve: (i) => i.what_is ?? '' }),
    useCases: t.string({ resolve: (i) => i.use_cases ?? '' }),
    tips: t.string({ resolve: (i) => i.tips ?? '' }),
  }),
});

export const AiModel = builder.prismaObject('AiModel', {
  description: 'A model of the catalog, with its prices.',
  fields: (t) => ({
    id: t.exposeString('id'),
    name: t.exposeString('name'),
    kind: t.expose('kind', { type: ModelKind }),
    description: t.exposeString('description'),
    maxTokens: t.exposeInt('maxTokens', { nullable: true }),
    supportedEndpoints: t.exposeStringList('supportedEndpoints', {
      description: 'What the model does: txt2img, img2img, inpaint, img2video, chat, generate, train, avatar.',
    }),
    pricing: t.field({ type: Pricing, resolve: (m) => models.pricingOf(m) }),
    info: t.field({ type: ModelInfo, resolve: (m) => (m.info ?? {}) as Info }),
    enabled: t.exposeBoolean('enabled'),
    provider: t.exposeString('provider', { authScopes: { admin: true }, description: 'Admins only.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.queryFields((t) => ({
  models: t.prismaField({
    type: [AiModel],
    description: 'The enabled models (admins may include disabled ones).',
    authScopes: { authenticated: true },
    args: { kind: t.arg({ type: ModelKind, required: false }), includeDisabled: t.arg.boolean({ required: false }) },
    resolve: (_q, _root, args, ctx) => {
      const admin = ctx.viewer.kind === 'user' && ctx.viewer.user.role === 'admin';
      return models.listModels(ctx, { kind: args.kind, includeDisabled: admin && !!args.includeDisabled });
    },
  }),
  model: t.prismaField({
    type: AiModel,
    authScopes: { authenticated: true },
    args: { id: t.arg.string() },
    resolve: (_q, _root, { id }, ctx) =>
      models.getModel(ctx, id, { includeDisabled: ctx.viewer.kind === 'user' && ctx.viewer.user.role === 'admin', field: 'id' }),
  }),
  estimateCost: t.field({
    type: builder.objectRef<{ model: string; credits: number; available: number }>('CostEstimate').implement({
      fields: (f) => ({
        model: f.exposeString('model'),
        credits: f.exposeInt('credits', { description: 'What the request would cost (and hold while it runs).' }),
        available: f.exposeInt('available', { description: "The viewer's available balance." }),
        sufficient: f.boolean({ resolve: (e) => e.available >= e.credits }),
      }),
    }),
    description: 'The cost of a request on a model: images made, seconds of video, tokens read and written.',
    authScopes: { authenticated: true },
    args: {
      model: t.arg.string(),
      images: t.arg.int({ required: false }),
      seconds: t.arg.float({ required: false }),
      tokens: t.arg.int({ required: false }),
    },
    resolve: async (_root, args, ctx) => {
      for (const k of ['images', 'seconds', 'tokens'] as const) {
        const v = args[k];
        if (v !== null && v !== undefined && (v < 0 || v > 1e6)) throw badField(k, 'must be between 0 and 1000000');
      }
      const m = await models.getModel(ctx, args.model);
      const userId = ctx.viewer.kind === 'user' ? ctx.viewer.user.id : 0;
      const cost = models.costOf(m, { images: args.images ?? undefined, seconds: args.seconds ?? undefined, tokens: args.tokens ?? undefined });
      if (cost > 2_000_000_000) throw badField(args.images ? 'images' : args.seconds ? 'seconds' : 'tokens', 'is too large for one request');
      return {
        model: m.id,
        credits: cost,
        available: (await credits.balanceOf(ctx, userId)).available,
      };
    },
  }),
}));

const ModelInfoInput = builder.inputType('ModelInfoInput', {
  fields: (t) => ({
    whatIs: t.string({ required: false }),
    useCases: t.string({ required: false }),
    tips: t.string({ required: false }),
  }),
});

const modelInputFields = (t: any, required: boolean) => ({
  name: t.string({ required }),
  kind: t.field({ type: ModelKind, required }),
  description: t.string({ required: false }),
  provider: t.string({ required: false, description: 'The provider that runs it (see the provider registry); demo by default.' }),
  maxTokens: t.int({ required: false }),
  supportedEndpoints: t.stringList({ required: false }),
  pricePerImage: t.float({ required: false }),
  pricePerSecond: t.float({ required: false }),
  pricePer1kTokens: t.float({ required: false }),
  priceFlat: t.float({ required: false }),
  info: t.field({ type: ModelInfoInput, required: false }),
  enabled: t.boolean({ required: false }),
});

const CreateModelInput = builder.inputType('CreateModelInput', {
  fields: (t) => ({ id: t.string(), ...modelInputFields(t, true) }),
});
const UpdateModelInput = builder.inputType('UpdateModelInput', { fields: (t) => modelInputFields(t, false) });

/** GraphQL passes omitted input fields as undefined and explicit nulls as null; zod sees both. */
const clean = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

builder.mutationFields((t) => ({
  createModel: t.prismaField({
    type: AiModel,
    authScopes: { admin: true },
    args: { input: t.arg({ type: CreateModelInput }) },
    resolve: (_q, _root, { input }, ctx) => models.createModel(ctx, clean(input as Record<string, unknown>)),
  }),
  updateModel: t.prismaField({
    type: AiModel,
    authScopes: { admin: true },
    args: { id: t.arg.string(), input: t.arg({ type: UpdateModelInput }) },
    resolve: (_q, _root, { id, input }, ctx) => models.updateModel(ctx, id, clean(input as Record<string, unknown>)),
  }),
  deleteModel: t.boolean({
    authScopes: { admin: true },
    args: { id: t.arg.string() },
    resolve: (_root, { id }, ctx) => models.deleteModel(ctx, id),
  }),
}));
