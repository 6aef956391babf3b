import type { Context, UserViewer } from '../../context.js';
import { AppError, badField } from '../../errors.js';
import { builder } from '../../schema/builder.js';
import { offsetPage } from '../../schema/pages.js';
import { dbId } from '../../schema/ids.js';
import type { TaskKindName } from '../../providers/types.js';
import { signedUrl, storeInputImage, type ImageSource } from '../assets/assets.service.js';
import { pageArgs } from '../credits/credits.schema.js';
import { AiModel } from '../models/models.schema.js';
import { revive, type TaskEvent, type TokenEvent } from './tasks.events.js';
import { createAndStream, type StreamEvent } from './tasks.stream.js';
import { TaskFollower } from './tasks.follow.js';
import * as tasks from './tasks.service.js';
import { inputKeys, kindName } from './tasks.validation.js';
import { getModelCached } from '../models/models.service.js';
import { visiblePreset, withPreset } from '../presets/presets.service.js';

const me = (ctx: Context) => {
  const u = (ctx.viewer as UserViewer).user;
  return { id: u.id, tier: u.tier, role: u.role };
};
const isOwnerOrAdmin = (ctx: Context, userId: number) =>
  ctx.viewer.kind === 'user' && (ctx.viewer.user.id === userId || ctx.viewer.user.role === 'admin');

export const TaskKind = builder.enumType('TaskKind', {
  values: ['image_generate', 'image_edit', 'video_generate', 'text_chat', 'text_generate', 'model_train', 'avatar_generate'] as const,
});
export const TaskStatus = builder.enumType('TaskStatus', { values: ['queued', 'running', 'succeeded', 'failed', 'canceled'] as const });
const AssetKind = builder.enumType('AssetKind', { values: ['image', 'video', 'text'] as const });

