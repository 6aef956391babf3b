// The input of each task kind, checked against the model it runs on. The Image Generator's rules
// (seed 003): text-to-image needs a prompt; image-to-video needs an image (prompt optional);
// inpainting needs a prompt, an image and a mask.
import { z } from 'zod';
import { AppError, badField, parseInput } from '../../errors.js';
import type { AiModel } from '../../generated/prisma/client.js';
import { approxTokens } from '../../providers/demo.js';
import type { TaskInput, TaskKindName } from '../../providers/types.js';
import { costOf, type Endpoint, type Usage } from '../models/models.service.js';

export const KINDS: TaskKindName[] = ['image.generate', 'image.edit', 'video.generate', 'text.chat', 'text.generate', 'model.train', 'avatar.generate'];

/** Prisma's enum names for the kinds, and back. */
export const dbKind = (k: TaskKindName) => k.replace('.', '_') as 'image_generate';
export const kindName = (k: string) => k.replace('_', '.') as TaskKindName;

const prompt = z.string().trim().min(1, 'is required').max(4000, 'must be at most 4000 characters');
const side = z.number().int('must be a whole number').min(64, 'must be at least 64').max(2048, 'must be at most 2048').refine((v) => v % 8 === 0, 'must be a multiple of 8');
const sampling = {
  negativePrompt: z.string().max(4000, 'must be at most 4000 characters').optional(),
  width: side.optional(),
  height: side.optional(),
  steps: z.number().int('must be a whole number').min(1, 'must be at least 1').max(150, 'must be at most 150').optional(),
  cfgScale: z.number().min(1, 'must be at least 1').max(30, 'must be at most 30').optional(),
  seed: z.number().int('must be a whole number').min(0, 'must be 0 or more').max(4294967295, 'must fit in 32 bits').optional(),
  sampler: z.string().max(64, 'must be at most 64 characters').optional(),
  count: z.number().int('must be a whole number').min(1, 'must be at least 1').max(8, 'must be at most 8').optional(),
};
const key = z.string().min(1);

const choices = z.number().int('must be a whole number').min(1, 'must be at least 1').max(8, 'must be at most 8').optional();
const stops = z.array(z.string().min(1, 'must not be empty').max(100, 'must be at most 100 characters')).max(4, 'must have at most 4 sequences').optional();
const textParams = (maxTokens: number) => ({
  maxTokens: z.number().int('must be a whole number').min(1, 'must be at least 1').max(maxTokens, `must be at most ${maxTokens} for this model`).optional(),
  temperature: z.number().min(0, 'must be between 0 and 2').max(2, 'must be between 0 and 2').optional(),
  topP: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').optional(),
  seed: sampling.seed,
});

/**
 * Schemas built so far, by what they depend on: the kind, the mask, and the model's endpoints and
 * token limit. Building a zod schema (and its first parse, which compiles it) costs far more than
 * using it, so each is built once; a model changed in the catalog gets a key of its own.
 */
const schemas = new Map<string, ReturnType<typeof buildSchema>>();

/** The schema of a kind's input on a model; `null` when the model cannot run that kind. */
function schemaFor(kind: TaskKindName, model: AiModel, hasMask: boolean) {
  const cacheKey = `${kind}|${hasMask ? 1 : 0}|${model.maxTokens ?? ''}|${model.supportedEndpoints.join(',')}`;
  let schema = schemas.get(cacheKey);
  if (schema === undefined) {
    // Bounded by kinds × endpoint sets × token limits in the catalog; cleared if that ever grows odd.
    if (schemas.size >= 1000) schemas.clear();
    schema = buildSchema(kind, model, hasMask);
    schemas.set(cacheKey, schema);
  }
  return schema;
}

