// Tasks: creation (validated input, rate limits and quotas, a credit hold, all in one
// transaction), cancel, retry, delete, history and queue position. Running them is
// tasks.worker.ts.
import type { Context, Deps } from '../../context.js';
import { AppError, badField, notFound } from '../../errors.js';
import { tickBatcher } from '../../lib/batch.js';
import { isUnavailable } from '../../lib/prisma-errors.js';
import { Prisma, type Task, type TaskStatus } from '../../generated/prisma/client.js';
import type { TaskInput, TaskKindName } from '../../providers/types.js';
import * as credits from '../credits/credits.service.js';
import { idempotent } from '../idempotency/idempotency.service.js';
import { consumeAiRequest } from '../limits/limits.service.js';
import type { Tier } from '../limits/tiers.js';
import { costOf, getModelCached } from '../models/models.service.js';
import { hookIdsSql } from '../webhooks/webhooks.service.js';
import { publishTask } from './tasks.events.js';
import { dbKind, estimateCost, kindName, promptTokensOf, validateTaskInput } from './tasks.validation.js';

export const FINISHED: TaskStatus[] = ['succeeded', 'failed', 'canceled'];

export interface NewTask {
  kind: TaskKindName;
  model: string;
  /** Raw input: checked here for the kind and model. */
  input: Record<string, unknown>;
  /** Seconds from creation after which the task is canceled. */
  deadlineSeconds?: number | null;
  idempotencyKey?: string | null;
  source?: string;
  chatId?: number | null;
  orderId?: number | null;
  retryOfId?: number | null;
  /** A chat's new user message, stored with the task (same statement). */
  userMessage?: string | null;
  /** Called (and awaited) once a new task is committed and before it is queued (e.g. to listen for its tokens); not for a replay. */
  beforeQueue?: (task: Task) => void | Promise<void>;
}

type Owner = { id: number; tier: Tier };

/** Creates a task for `user`: validates, counts the AI request, holds the cost and queues it. */
export async function createTask(ctx: Deps & Partial<Pick<Context, 'meta' | 'rate' | 'viewer'>>, user: Owner, spec: NewTask): Promise<Task> {
  const model = await getModelCached(ctx, spec.model);
  if (!ctx.registry.resolve(model)) {
    throw new AppError('BAD_USER_INPUT', `Model "${model.id}" has no backend configured`, { field: 'model', reason: 'model_unavailable' });
  }
  const input = validateTaskInput(spec.kind, model, spec.input);
  const deadline = spec.deadlineSeconds ?? ctx.config.TASK_DEADLINE;
  if (!Number.isInteger(deadline) || deadline < 1 || deadline > 7 * 86400) throw badField('deadlineSeconds', 'must be between 1 and 604800');
  const cost = estimateCost(model, spec.kind, input);
  const apiKeyId = ctx.viewer?.kind === 'user' ? (ctx.viewer.apiKey?.id ?? null) : null;

  const counted = await consumeAiRequest(ctx, user);
  if (ctx.rate && counted.rate) ctx.rate.state = counted.rate;

  let created: Task | null = null;
  const { taskId } = await idempotent(
    ctx,
    {
      operation: `createTask:${spec.kind}`,
      userId: user.id,
      key: spec.idempotencyKey,
      input: { model: model.id, input, deadline: spec.deadlineSeconds ?? null, chatId: spec.chatId ?? null, orderId: spec.orderId ?? null, retryOf: spec.retryOfId ?? null, message: spec.userMessage ?? null },
    },
    async (db) => {
      // Outside a transaction (no idempotency key), creations of the same moment share a statement.
      const row = await (db.prisma === ctx.prisma ? insertBatched : insertTaskWithHold)(db, {
        userId: user.id,
        apiKeyId,
        kind: dbKind(spec.kind),
        modelId: model.id,
        input,
        cost,
        source: spec.source ?? 'graphql',
        chatId: spec.chatId ?? null,
        orderId: spec.orderId ?? null,
        retryOfId: spec.retryOfId ?? null,
        userMessage: spec.userMessage ?? null,
        deadlineAt: new Date(Date.now() + deadline * 1000),
        reason: `${spec.kind} on ${model.id}`,
      });
      if (!row) throw credits.insufficientCredits(cost, (await credits.balanceOf(db, user.id)).available);
      created = row;
      return { taskId: row.id };
    },
  );
  // A replayed key returns the task it created then, as it is now.
  const fresh = (created as Task | null) !== null;
  if (fresh) ctx.metrics?.taskCreated(spec.kind);
  const task = created ?? (await ctx.prisma.task.findUniqueOrThrow({ where: { id: taskId } }));
  // Queued after the commit; a crash in between leaves a queued task that the sweeper re-queues.
  if (task.status === 'queued') {
    // Only the request that made the task follows it from here (a replay is not its owner's stream).
    if (fresh) await spec.beforeQueue?.(task);
    // Announced before it is queued, so no worker's "started" can overtake "created".
    publishTask(ctx, 'created', task);
    // The task is committed: if the queue is unreachable now, the sweeper queues it later.
    await ctx.queue.add(String(task.id)).catch((err: Error) => ctx.log.warn({ err: err.message, taskId: task.id }, 'queueing a task failed; the sweeper will retry'));
  }
  return task;
}

