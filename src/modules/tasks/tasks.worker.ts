// Runs tasks from the queue. A run claims the task (counting an attempt), calls its provider
// with progress reporting and cancellation, stores the outputs as assets and finishes the task
// together with its hold in one transaction. Whatever happens — errors, cancel, deadline, a
// worker killed mid-task and the job taken over by another — the hold is settled exactly once.
import type { Deps } from '../../context.js';
import type { Prisma, Task } from '../../generated/prisma/client.js';
import { addAll, RetryLater } from '../../jobs/queue.js';
import { CanceledError, ProviderError, type ProviderResult, type TaskInput } from '../../providers/types.js';
import { discard, signedUrl, storeOutputs } from '../assets/assets.service.js';
import * as events from '../events/events.service.js';
import { costOf, getModelCached } from '../models/models.service.js';
import { publishTask } from './tasks.events.js';
import { createClaimer, createFinisher, finishTask, type Finished } from './tasks.service.js';
import { kindName } from './tasks.validation.js';

export interface TaskWorker {
  /** Tasks running in this process. */
  running(): number;
  close(): Promise<void>;
}

/** Progress is written to the database at most this often (every report is still published). */
const PERSIST_EVERY_MS = 250;

export function startTaskWorker(deps: Deps): TaskWorker {
  const { prisma, log, config } = deps;
  const controllers = new Map<number, AbortController>();
  const claimTask = createClaimer(deps);
  const finishSucceeded = createFinisher(deps);

  // A cancel asked on any instance reaches the worker running the task.
  const cancels = deps.pubsub.subscribe('task:cancel');
  void (async () => {
    for await (const { taskId } of cancels) controllers.get(taskId)?.abort(new CanceledError('canceled'));
  })().catch(() => {});

  const failTask = async (id: number, errorCode: string, errorMessage: string, status: 'failed' | 'canceled' = 'failed', produced = 0) => {
    const task = await finishTask(deps, id, { status, errorCode, errorMessage }, undefined, produced);
    if (task) {
      logEnd(task, { errorCode });
      publishTask(deps, status, task);
      if (status === 'failed') {
        await events.emit(deps, task.userId, 'ai.task.failed', { task_id: task.requestId, id: task.id, kind: kindName(task.kind), model: task.modelId, status: 'failed', error: errorMessage, error_code: errorCode, user_id: task.userId, timestamp: new Date().toISOString() });
        if (task.orderId !== null) {
          await events.emit(deps, task.userId, 'order.failed', { order_id: task.orderId, task_id: task.requestId, status: 'failed', error: errorMessage, user_id: task.userId, timestamp: new Date().toISOString() });
        }
      }
    }
    return task;
  };

  /**
   * One line per finished task: which worker ran what, how it ended, and (succeeded) how long its
   * run took; and the same in the metrics.
   */
  const logEnd = (task: Task, extra: Record<string, unknown> = {}) => {
    // Both times from the statement that finished it (a failure's end comes from this process's clock).
    const ms = task.startedAt && task.finishedAt ? task.finishedAt.getTime() - task.startedAt.getTime() : null;
    deps.metrics?.taskFinished(kindName(task.kind), task.status, ms === null ? null : ms / 1000);
    log.info(
      {
        taskId: task.id,
        kind: kindName(task.kind),
        model: task.modelId,
        attempt: task.attempts,
        ...(task.status === 'succeeded' && ms !== null ? { ms } : {}),
        cost: task.cost,
        ...extra,
      },
      `task ${task.status}`,
    );
  };

  async function run(idText: string): Promise<void> {
    const id = Number(idText);
    // Claim: only a task that has not finished; every claim is an attempt.
    const claimed = await claimTask(id);
    if (!claimed) return; // finished, canceled or deleted meanwhile
    // Listen for a cancel from here on; one asked before the claim is in the row.
    const controller = new AbortController();
    controllers.set(id, controller);
    try {
      await runClaimed(claimed.task, claimed.startedHooks, controller);
    } finally {
      controllers.delete(id);
    }
  }

  async function runClaimed(task: Task, startedHooks: string[], controller: AbortController): Promise<void> {
    const id = task.id;
    if (task.cancelRequestedAt) return void (await failTask(id, 'CANCELED', 'Canceled by the user', 'canceled'));
    if (task.deadlineAt && task.deadlineAt.getTime() <= Date.now()) return void (await failTask(id, 'DEADLINE_EXCEEDED', 'The task passed its deadline before it could finish', 'canceled'));
    if (task.attempts > config.TASK_MAX_ATTEMPTS) {
      return void (await failTask(id, 'ATTEMPTS_EXHAUSTED', `The task was started ${task.attempts - 1} times without finishing (its worker stopped)`));
    }
    publishTask(deps, 'started', task);
    if (task.attempts === 1) {
      void events
        .emit(deps, task.userId, 'ai.task.started', { task_id: task.requestId, id: task.id, model: task.modelId, user_id: task.userId, timestamp: new Date().toISOString() }, startedHooks)
        .catch(() => {});
    }

    // Disabled models still finish the tasks already accepted.
    const model = await getModelCached(deps, task.modelId).catch(() => prisma.aiModel.findUniqueOrThrow({ where: { id: task.modelId } }));
    const route = deps.registry.resolve(model);
    if (!route) return void (await failTask(id, 'MODEL_UNAVAILABLE', `Model "${model.id}" has no backend configured`));

    const deadline = task.deadlineAt
      ? setTimeout(() => controller.abort(new CanceledError('deadline')), Math.max(0, task.deadlineAt.getTime() - Date.now()))
      : null;
    // The claim just wrote the task: the first progress write can wait.
    let lastPersist = Date.now();
    let seq = 0;
    // Completion tokens given out so far: a canceled text task is charged for them.
    let produced = 0;
    // Tokens given out in one turn of the event loop are published as one piece per choice (its
    // `tokens` says how many): a fast backend's burst is one message, not one per token.
    let piece: { choice: number; delta: string; tokens: number } | null = null;
    const sendPiece = () => {
      if (!piece) return;
      const { choice, delta, tokens } = piece;
      piece = null;
      deps.pubsub.publish('task:token', id, { taskId: id, choice, seq: seq++, delta, ...(tokens !== 1 ? { tokens } : {}) });
    };
    const input = task.input as TaskInput;
    try {
      const result = await route.provider.run(
        { taskId: id, kind: kindName(task.kind), modelId: model.id, params: route.params, input, readFile: async (key) => (await deps.storage.get(key))?.data ?? Promise.reject(new ProviderError(`Input file ${key} is missing`, 'INPUT_MISSING', false)) },
        {
          signal: controller.signal,
          progress: async (percent, message) => {
            if (controller.signal.aborted) throw controller.signal.reason;
            const p = Math.max(0, Math.min(99, Math.round(percent)));
            const now = Date.now();
            if (now - lastPersist >= PERSIST_EVERY_MS) {
              lastPersist = now;
              const rows = await prisma.task.updateManyAndReturn({
                where: { id, status: 'running' },
                data: { progress: p, progressMessage: message ?? null },
              });
              const row = rows[0];
              // No longer running here (finished, deleted, or taken back to the queue by another
              // run): stop without touching it.
              if (!row) throw new SupersededError();
              if (row.cancelRequestedAt) controller.abort(new CanceledError('canceled'));
              publishTask(deps, 'progress', row);
              void events
                .emit(deps, task.userId, 'ai.task.progress', { task_id: task.requestId, id, model: task.modelId, progress: p, message: message ?? null, user_id: task.userId, timestamp: new Date(now).toISOString() })
                .catch(() => {});
            } else {
              publishTask(deps, 'progress', { ...task, progress: p, progressMessage: message ?? null, updatedAt: new Date(now) });
            }
            if (controller.signal.aborted) throw controller.signal.reason;
          },
          token: (delta, choice, tokens) => {
            produced += tokens ?? 1;
            if (piece && piece.choice !== choice) sendPiece();
            if (!piece) {
              piece = { choice, delta: '', tokens: 0 };
              setImmediate(sendPiece);
            }
            piece.delta += delta;
            piece.tokens += tokens ?? 1;
          },
          started: async (providerJobId) => {
            await prisma.task.updateMany({ where: { id }, data: { providerJobId } });
          },
        },
      ).finally(sendPiece);
      if (controller.signal.aborted) throw controller.signal.reason;
      await succeed(task, model, result, route.provider.label);
    } catch (err) {
      if (err instanceof SupersededError) {
        log.warn({ taskId: id }, 'task run superseded; leaving it to its current owner');
        return;
      }
      if (controller.signal.reason instanceof ShutdownError) {
        // This process is stopping: the task goes back to the queue and resumes elsewhere or at the next start.
        await prisma.task.updateMany({ where: { id, status: 'running' }, data: { status: 'queued', attempts: { decrement: 1 }, progressMessage: 'Interrupted by a restart; it will resume' } });
        throw new RetryLater(1000, 'worker shutting down');
      }
      if (err instanceof CanceledError || controller.signal.aborted) {
        const reason = err instanceof CanceledError ? err.reason : controller.signal.reason instanceof CanceledError ? controller.signal.reason.reason : 'canceled';
        await failTask(id, reason === 'deadline' ? 'DEADLINE_EXCEEDED' : 'CANCELED', reason === 'deadline' ? 'The task passed its deadline' : 'Canceled by the user', 'canceled', produced);
        return;
      }
      if (err instanceof ProviderError) {
        if (err.retryable && task.attempts < config.TASK_MAX_ATTEMPTS) {
          const delay = config.TASK_BACKOFF_MS * 2 ** (task.attempts - 1);
          const back = await prisma.task.updateManyAndReturn({
            where: { id, status: 'running' },
            data: { status: 'queued', progressMessage: `Retrying in ${Math.round(delay / 1000)} s: ${err.message}`.slice(0, 500) },
          });
          if (back[0]) publishTask(deps, 'retrying', back[0]);
          log.warn({ taskId: id, attempt: task.attempts, err: err.message }, 'task failed; retrying');
          throw new RetryLater(delay, err.message);
        }
        await failTask(id, err.code, err.message);
        return;
      }
      // Not the backend's fault (database, storage…): let the queue retry with backoff; the
      // attempt counter ends it after TASK_MAX_ATTEMPTS.
      log.error({ err, taskId: id }, 'task run failed');
      if (task.attempts >= config.TASK_MAX_ATTEMPTS) {
        await failTask(id, 'INTERNAL', 'The task could not be run');
        return;
      }
      throw err;
    } finally {
      if (deadline) clearTimeout(deadline);
    }
  }

  async function succeed(task: Task, model: Awaited<ReturnType<typeof prisma.aiModel.findUniqueOrThrow>>, result: ProviderResult, label: string) {
    const input = task.input as TaskInput;
    const usage = {
      images: result.images?.length ?? 0,
      seconds: result.video?.durationSec ?? 0,
      tokens: result.usage ? result.usage.promptTokens + result.usage.completionTokens : 0,
    };
    // Never more than was held at creation.
    const spend = Math.min(costOf(model, usage), task.cost);
    const prepared = await storeOutputs(deps, { id: task.id, userId: task.userId, prompt: input.prompt ?? null }, result, { provider: label, model: model.id });
    const output: Prisma.InputJsonValue = {
      provider: label,
      ...(result.texts ? { texts: result.texts } : {}),
      ...(result.usage ? { usage: result.usage } : {}),
      ...(result.trainedModel ? { trainedModel: result.trainedModel } : {}),
      ...(result.video ? { video: { durationSec: result.video.durationSec, fps: result.video.fps } } : {}),
      images: result.images?.length ?? 0,
    } as Prisma.InputJsonValue;
    let finished: Finished | null;
    try {
      finished = await finishSucceeded(task.id, {
        spend,
        output,
        providerJobId: result.providerJobId,
        assets: prepared.map((p) => p.data),
        usage: {
          endpoint: kindName(task.kind),
          promptTokens: result.usage?.promptTokens ?? 0,
          completionTokens: result.usage?.completionTokens ?? 0,
          units: usage.images || usage.seconds,
        },
        chatReply: task.chatId !== null ? (result.texts?.[0]?.text ?? '') : null,
        trainedModel: result.trainedModel ? { provider: label, ref: result.trainedModel.ref, metadata: (result.trainedModel.metadata ?? {}) as Prisma.InputJsonValue } : null,
      });
    } catch (err) {
      await discard(deps, prepared);
      throw err;
    }
    if (!finished) {
      // Finished elsewhere meanwhile, or a cancel was asked while it ran (the cancel wins and
      // nothing is charged): keep nothing of this run.
      await discard(deps, prepared);
      const now = await prisma.task.findUnique({ where: { id: task.id }, select: { status: true, cancelRequestedAt: true } });
      if (now?.status === 'running' && now.cancelRequestedAt) await failTask(task.id, 'CANCELED', 'Canceled by the user', 'canceled', result.usage?.completionTokens ?? 0);
      return;
    }
    const { task: done, assets, completedHooks } = finished;
    logEnd(done);
    publishTask(deps, 'succeeded', done);
    const tokens = result.usage ? { prompt_tokens: result.usage.promptTokens, completion_tokens: result.usage.completionTokens, total_tokens: usage.tokens } : undefined;
    await events.emit(deps, done.userId, 'ai.task.completed', {
      task_id: done.requestId,
      id: done.id,
      kind: kindName(done.kind),
      model: done.modelId,
      status: 'completed',
      cost: done.cost,
      // Seed 004's result: choices and usage for text; the assets (with signed URLs) otherwise.
      result: {
        ...(result.texts ? { choices: result.texts.map((x, index) => ({ index, text: x.text, finish_reason: x.finishReason ?? 'stop' })) } : {}),
        ...(tokens ? { usage: tokens } : {}),
        ...(assets.length ? { assets: assets.map((a) => ({ id: a.id, kind: a.kind, mime_type: a.mimeType, url: signedUrl(deps, a.id) })) } : {}),
      },
      usage: tokens,
      user_id: done.userId,
      timestamp: new Date().toISOString(),
    }, completedHooks);
    if (done.orderId !== null) {
      await events.emit(deps, done.userId, 'order.completed', { order_id: done.orderId, task_id: done.requestId, kind: kindName(done.kind), status: 'completed', user_id: done.userId, timestamp: new Date().toISOString() });
    }
  }

  deps.queue.process(run, config.WORKER_CONCURRENCY);
  log.info({ queue: deps.queue.kind, concurrency: config.WORKER_CONCURRENCY }, 'task worker started');

  // Tasks queued in the database but missing from the queue (a crash between commit and enqueue,
  // a Redis restart) are queued again; the queue ignores ids it already holds.
  // One sweep at a time: with the queue unreachable one can outlast the interval.
  let sweeping = false;
  const sweep = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    void (async () => {
      // Queued past the deadline: canceled without waiting for a worker (first: it needs no queue).
      const late = await prisma.task.findMany({ where: { status: 'queued', deadlineAt: { lt: new Date() } }, select: { id: true }, take: 500 });
      for (const t of late) await failTask(t.id, 'DEADLINE_EXCEEDED', 'The task passed its deadline before it could start', 'canceled');
      const stale = await prisma.task.findMany({
        where: { status: 'queued', updatedAt: { lt: new Date(Date.now() - config.TASK_SWEEP_MS) } },
        select: { id: true },
        orderBy: { id: 'asc' },
        take: 500,
      });
      // Running tasks silent for long: if their job is gone (Redis lost it), run them again; the
      // queue ignores ids it still holds.
      const silent = await prisma.task.findMany({
        where: { status: 'running', updatedAt: { lt: new Date(Date.now() - Math.max(5 * 60_000, config.TASK_LOCK_MS * 4)) } },
        select: { id: true },
        take: 500,
      });
      // Added together (one pipeline); one that fails is tried again at the next sweep.
      const ids = [...stale, ...silent].map((t) => String(t.id));
      const { failed, reason } = await addAll(deps.queue, ids);
      if (failed) log.warn({ err: reason, failed, of: ids.length }, 'task sweep could not queue tasks; trying again at the next sweep');
    })()
      .catch((err) => log.warn({ err }, 'task sweep failed'))
      .finally(() => (sweeping = false));
  }, config.TASK_SWEEP_MS);
  sweep.unref();

  return {
    running: () => controllers.size,
    async close() {
      clearInterval(sweep);
      await cancels.return?.(undefined);
      await deps.queue.stopFetching();
      // Stop what runs here; in-process tasks go back to queued and resume at the next start.
      for (const c of controllers.values()) c.abort(new ShutdownError());
    },
  };
}

/** The task is no longer this run's to finish. */
class SupersededError extends Error {
  constructor() {
    super('the task is no longer running here');
  }
}

/** The process is stopping: not the user's cancel. */
export class ShutdownError extends Error {
  constructor() {
    super('the worker is shutting down');
  }
}
