import type { Context, UserViewer } from '../../context.js';
import { builder, keyAllows } from '../../schema/builder.js';
import { offsetPage } from '../../schema/pages.js';
import { dbId } from '../../schema/ids.js';
import { pageArgs } from '../credits/credits.schema.js';
import { AiModel } from '../models/models.schema.js';
import { Preset } from '../presets/presets.schema.js';
import { Task } from '../tasks/tasks.schema.js';
import { createTask } from '../tasks/tasks.service.js';
import { createAndStream, type StreamEvent } from '../tasks/tasks.stream.js';
import * as chats from './chats.service.js';

const viewerOf = (ctx: Context) => {
  const u = (ctx.viewer as UserViewer).user;
  return { id: u.id, role: u.role, tier: u.tier };
};
const isOwnerOrAdmin = (ctx: Context, userId: number) =>
  ctx.viewer.kind === 'user' && (ctx.viewer.user.id === userId || ctx.viewer.user.role === 'admin');

/** A chat again with the fields the query selects (its model may come from its preset). */
const reload = (ctx: Context, query: object, c: { id: number }) => ctx.prisma.chat.findUniqueOrThrow({ ...query, where: { id: c.id } });

const MessageRole = builder.enumType('MessageRole', { values: ['user', 'assistant', 'system'] as const });

