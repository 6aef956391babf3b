// Chats: conversations with a text model. Sending a message stores it together with a text.chat
// task (one statement); the worker stores the reply and its token usage when the task succeeds
// (one statement too), so a chat never holds a half-written exchange.
import { z } from 'zod';
import type { Context, Deps } from '../../context.js';
import { AppError, badField, parseInput } from '../../errors.js';
import type { Chat, Preset } from '../../generated/prisma/client.js';
import type { Tier } from '../limits/tiers.js';
import { visiblePreset } from '../presets/presets.service.js';
import type { NewTask } from '../tasks/tasks.service.js';

export type Viewer = { id: number; role: string; tier: Tier };

/** Seed 004's default chat model. */
export const DEFAULT_CHAT_MODEL = 'minimax';
/** Messages of history sent with each new message. */
const HISTORY = 100;

const fields = {
  title: z.string().trim().min(1, 'is required').max(200, 'must be at most 200 characters'),
  model: z.string().min(1).max(100).nullable(),
  presetId: z.number().int().nullable(),
  systemPrompt: z.string().max(8000, 'must be at most 8000 characters').nullable(),
};
const createSchema = z.object({ title: fields.title.optional(), model: fields.model.optional(), presetId: fields.presetId.optional(), systemPrompt: fields.systemPrompt.optional() });
export type ChatInput = z.input<typeof createSchema>;

const notFound = (field = 'id') => new AppError('NOT_FOUND', 'Chat not found', { field });

/** A chat of the viewer (admins: any), or NOT_FOUND. */
export async function ownChat(deps: Pick<Deps, 'prisma'>, viewer: { id: number; role: string }, id: number, field = 'id'): Promise<Chat> {
  const chat = await deps.prisma.chat.findUnique({ where: { id } });
  if (!chat || (chat.userId !== viewer.id && viewer.role !== 'admin')) throw notFound(field);
  return chat;
}

async function checkSettings(deps: Pick<Deps, 'prisma'>, viewer: Viewer, input: ChatInput) {
  if (input.model) {
    const m = await deps.prisma.aiModel.findUnique({ where: { id: input.model } });
    if (!m || !m.enabled) throw badField('input.model', `unknown model "${input.model}"`);
    if (!m.supportedEndpoints.includes('chat')) throw badField('input.model', `model "${input.model}" cannot chat`);
  }
  if (input.presetId !== undefined && input.presetId !== null) await visiblePreset(deps, viewer, input.presetId, 'input.presetId');
}

export async function createChat(deps: Pick<Deps, 'prisma'>, viewer: Viewer, raw: ChatInput): Promise<Chat> {
  const input = parseInput(createSchema, raw, ['input']);
  await checkSettings(deps, viewer, input);
  return deps.prisma.chat.create({
    data: { userId: viewer.id, title: input.title ?? 'New chat', modelId: input.model ?? null, presetId: input.presetId ?? null, systemPrompt: input.systemPrompt ?? null },
  });
}

export async function updateChat(deps: Pick<Deps, 'prisma'>, viewer: Viewer, id: number, raw: ChatInput): Promise<Chat> {
  const input = parseInput(createSchema, raw, ['input']);
  await ownChat(deps, viewer, id);
  await checkSettings(deps, viewer, input);
  return deps.prisma.chat.update({
    where: { id },
    data: {
      ...(input.title !== undefined ? { title: input.title } : {}),
      ...(input.model !== undefined ? { modelId: input.model } : {}),
      ...(input.presetId !== undefined ? { presetId: input.presetId } : {}),
      ...(input.systemPrompt !== undefined ? { systemPrompt: input.systemPrompt } : {}),
    },
  });
}

/** Deletes a chat and its messages; its tasks stay in the history. */
export async function deleteChat(deps: Pick<Deps, 'prisma'>, viewer: Viewer, id: number): Promise<boolean> {
  await ownChat(deps, viewer, id);
  await deps.prisma.chat.delete({ where: { id } });
  return true;
}

export async function listChats(deps: Pick<Deps, 'prisma'>, userId: number, page: { offset: number; limit: number }) {
  const where = { userId };
  const [items, total] = await Promise.all([
    deps.prisma.chat.findMany({ where, orderBy: [{ updatedAt: 'desc' }, { id: 'desc' }], skip: page.offset, take: page.limit }),
    deps.prisma.chat.count({ where }),
  ]);
  return { items, total, ...page };
}

export interface SendOptions {
  maxTokens?: number | null;
  temperature?: number | null;
  topP?: number | null;
  seed?: number | null;
}

const content = z.string().refine((s) => s.trim().length > 0, 'is required').refine((s) => s.length <= 32000, 'must be at most 32000 characters');

/**
 * The text.chat task that answers `text` in a chat: the chat's model (or its preset's, or the
 * default), its system prompt, recent history, and parameters from the preset overridden by
 * `options`. The new message is stored with the task.
 */
export async function replySpec(deps: Pick<Deps, 'prisma'>, viewer: Viewer, chatId: number, text: string, options: SendOptions = {}): Promise<NewTask> {
  const message = parseInput(content, text, ['content']);
  const chat = await ownChat(deps, viewer, chatId, 'chatId');
  const preset: Preset | null = chat.presetId ? await deps.prisma.preset.findUnique({ where: { id: chat.presetId } }) : null;
  const history = (await deps.prisma.chatMessage.findMany({ where: { chatId }, orderBy: { id: 'desc' }, take: HISTORY, select: { role: true, content: true } })).reverse();
  const system = chat.systemPrompt ?? preset?.systemPrompt ?? null;
  const params = (preset?.parameters ?? {}) as Record<string, unknown>;
  const pick = (k: keyof SendOptions) => options[k] ?? (params[k] as number | undefined) ?? undefined;
  return {
    kind: 'text.chat',
    model: chat.modelId ?? preset?.modelId ?? DEFAULT_CHAT_MODEL,
    input: {
      messages: [...(system ? [{ role: 'system', content: system }] : []), ...history.filter((m) => m.content.length > 0).map((m) => ({ role: m.role, content: m.content })), { role: 'user', content: message }],
      maxTokens: pick('maxTokens'),
      temperature: pick('temperature'),
      topP: pick('topP'),
      seed: pick('seed'),
    },
    chatId,
    userMessage: message,
    source: 'chat',
  };
}

/** The messages a task stored in its chat: the user's, and the reply once it succeeded. */
export function messagesOfTask(deps: Pick<Deps, 'prisma'>, taskId: number) {
  return deps.prisma.chatMessage.findMany({ where: { taskId }, orderBy: { id: 'asc' } });
}

export type SendContext = Deps & Partial<Pick<Context, 'meta' | 'rate' | 'viewer'>>;