/** The columns of a task under their Prisma names, for raw statements that return tasks. */
export const TASK_COLUMNS = Prisma.sql`id, request_id AS "requestId", user_id AS "userId", api_key_id AS "apiKeyId", kind::text AS kind,
  model_id AS "modelId", status::text AS status, input, output, progress, progress_message AS "progressMessage",
  error_code AS "errorCode", error_message AS "errorMessage", cost, hold_id AS "holdId", attempts, source,
  provider_job_id AS "providerJobId", chat_id AS "chatId", order_id AS "orderId", retry_of_id AS "retryOfId",
  deadline_at AS "deadlineAt", cancel_requested_at AS "cancelRequestedAt", delivered_tokens AS "deliveredTokens", created_at AS "createdAt",
  started_at AS "startedAt", finished_at AS "finishedAt", updated_at AS "updatedAt"`;

interface TaskRow {
  userId: number;
  apiKeyId: string | null;
  kind: string;
  modelId: string;
  input: TaskInput;
  cost: number;
  source: string;
  chatId: number | null;
  orderId: number | null;
  retryOfId: number | null;
  userMessage: string | null;
  deadlineAt: Date;
  reason: string;
}

/**
 * Inserts tasks and, for those that cost something, their credit holds and the holds' ledger
 * entries: one statement, so a task exists only with its credits reserved. Answers by the
 * index of each row; a row left out had a balance too short for it.
 *
 * Rows of one owner are taken in order while the balance covers them (the balance is read once,
 * locked, and changed once by their sum); each ledger entry records the balance after it.
 * Accounts are locked in user order, as finishSucceededMany does, so batches wait for each other
 * instead of deadlocking.
 */
async function insertTasksWithHolds(db: Pick<Deps, 'prisma'>, rows: TaskRow[]): Promise<Map<number, Task>> {
  const x = rows.map((r, n) => ({
    n,
    user_id: r.userId,
    api_key_id: r.apiKeyId,
    kind: r.kind,
    model_id: r.modelId,
    input: r.input,
    cost: r.cost,
    source: r.source,
    chat_id: r.chatId,
    order_id: r.orderId,
    retry_of_id: r.retryOfId,
    deadline_at: r.deadlineAt.toISOString(),
    reason: 'Task: ' + r.reason,
    user_message: r.userMessage,
  }));
  const out = await db.prisma.$queryRaw<(Task & { n: number })[]>`
    WITH x AS MATERIALIZED (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(x)}::jsonb) AS x(n int, user_id int, api_key_id text, kind text, model_id text, input jsonb, cost int,
        source text, chat_id int, order_id int, retry_of_id int, deadline_at timestamp(3), reason text, user_message text)
    ), lk AS MATERIALIZED (
      SELECT user_id, available, reserved FROM credit_accounts WHERE user_id IN (SELECT user_id FROM x WHERE cost > 0) ORDER BY user_id FOR NO KEY UPDATE
    ), paid AS MATERIALIZED (
      SELECT x.n, lk.available - sum(x.cost) OVER w AS available_after, lk.reserved + sum(x.cost) OVER w AS reserved_after
      FROM x JOIN lk ON lk.user_id = x.user_id WHERE x.cost > 0
      WINDOW w AS (PARTITION BY x.user_id ORDER BY x.n)
    ), ok AS MATERIALIZED (
      SELECT x.*, p.available_after, p.reserved_after, CASE WHEN x.cost > 0 THEN nextval('credit_holds_id_seq') END AS hold_id, nextval('tasks_id_seq') AS task_id
      FROM x LEFT JOIN paid p ON p.n = x.n
      WHERE x.cost = 0 OR p.available_after >= 0
      ORDER BY x.n
    ), acc AS (
      UPDATE credit_accounts a SET available = a.available - s.total, reserved = a.reserved + s.total, updated_at = now()
      FROM (SELECT user_id, sum(cost) AS total FROM ok WHERE cost > 0 GROUP BY user_id) s WHERE a.user_id = s.user_id
    ), h AS (
      INSERT INTO credit_holds (id, user_id, amount, reason) SELECT hold_id, user_id, cost, reason FROM ok WHERE hold_id IS NOT NULL ORDER BY n
    ), t AS (
      INSERT INTO tasks (id, request_id, user_id, api_key_id, kind, model_id, input, cost, source, chat_id, order_id, retry_of_id, deadline_at, progress_message, hold_id, updated_at)
      SELECT task_id, gen_random_uuid()::text, user_id, api_key_id, kind::"TaskKind", model_id, input, cost, source, chat_id, order_id, retry_of_id, deadline_at,
             'Queued', hold_id, now()
      FROM ok ORDER BY n
      RETURNING *
    ), e AS (
      INSERT INTO credit_entries (user_id, kind, amount, reserved_delta, balance_after, reserved_after, hold_id, reason, task_id)
      SELECT user_id, 'hold'::"CreditEntryKind", -cost, cost, available_after, reserved_after, hold_id, reason, task_id FROM ok WHERE hold_id IS NOT NULL ORDER BY n
    ), m AS (
      INSERT INTO chat_messages (chat_id, role, content, task_id)
      SELECT chat_id, 'user'::"MessageRole", user_message, task_id FROM ok WHERE chat_id IS NOT NULL AND user_message IS NOT NULL ORDER BY n
    ), c AS (
      UPDATE chats SET updated_at = now()
      FROM (SELECT id FROM chats WHERE id IN (SELECT chat_id FROM ok WHERE user_message IS NOT NULL) ORDER BY id FOR NO KEY UPDATE) l
      WHERE chats.id = l.id
    )
    SELECT ${TASK_COLUMNS}, (SELECT ok.n FROM ok WHERE ok.task_id = t.id) AS n FROM t`;
  return new Map(out.map(({ n, ...task }) => [n, task]));
}