export const ChatMessage = builder.prismaObject('ChatMessage', {
  fields: (t) => ({
    id: t.exposeID('id'),
    databaseId: t.exposeInt('id'),
    role: t.expose('role', { type: MessageRole }),
    content: t.exposeString('content'),
    promptTokens: t.exposeInt('promptTokens', { nullable: true, description: 'Replies: tokens read.' }),
    completionTokens: t.exposeInt('completionTokens', { nullable: true, description: 'Replies: tokens written.' }),
    taskId: t.exposeInt('taskId', { nullable: true }),
    task: t.field({ type: Task, nullable: true, resolve: (m, _a, ctx) => (m.taskId ? ctx.prisma.task.findUnique({ where: { id: m.taskId } }) : null) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

export const Chat = builder.prismaNode('Chat', {
  id: { field: 'id' },
  description: 'A conversation with a text model. Messages are sent with sendChatMessage or streamed with chatReply.',
  fields: (t) => ({
    databaseId: t.exposeInt('id'),
    title: t.exposeString('title'),
    modelId: t.string({ description: 'The model replies come from (the chat’s, its preset’s, or the default).', select: { preset: { select: { modelId: true } } }, resolve: (c) => c.modelId ?? c.preset?.modelId ?? chats.DEFAULT_CHAT_MODEL }),
    model: t.field({ type: AiModel, nullable: true, select: { preset: { select: { modelId: true } } }, resolve: (c, _a, ctx) => ctx.prisma.aiModel.findUnique({ where: { id: c.modelId ?? c.preset?.modelId ?? chats.DEFAULT_CHAT_MODEL } }) }),
    preset: t.relation('preset', { nullable: true }),
    systemPrompt: t.exposeString('systemPrompt', { nullable: true }),
    messages: t.relation('messages', {
      description: 'Oldest first (limit 1–100, default 50).',
      args: { offset: t.arg.int({ required: false }), limit: t.arg.int({ required: false, defaultValue: 50 }) },
      query: (args) => {
        const page = pageArgs({ offset: args.offset, limit: args.limit ?? 50 }, 50);
        return { orderBy: { id: 'asc' }, skip: page.offset, take: page.limit };
      },
    }),
    messageCount: t.relationCount('messages'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
  // Objects reached by node(id) too: an API key also needs a permission of this domain.
  authScopes: (c, ctx) => isOwnerOrAdmin(ctx, c.userId) && keyAllows(ctx, 'chats:read', 'chats:write'),
});

const ChatPage = offsetPage<Awaited<ReturnType<typeof chats.listChats>>>('ChatPage', Chat, 'Chats, most recently active first.');

const ChatInput = builder.inputType('ChatInput', {
  fields: (t) => ({
    title: t.string({ required: false }),
    model: t.string({ required: false, description: 'A catalog model that can chat; default: the preset’s, else minimax.' }),
    presetId: t.int({ required: false }),
    systemPrompt: t.string({ required: false }),
  }),
});
const ChatSendOptions = builder.inputType('ChatSendOptions', {
  description: 'Override the preset’s parameters for one reply.',
  fields: (t) => ({
    maxTokens: t.int({ required: false }),
    temperature: t.float({ required: false }),
    topP: t.float({ required: false }),
    seed: t.float({ required: false }),
  }),
});

const ChatSent = builder.objectRef<{ message: any; task: any }>('ChatSent').implement({
  fields: (t) => ({
    message: t.field({ type: ChatMessage, description: 'Your message, as stored.', resolve: (s) => s.message }),
    task: t.field({ type: Task, description: 'The task writing the reply; its tokens stream on taskTokens(id).', resolve: (s) => s.task }),
  }),
});

const ChatStreamEventType = builder.enumType('ChatStreamEventType', { values: ['created', 'token', 'done'] as const });
type ChatStreamItem = StreamEvent & { message?: unknown };
const ChatStreamEvent = builder.objectRef<ChatStreamItem>('ChatStreamEvent').implement({
  description: 'created (with the task), then token (a piece of the reply), then done (with the stored reply, or the failed task).',
  fields: (t) => ({
    type: t.field({ type: ChatStreamEventType, resolve: (e) => e.type }),
    delta: t.string({ nullable: true, resolve: (e) => (e.type === 'token' ? e.delta : null) }),
    task: t.field({ type: Task, nullable: true, resolve: (e) => (e.type === 'token' ? null : e.task) }),
    message: t.field({ type: ChatMessage, nullable: true, description: 'On done: the stored reply.', resolve: (e) => (e.message as never) ?? null }),
  }),
});

builder.queryFields((t) => ({
  chats: t.field({
    type: ChatPage,
    description: 'Your chats (offset, limit 1–100, default 10).',
    authScopes: { permission: 'chats:read' },
    args: { offset: t.arg.int({ required: false }), limit: t.arg.int({ required: false, defaultValue: 10 }) },
    resolve: (_r, args, ctx) => chats.listChats(ctx, viewerOf(ctx).id, pageArgs(args, 10)),
  }),
  chatsConnection: t.prismaConnection({
    type: 'Chat',
    cursor: 'id',
    description: 'Your chats as a Relay connection, newest first.',
    authScopes: { permission: 'chats:read' },
    maxSize: 100,
    defaultSize: 20,
    resolve: (query, _r, _a, ctx) => ctx.prisma.chat.findMany({ ...query, where: { userId: viewerOf(ctx).id }, orderBy: { id: 'desc' } }),
    totalCount: (_c, _a, ctx) => ctx.prisma.chat.count({ where: { userId: viewerOf(ctx).id } }),
  }),
  chat: t.prismaField({
    type: 'Chat',
    authScopes: { permission: 'chats:read' },
    args: { id: t.arg.id({ description: 'Global or numeric id.' }) },
    resolve: async (query, _r, { id }, ctx) => reload(ctx, query, await chats.ownChat(ctx, viewerOf(ctx), dbId('Chat', id))),
  }),
}));

builder.mutationFields((t) => ({
  createChat: t.prismaField({
    type: 'Chat',
    authScopes: { permission: 'chats:write' },
    args: { input: t.arg({ type: ChatInput, required: false }) },
    resolve: async (query, _r, { input }, ctx) => reload(ctx, query, await chats.createChat(ctx, viewerOf(ctx), (input ?? {}) as chats.ChatInput)),
  }),
  updateChat: t.prismaField({
    type: 'Chat',
    description: 'Changes the given fields (null clears model, preset or system prompt).',
    authScopes: { permission: 'chats:write' },
    args: { id: t.arg.id({ description: 'Global or numeric id.' }), input: t.arg({ type: ChatInput }) },
    resolve: async (query, _r, { id, input }, ctx) => reload(ctx, query, await chats.updateChat(ctx, viewerOf(ctx), dbId('Chat', id), input as chats.ChatInput)),
  }),
  deleteChat: t.boolean({
    description: 'Deletes a chat and its messages (its tasks stay in your history).',
    authScopes: { permission: 'chats:write' },
    args: { id: t.arg.id({ description: 'Global or numeric id.' }) },
    resolve: (_r, { id }, ctx) => chats.deleteChat(ctx, viewerOf(ctx), dbId('Chat', id)),
  }),
  sendChatMessage: t.field({
    type: ChatSent,
    description: 'Adds your message and starts the reply (a text.chat task, charged like any). The reply is stored when the task succeeds.',
    authScopes: { permission: 'chats:write' },
    args: {
      chatId: t.arg.id({ description: 'Global or numeric id.' }),
      content: t.arg.string(),
      options: t.arg({ type: ChatSendOptions, required: false }),
      idempotencyKey: t.arg.string({ required: false }),
    },
    resolve: async (_r, args, ctx) => {
      const user = viewerOf(ctx);
      const spec = await chats.replySpec(ctx, user, dbId('Chat', args.chatId, 'chatId'), args.content, args.options ?? {});
      const task = await createTask(ctx, user, { ...spec, idempotencyKey: args.idempotencyKey });
      const [message] = await chats.messagesOfTask(ctx, task.id);
      return { message, task };
    },
  }),
}));

builder.subscriptionFields((t) => ({
  chatReply: t.field({
    type: ChatStreamEvent,
    description: 'Sends your message and streams the reply: created, then its tokens in order, then done with the stored reply. Also over SSE.',
    authScopes: { permission: 'chats:write' },
    args: {
      chatId: t.arg.id({ description: 'Global or numeric id.' }),
      content: t.arg.string(),
      options: t.arg({ type: ChatSendOptions, required: false }),
      idempotencyKey: t.arg.string({ required: false }),
    },
    subscribe: async function* (_r, args, ctx) {
      const user = viewerOf(ctx);
      const spec = await chats.replySpec(ctx, user, dbId('Chat', args.chatId, 'chatId'), args.content, args.options ?? {});
      for await (const e of createAndStream(ctx, user, { ...spec, idempotencyKey: args.idempotencyKey })) {
        if (e.type !== 'done') yield e;
        else yield { ...e, message: (await chats.messagesOfTask(ctx, e.task.id)).find((m) => m.role === 'assistant') ?? null };
      }
    },
    resolve: (e) => e as ChatStreamItem,
  }),
}));
