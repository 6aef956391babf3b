import type { Context, UserViewer } from '../../context.js';
import { builder, keyAllows } from '../../schema/builder.js';
import { offsetPage } from '../../schema/pages.js';
import { dbId } from '../../schema/ids.js';
import { pageArgs } from '../credits/credits.schema.js';
import { AiModel } from '../models/models.schema.js';
import * as presets from './presets.service.js';

const viewerOf = (ctx: Context) => {
  const u = (ctx.viewer as UserViewer).user;
  return { id: u.id, role: u.role };
};
const canSee = (p: { userId: number | null; shared: boolean }, ctx: Context) =>
  ctx.viewer.kind === 'user' && (p.shared || p.userId === ctx.viewer.user.id || ctx.viewer.user.role === 'admin');

export const Preset = builder.prismaNode('Preset', {
  id: { field: 'id' },
  description: 'Named generation settings: a model, its parameters and a system prompt. Yours, or shared by the admins.',
  fields: (t) => ({
    databaseId: t.exposeInt('id'),
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    modelId: t.exposeString('modelId', { nullable: true }),
    model: t.field({ type: AiModel, nullable: true, resolve: (p, _a, ctx) => (p.modelId ? ctx.prisma.aiModel.findUnique({ where: { id: p.modelId } }) : null) }),
    parameters: t.expose('parameters', { type: 'JSON', description: `Task parameters: any of ${presets.PRESET_PARAMETERS.join(', ')}.` }),
    systemPrompt: t.exposeString('systemPrompt', { nullable: true }),
    shared: t.exposeBoolean('shared', { description: 'Published by an admin for everyone.' }),
    mine: t.boolean({ resolve: (p, _a, ctx) => ctx.viewer.kind === 'user' && p.userId === ctx.viewer.user.id }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
  // Objects reached by node(id) too: an API key also needs a permission of this domain.
  authScopes: (p, ctx) => canSee(p, ctx) && keyAllows(ctx, 'presets:read', 'presets:write'),
});

const PresetPage = offsetPage<Awaited<ReturnType<typeof presets.listPresets>>>('PresetPage', Preset);

const presetFields = (t: any, required: boolean) => ({
  name: t.string({ required }),
  description: t.string({ required: false }),
  model: t.string({ required: false, description: 'A catalog model id.' }),
  parameters: t.field({ type: 'JSON', required: false }),
  systemPrompt: t.string({ required: false }),
  shared: t.boolean({ required: false, description: 'Admins only: publish for everyone.' }),
});
const CreatePresetInput = builder.inputType('CreatePresetInput', { fields: (t) => presetFields(t, true) });
const UpdatePresetInput = builder.inputType('UpdatePresetInput', { fields: (t) => presetFields(t, false) });

builder.queryFields((t) => ({
  presets: t.field({
    type: PresetPage,
    description: 'Your presets and the shared ones (or only yours with mine: true), newest first.',
    authScopes: { permission: 'presets:read' },
    args: { mine: t.arg.boolean({ required: false }), offset: t.arg.int({ required: false }), limit: t.arg.int({ required: false, defaultValue: 10 }) },
    resolve: (_r, args, ctx) => presets.listPresets(ctx, viewerOf(ctx), args.mine ?? false, pageArgs(args, 10)),
  }),
  presetsConnection: t.prismaConnection({
    type: 'Preset',
    cursor: 'id',
    authScopes: { permission: 'presets:read' },
    maxSize: 100,
    defaultSize: 20,
    args: { mine: t.arg.boolean({ required: false }) },
    resolve: (query, _r, args, ctx) => ctx.prisma.preset.findMany({ ...query, where: presets.presetsWhere(viewerOf(ctx), args.mine ?? false), orderBy: { id: 'desc' } }),
    totalCount: (_c, args, ctx) => ctx.prisma.preset.count({ where: presets.presetsWhere(viewerOf(ctx), args.mine ?? false) }),
  }),
  preset: t.prismaField({
    type: 'Preset',
    authScopes: { permission: 'presets:read' },
    args: { id: t.arg.id({ description: 'Global or numeric id.' }) },
    resolve: (_q, _r, { id }, ctx) => presets.visiblePreset(ctx, viewerOf(ctx), dbId('Preset', id)),
  }),
}));

builder.mutationFields((t) => ({
  createPreset: t.prismaField({
    type: 'Preset',
    authScopes: { permission: 'presets:write' },
    args: { input: t.arg({ type: CreatePresetInput }) },
    resolve: (_q, _r, { input }, ctx) => presets.createPreset(ctx, viewerOf(ctx), input as presets.PresetInput),
  }),
  updatePreset: t.prismaField({
    type: 'Preset',
    description: 'Changes the given fields of a preset of yours (shared presets: admins).',
    authScopes: { permission: 'presets:write' },
    args: { id: t.arg.id({ description: 'Global or numeric id.' }), input: t.arg({ type: UpdatePresetInput }) },
    resolve: (_q, _r, { id, input }, ctx) => presets.updatePreset(ctx, viewerOf(ctx), dbId('Preset', id), input as Partial<presets.PresetInput>),
  }),
  deletePreset: t.boolean({
    description: 'Deletes a preset of yours; chats that used it keep their own settings.',
    authScopes: { permission: 'presets:write' },
    args: { id: t.arg.id({ description: 'Global or numeric id.' }) },
    resolve: (_r, { id }, ctx) => presets.deletePreset(ctx, viewerOf(ctx), dbId('Preset', id)),
  }),
}));