/** One task with its hold (insertTasksWithHolds); null when the balance is short. */
const insertTaskWithHold = async (db: Pick<Deps, 'prisma'>, r: TaskRow): Promise<Task | null> => (await insertTasksWithHolds(db, [r])).get(0) ?? null;

/**
 * insertTaskWithHold for a busy API instance: the tasks created in one turn of the event loop
 * outside a transaction are inserted by one statement, and while one such statement runs the
 * next creations gather into the next one (one in flight: the statement's cost is mostly fixed).
 * A row the batch leaves out (the balance did not cover it after the others of its owner) is
 * tried again on its own, so it is refused only when the balance is short for it alone.
 */
const batchedInserts = new WeakMap<Deps['prisma'], (r: TaskRow) => Promise<Task | null>>();
function insertBatched(db: Pick<Deps, 'prisma'>, r: TaskRow): Promise<Task | null> {
  let insert = batchedInserts.get(db.prisma);
  if (!insert) {
    let seq = 0;
    // A row left out of a statement of its own was short: 'short', not tried again.
    const batch = tickBatcher<{ k: number; row: TaskRow }, Task | 'short'>(
      (i) => i.k,
      async (items) => {
        const byIndex = await insertTasksWithHolds(db, items.map((i) => i.row));
        if (items.length === 1) return new Map([[items[0]!.k, byIndex.get(0) ?? 'short']]);
        return new Map([...byIndex].map(([n, task]) => [items[n]!.k, task]));
      },
      // Inserted again one by one only when the database refused the statement (nothing was
      // written); a lost connection leaves its outcome unknown, and every caller gets the error.
      { alone: (err) => err instanceof Prisma.PrismaClientKnownRequestError && !isUnavailable(err), inFlight: 1 },
    );
    insert = async (row) => {
      const got = await batch({ k: seq++, row });
      return got === 'short' ? null : (got ?? insertTaskWithHold(db, row));
    };
    batchedInserts.set(db.prisma, insert);
  }
  return insert(r);
}

/** A task of this user (admins: any task), or NOT_FOUND: other users' tasks do not exist for them. */
export async function ownTask(ctx: Pick<Deps, 'prisma'>, viewer: { id: number; role?: string }, id: number): Promise<Task> {
  const task = await ctx.prisma.task.findUnique({ where: { id } });
  if (!task || (task.userId !== viewer.id && viewer.role !== 'admin')) throw new AppError('NOT_FOUND', 'Task not found', { field: 'id' });
  return task;
}