export const Asset = builder.prismaNode('Asset', {
  id: { field: 'id' },
  description: 'A stored result: an image, a video or a text. Its URLs are signed for its owner and expire.',
  fields: (t) => ({
    databaseId: t.exposeInt('id'),
    kind: t.expose('kind', { type: AssetKind }),
    mimeType: t.exposeString('mimeType'),
    fileName: t.exposeString('fileName'),
    size: t.exposeInt('size'),
    width: t.exposeInt('width', { nullable: true }),
    height: t.exposeInt('height', { nullable: true }),
    durationSec: t.exposeFloat('durationSec', { nullable: true }),
    prompt: t.exposeString('prompt', { nullable: true }),
    shortKey: t.exposeString('shortKey', { nullable: true }),
    metadata: t.expose('metadata', { type: 'JSON' }),
    url: t.string({ resolve: (a, _args, ctx) => signedUrl(ctx, a.id) }),
    thumbnailUrl: t.string({ nullable: true, resolve: (a, _args, ctx) => (a.thumbnailKey ? signedUrl(ctx, a.id, 'thumbnail') : null) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    task: t.relation('task', { nullable: true }),
  }),
  authScopes: (a, ctx) => isOwnerOrAdmin(ctx, a.userId),
});

export const Task = builder.prismaNode('Task', {
  id: { field: 'id' },
  description: 'An AI job: queued → running → succeeded | failed | canceled, with live progress.',
  fields: (t) => ({
    databaseId: t.exposeInt('id'),
    requestId: t.exposeString('requestId', { description: 'A UUID, for the legacy APIs and webhooks.' }),
    kind: t.expose('kind', { type: TaskKind }),
    kindName: t.string({ description: 'image.generate, image.edit, video.generate, text.chat, text.generate, model.train or avatar.generate.', resolve: (task) => kindName(task.kind) }),
    status: t.expose('status', { type: TaskStatus }),
    progress: t.exposeInt('progress', { description: '0–100.' }),
    progressMessage: t.exposeString('progressMessage', { nullable: true }),
    queuePosition: t.int({ nullable: true, description: 'Place in the queue while queued (1 = next).', resolve: (task, _a, ctx) => tasks.queuePosition(ctx, task) }),
    etaSeconds: t.int({ nullable: true, description: 'Estimated seconds until done, while queued or running.', resolve: (task, _a, ctx) => tasks.etaSeconds(ctx, revive(task)) }),
    model: t.relation('model', { type: AiModel } as never),
    modelId: t.exposeString('modelId'),
    input: t.expose('input', { type: 'JSON' }),
    output: t.expose('output', { type: 'JSON', nullable: true }),
    texts: t.stringList({
      description: 'Generated text, one entry per choice (text kinds).',
      resolve: (task) => ((task.output as { texts?: { text: string }[] } | null)?.texts ?? []).map((x) => x.text),
    }),
    errorCode: t.exposeString('errorCode', { nullable: true }),
    errorMessage: t.exposeString('errorMessage', { nullable: true }),
    cost: t.exposeInt('cost', { description: 'Credits: held while it runs, then what was charged: the price once it succeeded; for a canceled text task its prompt and the tokens it gave out; 0 otherwise.' }),
    attempts: t.exposeInt('attempts'),
    cancelRequested: t.boolean({ resolve: (task) => task.cancelRequestedAt !== null }),
    deadlineAt: t.expose('deadlineAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    assets: t.relation('assets', { query: { orderBy: { id: 'asc' } } }),
    retryOf: t.relation('retryOf', { nullable: true }),
  }),
  authScopes: (task, ctx) => isOwnerOrAdmin(ctx, task.userId),
});

const TaskFeedback = builder.prismaObject('TaskFeedback', {
  fields: (f) => ({
    isLike: f.exposeBoolean('isLike'),
    isDislike: f.exposeBoolean('isDislike'),
    feedback: f.exposeString('feedback', { nullable: true }),
    updatedAt: f.expose('updatedAt', { type: 'DateTime' }),
    asset: f.relation('asset', { nullable: true }),
  }),
});

const TaskPage = offsetPage<Awaited<ReturnType<typeof tasks.listTasks>>>('TaskPage', Task, 'Tasks, newest first.');

const TaskFilter = builder.inputType('TaskFilter', {
  fields: (t) => ({
    status: t.field({ type: [TaskStatus], required: false }),
    kind: t.field({ type: [TaskKind], required: false }),
    model: t.string({ required: false }),
    from: t.field({ type: 'DateTime', required: false }),
    to: t.field({ type: 'DateTime', required: false }),
  }),
});

const ImageSourceInput = builder.inputType('ImageSourceInput', {
  description: 'One of: an uploaded file, base64 or a data URI, or one of your image assets. PNG, JPEG, WebP or GIF.',
  fields: (t) => ({
    file: t.field({ type: 'File', required: false }),
    data: t.string({ required: false }),
    assetId: t.id({ required: false }),
  }),
});

const common = (t: any) => ({
  model: t.string({ required: false, description: 'A catalog model id; may come from the preset instead.' }),
  presetId: t.int({ required: false, description: 'A preset of yours or a shared one: its model and parameters, which the fields given here override.' }),
  deadlineSeconds: t.int({ required: false, description: 'Cancel the task if it has not finished this many seconds after creation.' }),
});
const samplingFields = (t: any) => ({
  prompt: t.string(),
  negativePrompt: t.string({ required: false }),
  width: t.int({ required: false }),
  height: t.int({ required: false }),
  steps: t.int({ required: false }),
  cfgScale: t.float({ required: false }),
  seed: t.float({ required: false, description: '0 to 4294967295.' }),
  sampler: t.string({ required: false }),
  count: t.int({ required: false, description: 'Images to make, 1–8.' }),
});

const GenerateImageInput = builder.inputType('GenerateImageInput', { fields: (t) => ({ ...common(t), ...samplingFields(t) }) });
const EditImageInput = builder.inputType('EditImageInput', {
  description: 'img2img (image) or inpainting (image and mask: white is repainted).',
  fields: (t) => ({
    ...common(t),
    ...samplingFields(t),
    image: t.field({ type: ImageSourceInput }),
    mask: t.field({ type: ImageSourceInput, required: false }),
    denoisingStrength: t.float({ required: false }),
  }),
});
const GenerateVideoInput = builder.inputType('GenerateVideoInput', {
  fields: (t) => ({
    ...common(t),
    image: t.field({ type: ImageSourceInput }),
    prompt: t.string({ required: false }),
    seconds: t.float({ required: false }),
    fps: t.int({ required: false }),
    width: t.int({ required: false }),
    height: t.int({ required: false }),
    seed: t.float({ required: false }),
  }),
});
const ChatRole = builder.enumType('ChatRole', { values: ['system', 'user', 'assistant'] as const });
const ChatMessageInput = builder.inputType('ChatMessageInput', { fields: (t) => ({ role: t.field({ type: ChatRole }), content: t.string() }) });
const textParams = (t: any) => ({
  maxTokens: t.int({ required: false }),
  temperature: t.float({ required: false }),
  topP: t.float({ required: false }),
  seed: t.float({ required: false }),
});
const ChatCompletionInput = builder.inputType('ChatCompletionInput', {
  fields: (t) => ({
    ...common(t),
    messages: t.field({ type: [ChatMessageInput] }),
    n: t.int({ required: false, description: 'Replies to write, 1–8 (default 1).' }),
    stop: t.stringList({ required: false, description: 'Up to 4 sequences that end a reply.' }),
    ...textParams(t),
  }),
});
const GenerateTextInput = builder.inputType('GenerateTextInput', {
  fields: (t) => ({ ...common(t), prompt: t.string(), n: t.int({ required: false }), stop: t.stringList({ required: false }), ...textParams(t) }),
});

/** Over HTTP (SSE) the request's signal: aborted the moment the client leaves. */
const requestSignal = (ctx: Context) => (ctx as Context & { request?: Request }).request?.signal;

/** A completion stream whose client leaves stops its task, charged for what the client received. */
const stopWhenLeft = (ctx: Context) => ({
  // Over HTTP (SSE) the request's signal tells at once that the client left.
  signal: requestSignal(ctx),
  onLeave: (task: { id: number }, delivered: number) =>
    tasks.stopForLeavingClient(ctx, task.id, delivered).catch((err) => ctx.log.error({ err, taskId: task.id }, 'could not stop a task whose client left')),
});

type Raw = Record<string, unknown> & { model?: string | null; presetId?: number | null; deadlineSeconds?: number | null };

async function create(ctx: Context, kind: TaskKindName, raw: Raw, idempotencyKey?: string | null, files: Record<string, ImageSource | null | undefined> = {}) {
  const { user, spec } = await prepare(ctx, kind, raw, idempotencyKey, files);
  return tasks.createTask(ctx, user, spec);
}

/** The owner and the task of a creation request: preset applied, input files stored. */
async function prepare(ctx: Context, kind: TaskKindName, raw: Raw, idempotencyKey?: string | null, files: Record<string, ImageSource | null | undefined> = {}) {
  const user = me(ctx);
  const { model: given, presetId, deadlineSeconds, image, mask, ...rest } = raw;
  let input: Record<string, unknown> = { ...rest };
  let model = given ?? null;
  if (presetId !== undefined && presetId !== null) {
    const preset = await visiblePreset(ctx, user, presetId, 'input.presetId');
    model ??= preset.modelId;
    if (model) {
      input = withPreset(preset, input, inputKeys(kind, await getModelCached(ctx, model)));
      // A chat preset's system prompt leads the conversation unless it has its own.
      const messages = input.messages as { role: string }[] | undefined;
      if (preset.systemPrompt && messages && !messages.some((m) => m.role === 'system')) input.messages = [{ role: 'system', content: preset.systemPrompt }, ...messages];
    }
  }
  if (!model) throw badField('input.model', 'is required (directly or through a preset)');
  for (const [name, src] of Object.entries(files)) {
    const source = src && { ...src, assetId: src.assetId ? dbId('Asset', src.assetId as unknown as string, `input.${name}.assetId`) : null };
    const key = await storeInputImage(ctx, user.id, source, `input.${name}`);
    if (key) input[`${name}Key`] = key;
  }
  return { user, spec: { kind, model, input, deadlineSeconds, idempotencyKey } satisfies tasks.NewTask };
}


builder.mutationFields((t) => ({
  generateImage: t.prismaField({
    type: 'Task',
    description: 'Text to image. Holds the cost until the task finishes. Honours Idempotency-Key.',
    authScopes: { permission: 'ai:write' },
    args: { input: t.arg({ type: GenerateImageInput }), idempotencyKey: t.arg.string({ required: false }) },
    resolve: (_q, _r, { input, idempotencyKey }, ctx) => create(ctx, 'image.generate', input as Raw, idempotencyKey),
  }),
  editImage: t.prismaField({
    type: 'Task',
    description: 'Image to image, or inpainting with a mask.',
    authScopes: { permission: 'ai:write' },
    args: { input: t.arg({ type: EditImageInput }), idempotencyKey: t.arg.string({ required: false }) },
    resolve: (_q, _r, { input, idempotencyKey }, ctx) =>
      create(ctx, 'image.edit', input as unknown as Raw, idempotencyKey, { image: input.image as ImageSource, mask: input.mask as ImageSource }),
  }),
  generateVideo: t.prismaField({
    type: 'Task',
    description: 'Image to video.',
    authScopes: { permission: 'ai:write' },
    args: { input: t.arg({ type: GenerateVideoInput }), idempotencyKey: t.arg.string({ required: false }) },
    resolve: (_q, _r, { input, idempotencyKey }, ctx) => create(ctx, 'video.generate', input as unknown as Raw, idempotencyKey, { image: input.image as ImageSource }),
  }),
  createChatCompletion: t.prismaField({
    type: 'Task',
    description: 'A reply to a conversation; tokens stream on taskTokens(id).',
    authScopes: { permission: 'ai:write' },
    args: { input: t.arg({ type: ChatCompletionInput }), idempotencyKey: t.arg.string({ required: false }) },
    resolve: (_q, _r, { input, idempotencyKey }, ctx) => create(ctx, 'text.chat', input as unknown as Raw, idempotencyKey),
  }),
  generateText: t.prismaField({
    type: 'Task',
    description: 'Completions of a prompt (n choices, stop sequences).',
    authScopes: { permission: 'ai:write' },
    args: { input: t.arg({ type: GenerateTextInput }), idempotencyKey: t.arg.string({ required: false }) },
    resolve: (_q, _r, { input, idempotencyKey }, ctx) => create(ctx, 'text.generate', input as unknown as Raw, idempotencyKey),
  }),
  cancelTask: t.prismaField({
    type: 'Task',
    description: 'Cancels a queued task at once, a running one at its next progress step; the hold is released.',
    authScopes: { permission: 'ai:write' },
    args: { id: t.arg.id({ description: 'Global or numeric id.' }) },
    resolve: (_q, _r, { id }, ctx) => tasks.cancelTask(ctx, me(ctx), dbId('Task', id)),
  }),
  cancelMyTasks: t.int({
    description: 'Cancels every unfinished task of yours (queued at once, running at its next step); returns how many.',
    authScopes: { permission: 'ai:write' },
    resolve: async (_r, _a, ctx) => {
      const user = me(ctx);
      const open = await ctx.prisma.task.findMany({ where: { userId: user.id, status: { in: ['queued', 'running'] }, cancelRequestedAt: null }, select: { id: true } });
      let n = 0;
      for (const { id } of open) {
        await tasks.cancelTask(ctx, user, id).then(
          () => n++,
          (err) => {
            if (!(err instanceof AppError && err.extensions.code === 'CONFLICT')) throw err;
          },
        );
      }
      return n;
    },
  }),
  retryTask: t.prismaField({
    type: 'Task',
    description: 'Runs a failed or canceled task again, as a new task.',
    authScopes: { permission: 'ai:write' },
    args: { id: t.arg.id({ description: 'Global or numeric id.' }), idempotencyKey: t.arg.string({ required: false }) },
    resolve: (_q, _r, { id, idempotencyKey }, ctx) => tasks.retryTask(ctx, me(ctx), dbId('Task', id), idempotencyKey),
  }),
  deleteTask: t.boolean({
    description: 'Deletes a finished task (its results stay in the asset library).',
    authScopes: { permission: 'ai:write' },
    args: { id: t.arg.id({ description: 'Global or numeric id.' }) },
    resolve: (_r, { id }, ctx) => tasks.deleteTask(ctx, me(ctx), dbId('Task', id)),
  }),
  rateResult: t.prismaField({
    type: TaskFeedback,
    description: 'Like, dislike or comment on a result of yours.',
    authScopes: { permission: 'ai:write' },
    args: {
      assetId: t.arg.id(),
      isLike: t.arg.boolean({ required: false }),
      isDislike: t.arg.boolean({ required: false }),
      feedback: t.arg.string({ required: false }),
    },
    resolve: (_q, _r, args, ctx) => tasks.giveFeedback(ctx, me(ctx).id, dbId('Asset', args.assetId, 'assetId'), args),
  }),
}));

builder.queryFields((t) => ({
  task: t.prismaField({
    type: 'Task',
    authScopes: { permission: 'ai:read' },
    args: { id: t.arg.id({ description: 'Global or numeric id.' }) },
    resolve: (_q, _r, { id }, ctx) => tasks.ownTask(ctx, me(ctx), dbId('Task', id)),
  }),
  taskByRequest: t.prismaField({
    type: 'Task',
    description: 'A task of yours by its request id (the UUID the legacy APIs and webhooks use).',
    authScopes: { permission: 'ai:read' },
    args: { requestId: t.arg.string() },
    resolve: async (query, _r, { requestId }, ctx) => {
      const task = /^[0-9a-f-]{36}$/i.test(requestId) ? await ctx.prisma.task.findUnique({ ...query, where: { requestId } }) : null;
      if (!task || !isOwnerOrAdmin(ctx, task.userId)) throw new AppError('NOT_FOUND', 'Task not found', { field: 'requestId' });
      return task;
    },
  }),
  tasks: t.field({
    type: TaskPage,
    description: 'Your task history, newest first (limit 1–100, default 20).',
    authScopes: { permission: 'ai:read' },
    args: { filter: t.arg({ type: TaskFilter, required: false }), offset: t.arg.int({ required: false }), limit: t.arg.int({ required: false, defaultValue: 20 }) },
    resolve: (_r, args, ctx) =>
      tasks.listTasks(ctx, me(ctx).id, { ...args.filter, kind: args.filter?.kind?.map((k) => kindName(k)) }, pageArgs(args)),
  }),
  tasksConnection: t.prismaConnection({
    type: 'Task',
    cursor: 'id',
    description: 'Your task history as a Relay connection, newest first.',
    authScopes: { permission: 'ai:read' },
    maxSize: 100,
    defaultSize: 20,
    args: { filter: t.arg({ type: TaskFilter, required: false }) },
    resolve: (query, _r, args, ctx) =>
      ctx.prisma.task.findMany({ ...query, where: tasks.whereOf(me(ctx).id, { ...args.filter, kind: args.filter?.kind?.map((k) => kindName(k)) }), orderBy: { id: 'desc' } }),
    totalCount: (_c, args, ctx) => ctx.prisma.task.count({ where: tasks.whereOf(me(ctx).id, { ...args.filter, kind: args.filter?.kind?.map((k) => kindName(k)) }) }),
  }),
  asset: t.prismaField({
    type: 'Asset',
    authScopes: { permission: 'ai:read' },
    args: { id: t.arg.id({ description: 'Global or numeric id.' }) },
    resolve: async (query, _r, { id }, ctx) => {
      const a = await ctx.prisma.asset.findUnique({ ...query, where: { id: dbId('Asset', id) } });
      if (!a || !isOwnerOrAdmin(ctx, a.userId)) throw new AppError('NOT_FOUND', 'Asset not found', { field: 'id' });
      return a;
    },
  }),
}));

const TaskEventType = builder.enumType('TaskEventType', {
  values: ['created', 'started', 'progress', 'succeeded', 'failed', 'canceled', 'retrying'] as const,
});
const TaskEventRef = builder.objectRef<TaskEvent>('TaskEvent').implement({
  fields: (t) => ({
    type: t.expose('type', { type: TaskEventType }),
    task: t.field({ type: Task, resolve: (e) => revive(e.task) }),
  }),
});
const TokenEventRef = builder.objectRef<TokenEvent>('TaskToken').implement({
  description: 'A piece of generated text.',
  fields: (t) => ({ choice: t.exposeInt('choice'), seq: t.exposeInt('seq'), delta: t.exposeString('delta') }),
});

const TaskStreamEventType = builder.enumType('TaskStreamEventType', { values: ['created', 'token', 'done'] as const });
const TaskStreamEvent = builder.objectRef<StreamEvent>('TaskStreamEvent').implement({
  description: 'created (the task), token (a piece of a choice’s text, in order), done (the finished task: succeeded, failed or canceled).',
  fields: (t) => ({
    type: t.field({ type: TaskStreamEventType, resolve: (e) => e.type }),
    choice: t.int({ nullable: true, resolve: (e) => (e.type === 'token' ? e.choice : null) }),
    delta: t.string({ nullable: true, resolve: (e) => (e.type === 'token' ? e.delta : null) }),
    task: t.field({ type: Task, nullable: true, resolve: (e) => (e.type === 'token' ? null : e.task) }),
  }),
});

builder.subscriptionFields((t) => ({
  chatCompletionStream: t.field({
    type: TaskStreamEvent,
    description:
      'Creates a text.chat task and streams it: created, its tokens in order, then done. Over graphql-ws or SSE. Leaving before done stops the task, which is then charged for its prompt and the tokens received.',
    authScopes: { permission: 'ai:write' },
    args: { input: t.arg({ type: ChatCompletionInput }), idempotencyKey: t.arg.string({ required: false }) },
    subscribe: async function* (_r, { input, idempotencyKey }, ctx) {
      const { user, spec } = await prepare(ctx, 'text.chat', input as unknown as Raw, idempotencyKey);
      yield* createAndStream(ctx, user, spec, stopWhenLeft(ctx));
    },
    resolve: (e) => e,
  }),
  textCompletionStream: t.field({
    type: TaskStreamEvent,
    description: 'Creates a text.generate task and streams it like chatCompletionStream.',
    authScopes: { permission: 'ai:write' },
    args: { input: t.arg({ type: GenerateTextInput }), idempotencyKey: t.arg.string({ required: false }) },
    subscribe: async function* (_r, { input, idempotencyKey }, ctx) {
      const { user, spec } = await prepare(ctx, 'text.generate', input as unknown as Raw, idempotencyKey);
      yield* createAndStream(ctx, user, spec, stopWhenLeft(ctx));
    },
    resolve: (e) => e,
  }),
  taskUpdated: t.field({
    type: Task,
    description: 'A task of yours now and at each change (status, progress, result), until it finishes.',
    authScopes: { permission: 'ai:read' },
    args: {
      id: t.arg.id({ description: 'Global or numeric id.' }),
      exclusive: t.arg.boolean({
        required: false,
        description: 'Only one exclusive subscription per task at a time, across every API instance: a second is CONFLICT stream_open.',
      }),
    },
    subscribe: (_r, { id, exclusive }, ctx) => new TaskFollower(ctx, me(ctx), dbId('Task', id), exclusive ?? false, requestSignal(ctx)),
    resolve: (task) => task,
  }),
  myTaskEvents: t.field({
    type: TaskEventRef,
    description: 'Every change of every task of yours.',
    authScopes: { permission: 'ai:read' },
    subscribe: (_r, _a, ctx) => ctx.pubsub.subscribe('user:tasks', me(ctx).id),
    resolve: (e) => e,
  }),
  taskTokens: t.field({
    type: TokenEventRef,
    description: 'Text of a text task of yours as it is generated; ends when the task finishes. To miss nothing, use chatReply (or subscribe before the task starts).',
    authScopes: { permission: 'ai:read' },
    args: { id: t.arg.id({ description: 'Global or numeric id.' }) },
    subscribe: async function* (_r, { id }, ctx) {
      const taskId = dbId('Task', id);
      const tokens = ctx.pubsub.subscribe('task:token', taskId);
      try {
        await tokens.ready;
        const task = await tasks.ownTask(ctx, me(ctx), taskId);
        if (tasks.FINISHED.includes(task.status)) return;
        // Ends with the task.
        for (let r = await tokens.next(); !r.done && !r.value.end; r = await tokens.next()) yield r.value;
      } finally {
        await tokens.return?.();
      }
    },
    resolve: (e) => e,
  }),
}));