function buildSchema(kind: TaskKindName, model: AiModel, hasMask: boolean) {
  const can = (e: Endpoint) => model.supportedEndpoints.includes(e);
  const maxTokens = model.maxTokens ?? 4096;
  switch (kind) {
    case 'image.generate':
      return can('txt2img') ? z.object({ prompt, ...sampling }).strict() : null;
    case 'image.edit':
      if (hasMask ? !can('inpaint') : !can('img2img') && !can('inpaint')) return null;
      return z
        .object({
          prompt,
          ...sampling,
          imageKey: key,
          // An inpainting-only model needs the mask.
          maskKey: can('img2img') ? key.optional() : key,
          denoisingStrength: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').optional(),
        })
        .strict();
    case 'video.generate':
      return can('img2video')
        ? z
            .object({
              imageKey: key,
              prompt: prompt.optional(),
              seconds: z.number().min(1, 'must be at least 1').max(10, 'must be at most 10').optional(),
              fps: z.number().int('must be a whole number').min(1, 'must be at least 1').max(30, 'must be at most 30').optional(),
              width: side.optional(),
              height: side.optional(),
              seed: sampling.seed,
            })
            .strict()
        : null;
    case 'text.chat':
      return can('chat')
        ? z
            .object({
              messages: z
                .array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string().min(1, 'is required').max(32000, 'must be at most 32000 characters') }).strict())
                .min(1, 'needs at least one message')
                .max(200, 'must have at most 200 messages'),
              n: choices,
              stop: stops,
              ...textParams(maxTokens),
            })
            .strict()
        : null;
    case 'text.generate':
      return can('generate')
        ? z
            .object({
              prompt: z.string().min(1, 'is required').max(32000, 'must be at most 32000 characters'),
              n: choices,
              stop: stops,
              ...textParams(maxTokens),
            })
            .strict()
        : null;
    case 'model.train':
      return can('train')
        ? z.object({ trainingKeys: z.array(key).min(1, 'needs at least one photo').max(30, 'must have at most 30 photos'), gender: z.number().int().nullable().optional() }).strict()
        : null;
    case 'avatar.generate':
      return can('avatar')
        ? z
            .object({
              trainedModelRef: z.string().min(1),
              styles: z.array(z.object({ id: z.number().int(), name: z.string(), prompt: z.string() })).min(1, 'needs at least one style').max(20),
              count: sampling.count,
              width: side.optional(),
              height: side.optional(),
              seed: sampling.seed,
              gender: z.number().int().nullable().optional(),
            })
            .strict()
        : null;
  }
}

/** Checks a task's input for its kind and model; BAD_USER_INPUT names the field under `input`. */
export function validateTaskInput(kind: TaskKindName, model: AiModel, raw: Record<string, unknown>): TaskInput {
  const clean = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v !== null));
  const nul = findNul(clean, ['input']);
  if (nul) throw badField(nul, 'must not contain NUL characters');
  const schema = schemaFor(kind, model, clean.maskKey !== undefined);
  if (!schema) {
    throw new AppError('BAD_USER_INPUT', `Model "${model.id}" cannot run ${kind} tasks${clean.maskKey ? ' with a mask' : ''} (it supports: ${model.supportedEndpoints.join(', ') || 'nothing'})`, {
      field: 'model',
      fields: [{ path: ['model'], message: `cannot run ${kind}` }],
    });
  }
  try {
    return parseInput(schema as z.ZodType<TaskInput>, clean, ['input']);
  } catch (err) {
    // Stored files are named after the input fields they came from.
    if (err instanceof AppError) {
      const ext = err.extensions as { field?: string; fields?: { path: string[] }[] };
      const rename = (s: string) => s.replace(/^(input\.)?(image|mask)Key/, '$1$2').replace(/^(input\.)?trainingKeys/, '$1photos');
      if (ext.field) ext.field = rename(ext.field);
      for (const f of ext.fields ?? []) f.path = f.path.map(rename);
      err.message = err.message.replace(/(image|mask)Key/g, '$1').replace(/trainingKeys/g, 'photos');
    }
    throw err;
  }
}

/** The tokens a text task's prompt counts for, estimated the same way for every backend. */
export function promptTokensOf(kind: TaskKindName, input: TaskInput): number {
  if (kind === 'text.chat') return (input.messages ?? []).reduce((a, m) => a + approxTokens(m.content) + 4, 0);
  return kind === 'text.generate' ? approxTokens(input.prompt ?? '') : 0;
}

/** What a task will use at most, for the hold: images, seconds of video, tokens read and written. */
export function plannedUsage(kind: TaskKindName, input: TaskInput): Usage {
  switch (kind) {
    case 'image.generate':
    case 'image.edit':
      return { images: input.count ?? 1 };
    case 'avatar.generate':
      return { images: (input.count ?? 1) * (input.styles?.length ?? 1) };
    case 'video.generate':
      return { seconds: input.seconds ?? 2 };
    case 'text.chat':
      return { tokens: promptTokensOf(kind, input) + (input.maxTokens ?? 1000) * (input.n ?? 1) };
    case 'text.generate':
      return { tokens: promptTokensOf(kind, input) + (input.maxTokens ?? 256) * (input.n ?? 1) };
    case 'model.train':
      return {};
  }
}

export const estimateCost = (model: AiModel, kind: TaskKindName, input: TaskInput) => costOf(model, plannedUsage(kind, input));

/** The path of the first string holding a NUL character (PostgreSQL cannot store one), or null. */
function findNul(v: unknown, path: string[]): string | null {
  if (typeof v === 'string') return v.includes('\u0000') ? path.join('.') : null;
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) {
      const hit = findNul(x, [...path, String(i)]);
      if (hit) return hit;
    }
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const hit = findNul(x, [...path, k]);
      if (hit) return hit;
    }
  }
  return null;
}

/** The input fields a kind accepts on a model (what a preset may fill in). */
export function inputKeys(kind: TaskKindName, model: AiModel): string[] {
  const schema = schemaFor(kind, model, false);
  return schema ? Object.keys((schema as unknown as z.ZodObject<z.ZodRawShape>).shape) : [];
}