/**
 * Ends a task that has not finished as failed or canceled, releasing its hold in the same
 * transaction. Returns the task, or null when it had already finished (the caller lost a race
 * and must change nothing). Success is finishSucceededMany.
 */
export async function finishTask(
  deps: Pick<Deps, 'prisma'>,
  id: number,
  outcome: { status: 'failed' | 'canceled'; errorCode: string; errorMessage: string },
  from: TaskStatus[] = ['queued', 'running'],
  /** Completion tokens this run of a text task had produced when it stopped. */
  produced = 0,
): Promise<Task | null> {
  return deps.prisma.$transaction(
    async (tx) => {
      const [task] = await tx.task.updateManyAndReturn({
        where: { id, status: { in: from } },
        data: {
          status: outcome.status,
          errorCode: outcome.errorCode,
          errorMessage: outcome.errorMessage.slice(0, 2000),
          progressMessage: outcome.status === 'canceled' ? 'Canceled' : 'Failed',
          cost: 0,
          finishedAt: new Date(),
        },
      });
      if (!task) return null;
      const db = { prisma: tx as unknown as Deps['prisma'] };
      // A canceled text task pays for its prompt and the tokens it gave out: those its client
      // received when the client left, else (a cancel, a deadline) those produced. None: no charge.
      const given = task.deliveredTokens ?? produced;
      const partial = outcome.status === 'canceled' && given > 0 ? await partialCharge(db, task, given) : null;
      if (task.holdId !== null) await credits.settle(db, task.holdId, partial ? 'capture' : 'release', partial?.spend, task.id);
      if (!partial) return task;
      const usage = { promptTokens: partial.promptTokens, completionTokens: partial.completionTokens };
      await tx.usageRecord.create({
        data: {
          userId: task.userId, apiKeyId: task.apiKeyId, taskId: task.id, modelId: task.modelId, endpoint: kindName(task.kind),
          promptTokens: usage.promptTokens, completionTokens: usage.completionTokens, totalTokens: usage.promptTokens + usage.completionTokens, units: 0, cost: partial.spend,
        },
      });
      return tx.task.update({ where: { id }, data: { cost: partial.spend, output: { usage, delivered: true } } });
    },
    { maxWait: 30_000, timeout: 60_000 },
  );
}

/** The charge of a canceled text task for its prompt and `completionTokens`; never more than was held. */
async function partialCharge(db: Pick<Deps, 'prisma'>, task: Task, completionTokens: number) {
  const kind = kindName(task.kind);
  if ((kind !== 'text.chat' && kind !== 'text.generate') || task.holdId === null) return null;
  const model = await db.prisma.aiModel.findUniqueOrThrow({ where: { id: task.modelId } });
  const promptTokens = promptTokensOf(kind, task.input as TaskInput);
  const hold = await db.prisma.creditHold.findUniqueOrThrow({ where: { id: task.holdId }, select: { amount: true } });
  return { promptTokens, completionTokens, spend: Math.min(costOf(model, { tokens: promptTokens + completionTokens }), hold.amount) };
}

export interface Success {
  spend: number;
  output: Prisma.InputJsonValue;
  providerJobId?: string | null;
  assets: Prisma.AssetCreateManyInput[];
  usage: { endpoint: string; promptTokens: number; completionTokens: number; units: number };
  /** A chat task's reply, stored as the chat's assistant message. */
  chatReply?: string | null;
  /** A training task's result, kept as the order's trained model. */
  trainedModel?: { provider: string; ref: string; metadata: Prisma.InputJsonValue } | null;
}

export interface Finished {
  task: Task;
  /** The assets stored with it, in the order of the result's outputs. */
  assets: { id: number; kind: string; mimeType: string }[];
  /** The owner's webhooks for "ai.task.completed". */
  completedHooks: string[];
}

/**
 * Finishes running tasks as succeeded, all in one statement: each task row, the capture of its
 * hold (spending at most what was held, the rest back to the balance) with its ledger entry, its
 * assets and its usage record. A task no longer running, or whose cancel was asked, is left out
 * of the answer and nothing of it is written (its caller lost a race).
 *
 * The owners' balances change once per owner (holds of one owner summed), and each ledger entry
 * records the balance after it as if the captures had been made one by one in hold order.
 * Accounts are locked in user order, so two batches sharing owners wait for each other instead of
 * deadlocking.
 */
