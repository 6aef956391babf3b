// Presets: named generation settings (model, parameters, system prompt) that tasks and chats
// start from. A user's own presets, plus shared ones that admins publish for everyone.
import { z } from 'zod';
import type { Deps } from '../../context.js';
import { AppError, badField, parseInput } from '../../errors.js';
import type { Preset, Prisma } from '../../generated/prisma/client.js';

export type Viewer = { id: number; role: string };

/** The task parameters a preset may carry (checked again, per kind and model, when a task uses them). */
export const PRESET_PARAMETERS = [
  'negativePrompt', 'width', 'height', 'steps', 'cfgScale', 'seed', 'sampler', 'count', 'denoisingStrength',
  'seconds', 'fps', 'maxTokens', 'temperature', 'topP', 'n', 'stop',
] as const;

const fields = {
  name: z.string().trim().min(1, 'is required').max(100, 'must be at most 100 characters'),
  description: z.string().max(1000, 'must be at most 1000 characters'),
  model: z.string().min(1).max(100).nullable(),
  parameters: z
    .record(z.string(), z.unknown())
    .refine((p) => Object.keys(p).every((k) => (PRESET_PARAMETERS as readonly string[]).includes(k)), {
      message: `may only hold ${PRESET_PARAMETERS.join(', ')}`,
    })
    .refine((p) => JSON.stringify(p).length <= 16_384, 'must be at most 16 KB'),
  systemPrompt: z.string().max(8000, 'must be at most 8000 characters').nullable(),
  shared: z.boolean(),
};
const createSchema = z.object({ ...fields, description: fields.description.optional(), model: fields.model.optional(), parameters: fields.parameters.optional(), systemPrompt: fields.systemPrompt.optional(), shared: fields.shared.optional() });
const updateSchema = createSchema.partial();

export type PresetInput = z.input<typeof createSchema>;

const notFound = (field = 'id') => new AppError('NOT_FOUND', 'Preset not found', { field });

/** A preset the viewer may use: their own or a shared one; anything else does not exist for them. */
export async function visiblePreset(deps: Pick<Deps, 'prisma'>, viewer: Viewer, id: number, field = 'id'): Promise<Preset> {
  const p = await deps.prisma.preset.findUnique({ where: { id } });
  if (!p || (p.userId !== viewer.id && !p.shared && viewer.role !== 'admin')) throw notFound(field);
  return p;
}

/** A preset the viewer may change: their own; shared ones only by admins. */
async function editablePreset(deps: Pick<Deps, 'prisma'>, viewer: Viewer, id: number): Promise<Preset> {
  const p = await visiblePreset(deps, viewer, id);
  if (p.userId !== viewer.id && viewer.role !== 'admin') {
    throw new AppError('FORBIDDEN', 'Shared presets are changed by admins only', { field: 'id' });
  }
  return p;
}

async function checkModel(deps: Pick<Deps, 'prisma'>, model: string | null | undefined) {
  if (!model) return;
  const m = await deps.prisma.aiModel.findUnique({ where: { id: model }, select: { enabled: true } });
  if (!m || !m.enabled) throw badField('input.model', `unknown model "${model}"`);
}

function checkShared(viewer: Viewer, shared: boolean | undefined) {
  if (shared && viewer.role !== 'admin') throw new AppError('FORBIDDEN', 'Only admins publish shared presets', { field: 'input.shared' });
}

export async function createPreset(deps: Pick<Deps, 'prisma'>, viewer: Viewer, raw: PresetInput): Promise<Preset> {
  const input = parseInput(createSchema, raw, ['input']);
  checkShared(viewer, input.shared);
  await checkModel(deps, input.model);
  return deps.prisma.preset.create({
    data: {
      userId: viewer.id,
      name: input.name,
      description: input.description ?? '',
      modelId: input.model ?? null,
      parameters: (input.parameters ?? {}) as Prisma.InputJsonValue,
      systemPrompt: input.systemPrompt ?? null,
      shared: input.shared ?? false,
    },
  });
}

export async function updatePreset(deps: Pick<Deps, 'prisma'>, viewer: Viewer, id: number, raw: Partial<PresetInput>): Promise<Preset> {
  const input = parseInput(updateSchema, raw, ['input']);
  await editablePreset(deps, viewer, id);
  checkShared(viewer, input.shared);
  await checkModel(deps, input.model);
  return deps.prisma.preset.update({
    where: { id },
    data: {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.model !== undefined ? { modelId: input.model } : {}),
      ...(input.parameters !== undefined ? { parameters: input.parameters as Prisma.InputJsonValue } : {}),
      ...(input.systemPrompt !== undefined ? { systemPrompt: input.systemPrompt } : {}),
      ...(input.shared !== undefined ? { shared: input.shared } : {}),
    },
  });
}

export async function deletePreset(deps: Pick<Deps, 'prisma'>, viewer: Viewer, id: number): Promise<boolean> {
  await editablePreset(deps, viewer, id);
  await deps.prisma.preset.delete({ where: { id } });
  return true;
}

/** The viewer's presets and (unless `mine`) the shared ones, newest first. */
export function presetsWhere(viewer: Viewer, mine = false): Prisma.PresetWhereInput {
  return mine ? { userId: viewer.id } : { OR: [{ userId: viewer.id }, { shared: true }] };
}

export async function listPresets(deps: Pick<Deps, 'prisma'>, viewer: Viewer, mine: boolean, page: { offset: number; limit: number }) {
  const where = presetsWhere(viewer, mine);
  const [items, total] = await Promise.all([
    deps.prisma.preset.findMany({ where, orderBy: { id: 'desc' }, skip: page.offset, take: page.limit }),
    deps.prisma.preset.count({ where }),
  ]);
  return { items, total, ...page };
}

/** A preset's parameters that a task of these input keys accepts; explicit input wins. */
export function withPreset(preset: Preset, input: Record<string, unknown>, accepted: readonly string[]): Record<string, unknown> {
  const params = (preset.parameters ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of accepted) if (params[k] !== undefined && params[k] !== null) out[k] = params[k];
  for (const [k, v] of Object.entries(input)) if (v !== undefined && v !== null) out[k] = v;
  return out;
}
