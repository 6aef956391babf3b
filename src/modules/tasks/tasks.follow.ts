// taskUpdated's stream: the task now, then each change, until it has finished.
//
// An iterator object rather than an async generator. A subscription spends nearly all its life
// waiting for its next event (a tenth of a second at ten events a second, much longer when idle),
// and everything allocated for one wait lives that long: long enough to outlive a young-generation
// collection or two and be promoted, then die in the old generation. An async generator, with the
// wrappers it needs for an early return(), kept a frame, a request queue entry and a promise per
// wait on top of the pub/sub subscriber's own, plus the previous event it still referenced; at
// 10,000 events a second that was most of what the API process promoted (BENCHMARKS.md, P4). Here
// a wait is the subscriber's promise and one `then` on it, and nothing refers to an event once it
// has been handed on.
import type { Context } from '../../context.js';
import { AppError } from '../../errors.js';
import type { Task } from '../../generated/prisma/client.js';
import type { Release } from '../../realtime/leases.js';
import { DONE, type Subscription } from '../../realtime/pubsub.js';
import { revive, type TaskSnapshot } from './tasks.events.js';
import { FINISHED, ownTask } from './tasks.service.js';
import { LEFT, untilLeft } from './tasks.stream.js';

type Me = Parameters<typeof ownTask>[1];

/**
 * Follows task `id` of `user`: listens before the task is read (once Redis confirms, so a change
 * in between is not lost), yields it, then yields each change and ends after a finished one.
 * Changes come on the owner's channel: a user's own task is listened to at once (another's is
 * NOT_FOUND when read); an admin's, once its owner is known.
 * `exclusive` takes the task's stream lease (CONFLICT stream_open when another holds it).
 * `signal` (a request's, over SSE) ends it at once when the client leaves. return() lets go of
 * the listener and the lease at once, also while a next() waits.
 */
export class TaskFollower implements AsyncIterableIterator<Task> {
  /** The first next(): the task now (an admin's follower subscribes in it). */
  private first$: Promise<IteratorResult<Task>> | null = null;
  /** No more events: the next next() ends it. */
  private finishing = false;
  private ended = false;
  private release: Release | null = null;
  private updates: Subscription<TaskSnapshot> | null = null;
  private readonly nextUpdate: (it: AsyncIterator<TaskSnapshot>) => Promise<IteratorResult<TaskSnapshot> | typeof LEFT>;

  /** The subscribe-time context, let go once the task has been read (a stream may live for hours). */
  private ctx: Context | null;

  constructor(
    ctx: Context,
    private readonly user: Me,
    private readonly id: number,
    private readonly exclusive: boolean,
    signal?: AbortSignal,
  ) {
    this.ctx = ctx;
    if (user.role !== 'admin') this.updates = ctx.pubsub.subscribeTask(id, user.id);
    this.nextUpdate = untilLeft(signal);
  }

  next(): Promise<IteratorResult<Task>> {
    if (this.ended) return Promise.resolve(DONE);
    if (!this.first$) return (this.first$ = this.first());
    // An admin's follower has no listener until its first step has found the owner.
    if (!this.updates) return this.first$.then(() => this.next(), () => this.next());
    if (this.finishing) return this.end().then(() => DONE);
    return this.nextUpdate(this.updates).then(this.onUpdate, this.onError);
  }

  private readonly onUpdate = (r: IteratorResult<TaskSnapshot> | typeof LEFT): Promise<IteratorResult<Task>> | IteratorResult<Task> => {
    if (this.ended) return DONE;
    if (r === LEFT || r.done) return this.end().then(() => DONE);
    const task = revive(r.value);
    if (FINISHED.includes(task.status)) this.finishing = true;
    return { value: task, done: false };
  };

  private readonly onError = async (err: unknown): Promise<never> => {
    await this.end();
    throw err;
  };

  private async first(): Promise<IteratorResult<Task>> {
    try {
      const ctx = this.ctx!;
      this.ctx = null;
      if (!this.updates) {
        // An admin may follow anyone's task: its owner (which never changes) names the channel.
        const owner = await ctx.prisma.task.findUnique({ where: { id: this.id }, select: { userId: true } });
        if (!owner) throw new AppError('NOT_FOUND', 'Task not found', { field: 'id' });
        if (this.ended) return DONE;
        this.updates = ctx.pubsub.subscribeTask(this.id, owner.userId);
      }
      await this.updates.ready;
      const now = await ownTask(ctx, this.user, this.id);
      if (this.exclusive) {
        this.release = await ctx.leases.acquire(`task-stream:${this.id}`);
        if (!this.release) throw new AppError('CONFLICT', 'A stream for this task is already open', { field: 'id', reason: 'stream_open' });
      }
      // Let go at once if return() came while this was reading.
      if (this.ended) {
        await this.release?.();
        this.release = null;
        return DONE;
      }
      if (FINISHED.includes(now.status)) this.finishing = true;
      return { value: now, done: false };
    } catch (err) {
      return this.onError(err);
    }
  }

  /** Stops listening and gives the lease back (once). */
  private async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    const release = this.release;
    this.release = null;
    try {
      await this.updates?.return?.();
    } finally {
      await release?.();
    }
  }

  async return(): Promise<IteratorResult<Task>> {
    await this.end();
    return DONE;
  }

  async throw(err?: unknown): Promise<IteratorResult<Task>> {
    await this.end();
    throw err;
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}