export async function finishSucceededMany(deps: Pick<Deps, 'prisma'>, items: { id: number; success: Success }[]): Promise<Map<number, Finished>> {
  const rows = items.map(({ id, success: s }) => ({
    id,
    spend: s.spend,
    output: s.output,
    provider_job_id: s.providerJobId ?? null,
    endpoint: s.usage.endpoint,
    prompt_tokens: s.usage.promptTokens,
    completion_tokens: s.usage.completionTokens,
    units: s.usage.units,
    chat_reply: s.chatReply ?? null,
    tm_provider: s.trainedModel?.provider ?? null,
    tm_ref: s.trainedModel?.ref ?? null,
    tm_metadata: s.trainedModel?.metadata ?? {},
    assets: s.assets.map((a) => ({
      kind: a.kind,
      storage_key: a.storageKey,
      short_key: a.shortKey ?? null,
      file_name: a.fileName,
      mime_type: a.mimeType,
      size: a.size,
      width: a.width ?? null,
      height: a.height ?? null,
      duration_sec: a.durationSec ?? null,
      thumbnail_key: a.thumbnailKey ?? null,
      prompt: a.prompt ?? null,
      metadata: a.metadata ?? {},
    })),
  }));
  const out = await deps.prisma.$queryRaw<(Task & { finishedAssets: Finished['assets']; completedHooks: string[] })[]>`
    WITH x AS MATERIALIZED (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(id int, spend numeric, output jsonb, provider_job_id text, endpoint text,
        prompt_tokens numeric, completion_tokens numeric, units numeric, chat_reply text, tm_provider text, tm_ref text, tm_metadata jsonb, assets jsonb)
    ), t AS (
      UPDATE tasks SET status = 'succeeded', progress = 100, progress_message = 'Done', output = x.output, cost = x.spend, finished_at = now(),
             updated_at = now(), provider_job_id = COALESCE(x.provider_job_id, tasks.provider_job_id)
      FROM x WHERE tasks.id = x.id AND tasks.id = ANY(${items.map((i) => i.id)}::int[]) AND tasks.status = 'running' AND tasks.cancel_requested_at IS NULL
      RETURNING tasks.*, x.endpoint, x.prompt_tokens, x.completion_tokens, x.units, x.chat_reply, x.tm_provider, x.tm_ref, x.tm_metadata, x.assets AS new_assets
    ), h AS (
      UPDATE credit_holds SET status = 'captured', settled_at = now(), captured = LEAST(credit_holds.amount, t.cost)
      FROM t WHERE credit_holds.id = t.hold_id AND credit_holds.status = 'held'
      RETURNING credit_holds.id, credit_holds.user_id, credit_holds.amount, credit_holds.captured, t.id AS task_id
    ), s AS (
      SELECT user_id, sum(amount - captured)::int AS back, sum(amount)::int AS amount FROM h GROUP BY user_id
    ), acc AS (
      UPDATE credit_accounts a SET available = a.available + z.back, reserved = a.reserved - z.amount, updated_at = now()
      FROM (SELECT l.user_id, s.back, s.amount
            FROM (SELECT user_id FROM credit_accounts WHERE user_id IN (SELECT user_id FROM s) ORDER BY user_id FOR NO KEY UPDATE) l
            JOIN s ON s.user_id = l.user_id) z
      WHERE a.user_id = z.user_id
      RETURNING a.user_id, a.available, a.reserved
    ), e AS (
      INSERT INTO credit_entries (user_id, kind, amount, reserved_delta, balance_after, reserved_after, hold_id, task_id)
      SELECT h.user_id, 'capture'::"CreditEntryKind", h.amount - h.captured, -h.amount,
             acc.available - coalesce(sum(h.amount - h.captured) OVER later, 0), acc.reserved + coalesce(sum(h.amount) OVER later, 0), h.id, h.task_id
      FROM h JOIN acc ON acc.user_id = h.user_id
      WINDOW later AS (PARTITION BY h.user_id ORDER BY h.id ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)
      ORDER BY h.id
    ), a AS (
      INSERT INTO assets (user_id, task_id, kind, storage_key, short_key, file_name, mime_type, size, width, height, duration_sec, thumbnail_key, prompt, metadata)
      SELECT t.user_id, t.id, y.kind::"AssetKind", y.storage_key, y.short_key, y.file_name, y.mime_type, y.size, y.width, y.height, y.duration_sec, y.thumbnail_key, y.prompt, y.metadata
      FROM t, jsonb_to_recordset(t.new_assets) AS y(kind text, storage_key text, short_key text, file_name text, mime_type text, size int,
           width int, height int, duration_sec double precision, thumbnail_key text, prompt text, metadata jsonb)
      RETURNING id, task_id, kind::text AS kind, mime_type AS "mimeType", storage_key
    ), u AS (
      INSERT INTO usage_records (user_id, api_key_id, task_id, model_id, endpoint, prompt_tokens, completion_tokens, total_tokens, units, cost)
      SELECT t.user_id, t.api_key_id, t.id, t.model_id, t.endpoint, t.prompt_tokens, t.completion_tokens, t.prompt_tokens + t.completion_tokens, t.units, t.cost FROM t
    ), cm AS (
      INSERT INTO chat_messages (chat_id, role, content, task_id, prompt_tokens, completion_tokens)
      SELECT t.chat_id, 'assistant'::"MessageRole", t.chat_reply, t.id, t.prompt_tokens, t.completion_tokens
      FROM t WHERE t.chat_id IS NOT NULL AND t.chat_reply IS NOT NULL ORDER BY t.id
    ), ch AS (
      -- After the accounts (acc is read first) and in id order, as the creation statement locks
      -- them, so the two wait for each other instead of deadlocking.
      UPDATE chats SET updated_at = now()
      FROM (SELECT id FROM chats WHERE id IN (SELECT t.chat_id FROM t WHERE t.chat_reply IS NOT NULL) AND (SELECT count(*) FROM acc) >= 0
            ORDER BY id FOR NO KEY UPDATE) l
      WHERE chats.id = l.id
    ), tm AS (
      INSERT INTO trained_models (order_id, user_id, provider, provider_ref, metadata)
      SELECT t.order_id, t.user_id, t.tm_provider, t.tm_ref, t.tm_metadata
      FROM t WHERE t.order_id IS NOT NULL AND t.tm_ref IS NOT NULL
      ON CONFLICT (order_id) DO UPDATE SET provider = EXCLUDED.provider, provider_ref = EXCLUDED.provider_ref, metadata = EXCLUDED.metadata
    )
    SELECT ${TASK_COLUMNS},
      (SELECT coalesce(jsonb_agg(jsonb_build_object('id', a.id, 'kind', a.kind, 'mimeType', a."mimeType") ORDER BY o.n), '[]'::jsonb)
         FROM a JOIN jsonb_array_elements(t.new_assets) WITH ORDINALITY AS o(v, n) ON o.v->>'storage_key' = a.storage_key
         WHERE a.task_id = t.id) AS "finishedAssets",
      ${hookIdsSql('t.user_id', 'ai.task.completed')} AS "completedHooks"
    FROM t`;
  return new Map(out.map(({ finishedAssets, completedHooks, ...task }) => [task.id, { task, assets: finishedAssets, completedHooks }]));
}

/**
 * Finishes a running task as succeeded (finishSucceededMany); null when it was not running or a
 * cancel was asked. The tasks that finish in one turn of the event loop share a statement; while
 * one runs, the next finishes gather into the next one.
 */
export function createFinisher(deps: Pick<Deps, 'prisma'>): (id: number, success: Success) => Promise<Finished | null> {
  const finish = tickBatcher<{ id: number; success: Success }, Finished>((i) => i.id, (items) => finishSucceededMany(deps, items), { inFlight: 1 });
  return (id, success) => finish({ id, success });
}

export interface Claimed {
  task: Task;
  /** The owner's webhooks for "ai.task.started", read with the claim. */
  startedHooks: string[];
}

/**
 * Takes tasks for runs in this process: queued or (a run that died) running; each claim counts
 * an attempt; null when the task has finished or is gone. The claims asked in one turn of the
 * event loop go to the database as one statement (a busy worker starts many tasks at once), one
 * statement at a time.
 */
export function createClaimer(deps: Pick<Deps, 'prisma'>): (id: number) => Promise<Claimed | null> {
  const claim = tickBatcher<number, Claimed>(
    (id) => id,
    async (ids) => {
      const rows = await deps.prisma.$queryRaw<(Task & { startedHooks: string[] })[]>`
        UPDATE tasks SET status = 'running', attempts = attempts + 1, started_at = now(), progress_message = 'Starting', updated_at = now()
        WHERE id = ANY(${ids}::int[]) AND status IN ('queued', 'running')
        RETURNING ${TASK_COLUMNS},
          ${hookIdsSql('tasks.user_id', 'ai.task.started')} AS "startedHooks"`;
      return new Map(rows.map(({ startedHooks, ...task }) => [task.id, { task, startedHooks }]));
    },
    { inFlight: 1 },
  );
  // Not a task id (a job added by hand): nothing to claim.
  return (id) => (!Number.isInteger(id) || id < 1 || id > 2147483647 ? Promise.resolve(null) : claim(id));
}

/**
 * Cancels a task: a queued one at once (its hold released), a running one at its next progress
 * step (the worker is told, and calls the backend's own cancel). Finished tasks → CONFLICT.
 */
export async function cancelTask(ctx: Deps, viewer: { id: number; role?: string }, id: number): Promise<Task> {
  await ownTask(ctx, viewer, id);
  // A task can move between queued and running (retries) meanwhile: try again then.
  for (let round = 0; round < 3; round++) {
    const r = await cancelOnce(ctx, id);
    if (r) return r;
    const now = await ctx.prisma.task.findUnique({ where: { id }, select: { status: true } });
    if (!now || FINISHED.includes(now.status)) break;
  }
  throw new AppError('CONFLICT', 'The task has already finished', { field: 'id', reason: 'task_finished' });
}

/** Cancels a task that is still queued, at once (its hold settled), off the queue; null when it was not queued. */
async function cancelQueued(ctx: Deps, id: number, errorCode: string, errorMessage: string): Promise<Task | null> {
  const canceled = await finishTask(ctx, id, { status: 'canceled', errorCode, errorMessage }, ['queued']);
  if (canceled) {
    await ctx.queue.remove(String(id));
    publishTask(ctx, 'canceled', canceled);
  }
  return canceled;
}

async function cancelOnce(ctx: Deps, id: number): Promise<Task | null> {
  const canceled = await cancelQueued(ctx, id, 'CANCELED', 'Canceled by the user');
  if (canceled) return canceled;
  const asked = await ctx.prisma.task.updateMany({ where: { id, status: 'running' }, data: { cancelRequestedAt: new Date(), progressMessage: 'Canceling' } });
  if (asked.count === 1) {
    ctx.pubsub.publish('task:cancel', { taskId: id });
    return ctx.prisma.task.findUniqueOrThrow({ where: { id } });
  }
  return null;
}

/**
 * The client of a streamed text task left after receiving `delivered` tokens: the task stops (a
 * queued one at once, released; a running one at its next token) and is charged for the prompt
 * and those tokens only.
 */
export async function stopForLeavingClient(ctx: Deps, id: number, delivered: number): Promise<void> {
  // One statement records what was received and asks the cancel, whether the task is running or
  // back in the queue for a retry (whoever ends it then charges those tokens).
  const [row] = await ctx.prisma.$queryRaw<{ status: TaskStatus }[]>`
    UPDATE tasks SET delivered_tokens = GREATEST(COALESCE(delivered_tokens, 0), ${delivered}), cancel_requested_at = COALESCE(cancel_requested_at, now()),
           progress_message = 'Canceling: the client closed the stream', updated_at = now()
    WHERE id = ${id} AND status IN ('queued', 'running')
    RETURNING status::text AS status`;
  if (!row) return;
  if (row.status === 'running') return void ctx.pubsub.publish('task:cancel', { taskId: id });
  // Started meanwhile: the worker sees the cancel in the row or by this message.
  if (!(await cancelQueued(ctx, id, 'CLIENT_CLOSED', 'The client closed the stream'))) ctx.pubsub.publish('task:cancel', { taskId: id });
}

/** Runs a failed or canceled task again as a new task, charged anew. */
export async function retryTask(ctx: Deps & Partial<Pick<Context, 'meta' | 'rate' | 'viewer'>>, viewer: Owner & { role?: string }, id: number, idempotencyKey?: string | null): Promise<Task> {
  const old = await ownTask(ctx, viewer, id);
  if (old.status !== 'failed' && old.status !== 'canceled') {
    throw new AppError('CONFLICT', 'Only failed or canceled tasks can be retried', { field: 'id', reason: 'task_not_retryable' });
  }
  const owner = old.userId === viewer.id ? viewer : await ctx.prisma.user.findUniqueOrThrow({ where: { id: old.userId }, select: { id: true, tier: true } });
  const input = old.input as Record<string, unknown>;
  return createTask(ctx, owner, {
    kind: old.kind.replace('_', '.') as TaskKindName,
    model: old.modelId,
    input,
    idempotencyKey,
    source: old.source,
    chatId: old.chatId,
    orderId: old.orderId,
    retryOfId: old.id,
  });
}

/** Deletes a finished task (its assets stay in the library); unfinished → CONFLICT. */
export async function deleteTask(ctx: Deps, viewer: { id: number; role?: string }, id: number): Promise<boolean> {
  await ownTask(ctx, viewer, id);
  const r = await ctx.prisma.task.deleteMany({ where: { id, status: { in: FINISHED } } });
  if (r.count === 0) throw new AppError('CONFLICT', 'Only finished tasks can be deleted; cancel it first', { field: 'id', reason: 'task_unfinished' });
  return true;
}

export interface TaskFilter {
  status?: TaskStatus[] | null;
  kind?: TaskKindName[] | null;
  model?: string | null;
  from?: Date | null;
  to?: Date | null;
}

export function whereOf(userId: number, f: TaskFilter = {}): Prisma.TaskWhereInput {
  return {
    userId,
    ...(f.status?.length ? { status: { in: f.status } } : {}),
    ...(f.kind?.length ? { kind: { in: f.kind.map(dbKind) } } : {}),
    ...(f.model ? { modelId: f.model } : {}),
    ...(f.from || f.to ? { createdAt: { ...(f.from ? { gte: f.from } : {}), ...(f.to ? { lte: f.to } : {}) } } : {}),
  };
}

export async function listTasks(ctx: Pick<Deps, 'prisma'>, userId: number, f: TaskFilter, page: { offset: number; limit: number }) {
  const where = whereOf(userId, f);
  const [items, total] = await Promise.all([
    ctx.prisma.task.findMany({ where, orderBy: { id: 'desc' }, skip: page.offset, take: page.limit }),
    ctx.prisma.task.count({ where }),
  ]);
  return { items, total, ...page };
}

/** 1-based place in the queue of a queued task (tasks queued before it, plus one). */
export async function queuePosition(ctx: Pick<Deps, 'prisma'>, task: Pick<Task, 'id' | 'status'>): Promise<number | null> {
  if (task.status !== 'queued') return null;
  return (await ctx.prisma.task.count({ where: { status: 'queued', id: { lt: task.id } } })) + 1;
}

const durations = new Map<string, { at: number; seconds: number }>();

/** Average seconds a task of this kind took recently (cached for 30 s). */
async function typicalSeconds(ctx: Pick<Deps, 'prisma'>, kind: Task['kind']): Promise<number> {
  const hit = durations.get(kind);
  if (hit && Date.now() - hit.at < 30_000) return hit.seconds;
  const rows = await ctx.prisma.$queryRaw<{ avg: number | null }[]>`
    SELECT avg(extract(epoch FROM finished_at - started_at))::float AS avg
    FROM (SELECT finished_at, started_at FROM tasks WHERE kind = ${kind}::"TaskKind" AND status = 'succeeded' AND started_at IS NOT NULL
          ORDER BY id DESC LIMIT 50) recent`;
  const seconds = rows[0]?.avg ?? 10;
  durations.set(kind, { at: Date.now(), seconds });
  return seconds;
}

/** Seconds until a task should be done: from its progress while running, from the queue while queued. */
export async function etaSeconds(ctx: Pick<Deps, 'prisma' | 'config'>, task: Task): Promise<number | null> {
  if (task.status === 'running') {
    if (!task.startedAt || task.progress <= 0) return Math.round(await typicalSeconds(ctx, task.kind));
    const elapsed = (Date.now() - task.startedAt.getTime()) / 1000;
    return Math.max(0, Math.round((elapsed * (100 - task.progress)) / task.progress));
  }
  if (task.status !== 'queued') return null;
  const position = (await queuePosition(ctx, task)) ?? 1;
  const each = await typicalSeconds(ctx, task.kind);
  return Math.round(Math.ceil(position / ctx.config.WORKER_CONCURRENCY) * each);
}

/** Like / dislike / text on a result (seed 000): one per user and asset, updated in place. */
export async function giveFeedback(ctx: Pick<Deps, 'prisma'>, userId: number, assetId: number, f: { isLike?: boolean | null; isDislike?: boolean | null; feedback?: string | null }) {
  const asset = await ctx.prisma.asset.findUnique({ where: { id: assetId }, select: { userId: true, taskId: true } });
  if (!asset || asset.userId !== userId) throw new AppError('NOT_FOUND', 'Image not found', { field: 'assetId' });
  if (f.isLike && f.isDislike) throw badField('isDislike', 'cannot be true together with isLike');
  if (f.feedback && f.feedback.length > 2000) throw badField('feedback', 'must be at most 2000 characters');
  const data = { isLike: f.isLike ?? false, isDislike: f.isDislike ?? false, feedback: f.feedback ?? null };
  return ctx.prisma.taskFeedback.upsert({
    where: { userId_assetId: { userId, assetId } },
    create: { userId, assetId, taskId: asset.taskId, ...data },
    update: data,
  });
}

export type { TaskInput };
