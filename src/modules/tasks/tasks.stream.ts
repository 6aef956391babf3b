// Create a text task and stream its tokens: the token topic is listened to (confirmed by Redis)
// before the task is queued, so no token can be missed, and the stored text fills in anything a
// stream lost (a run retried after a worker died starts its tokens again). Used by chats, and by
// the REST and OpenAI-compatible endpoints that answer with server-sent events.
import type { Context, Deps } from '../../context.js';
import type { Task } from '../../generated/prisma/client.js';
import type { Subscription } from '../../realtime/pubsub.js';
import type { Tier } from '../limits/tiers.js';
import { revive, type TokenEvent } from './tasks.events.js';
import { createTask, FINISHED, type NewTask } from './tasks.service.js';

export type StreamEvent =
  | { type: 'created'; task: Task }
  | { type: 'token'; choice: number; delta: string }
  | { type: 'done'; task: Task };

/** The generated texts of a finished text task, one per choice. */
export const textsOf = (task: Pick<Task, 'output'>): string[] =>
  ((task.output as { texts?: { text: string }[] } | null)?.texts ?? []).map((x) => x.text);

type Owner = { id: number; tier: Tier };

export interface StreamOptions {
  /**
   * The consumer left before the end, having taken `delivered` tokens (a token counts once the
   * consumer asks for the next event): e.g. stop the task and charge only those.
   */
  onLeave?(task: Task, delivered: number): Promise<void>;
  /** Aborted when the consumer's connection closes: the stream ends at once, not at the next token. */
  signal?: AbortSignal;
  /** How long without an event before the task is read again, in case its end was not heard (5 s). */
  quietMs?: number;
}

const QUIET_MS = 5_000;
const QUIET = Symbol('quiet');

export const LEFT = Symbol('left');
/**
 * `next()` of an iterator, or LEFT once the signal aborts: without a signal, just `next()` (no
 * race, no promise left pending per step).
 */
export function untilLeft(signal?: AbortSignal) {
  if (!signal) return <T>(it: AsyncIterator<T>) => it.next();
  // Not Promise.race with one promise for the whole stream: each race leaves a reaction on a
  // promise that stays pending until the client leaves, and that reaction holds the race's
  // result, so every event of a stream stayed in memory as long as the stream.
  return <T>(it: AsyncIterator<T>) =>
    new Promise<IteratorResult<T> | typeof LEFT>((resolve, reject) => {
      if (signal.aborted) return resolve(LEFT);
      const left = () => resolve(LEFT);
      signal.addEventListener('abort', left, { once: true });
      it.next().then(
        (r) => {
          signal.removeEventListener('abort', left);
          resolve(r);
        },
        (err: unknown) => {
          signal.removeEventListener('abort', left);
          reject(err);
        },
      );
    });
}

/**
 * The next event of `it`, LEFT once the consumer has gone, or QUIET when nothing has come for
 * `quietMs`; a next() not yet answered then is still the one the following call waits for.
 */
function quietly<T>(it: AsyncIterator<T>, opts: StreamOptions): () => Promise<IteratorResult<T> | typeof LEFT | typeof QUIET> {
  const next = untilLeft(opts.signal);
  const ms = opts.quietMs ?? QUIET_MS;
  let pending: Promise<IteratorResult<T> | typeof LEFT> | null = null;
  return async () => {
    pending ??= next(it);
    let timer: NodeJS.Timeout | undefined;
    try {
      const r = await Promise.race([pending, new Promise<typeof QUIET>((resolve) => (timer = setTimeout(resolve, ms, QUIET)))]);
      if (r !== QUIET) pending = null;
      return r;
    } finally {
      clearTimeout(timer);
    }
  };
}

/** Creates a text task and yields `created`, its tokens as they come, then `done` with the finished task. */
export async function* createAndStream(
  ctx: Deps & Partial<Pick<Context, 'meta' | 'rate' | 'viewer'>>,
  user: Owner,
  spec: NewTask,
  opts: StreamOptions = {},
): AsyncGenerator<StreamEvent> {
  let tokens: Subscription<TokenEvent> | undefined;
  // Queued once Redis confirms the token subscription: a fast task's first tokens (or all of
  // them, and its end) would otherwise go out before anyone listens.
  const task = await createTask(ctx, user, {
    ...spec,
    beforeQueue: async (t) => {
      tokens = ctx.pubsub.subscribe('task:token', t.id);
      await spec.beforeQueue?.(t);
      // A subscription Redis refused ends with its error; the task is queued all the same.
      await tokens.ready.catch(() => {});
    },
  });
  if (!tokens && !FINISHED.includes(task.status)) {
    // A repeated request (the same Idempotency-Key) for a task that has not finished: it is not
    // this caller's to stop; wait for it, then send its stored text whole.
    const updates = ctx.pubsub.subscribeTask(task.id, task.userId);
    const listen = quietly(updates, opts);
    try {
      // Read once listening: its end cannot fall in between.
      await updates.ready;
      let now = await ctx.prisma.task.findUniqueOrThrow({ where: { id: task.id } });
      while (!FINISHED.includes(now.status)) {
        const r = await listen();
        if (r === QUIET) {
          // Nothing heard for a while: the task's row tells whether it ended unheard.
          now = await ctx.prisma.task.findUniqueOrThrow({ where: { id: task.id } });
          continue;
        }
        if (r === LEFT || r.done) return;
        now = revive(r.value);
      }
    } finally {
      await updates.return?.();
    }
    yield* followText(ctx, task);
    return;
  }
  yield* followText(ctx, task, tokens, opts);
}

/** Yields a text task's tokens from `tokens` (already listening) until it ends, then what was missed, then `done`. */
export async function* followText(ctx: Pick<Deps, 'prisma'>, task: Task, tokens?: AsyncIterator<TokenEvent>, opts: StreamOptions = {}): AsyncGenerator<StreamEvent> {
  const sent: string[] = [];
  let delivered = 0;
  let ended = false;
  // A run that starts again (a retry after a backend error or a worker's death) publishes its
  // text from the start: its pieces are matched against what was sent, and only what goes
  // beyond it is passed on.
  let lastSeq = -1;
  let again: string[] | null = null;
  try {
    yield { type: 'created', task };
    if (tokens && !FINISHED.includes(task.status)) {
      const listen = quietly(tokens, opts);
      for (;;) {
        const r = await listen();
        if (r === QUIET) {
          // Nothing heard for a while: if the task has ended (its end was lost), the stored text
          // below completes the stream.
          const now = await ctx.prisma.task.findUniqueOrThrow({ where: { id: task.id }, select: { status: true } });
          if (FINISHED.includes(now.status)) break;
          continue;
        }
        if (r === LEFT) return;
        if (r.done || r.value.end) break;
        const { choice, seq } = r.value;
        let delta = r.value.delta;
        if (seq <= lastSeq) again = [];
        lastSeq = seq;
        if (again) {
          const had = sent[choice] ?? '';
          const now = (again[choice] = (again[choice] ?? '') + delta);
          if (had.startsWith(now)) continue; // already sent
          if (!now.startsWith(had)) continue; // this run wrote otherwise: what was sent stays as it is
          delta = now.slice(had.length);
        }
        sent[choice] = (sent[choice] ?? '') + delta;
        yield { type: 'token', choice, delta };
        // Reached only when the consumer asks for more: it has taken this piece.
        delivered += r.value.tokens ?? 1;
      }
    }
    ended = true;
  } finally {
    await tokens?.return?.();
    if (!ended && opts.onLeave) await opts.onLeave(task, delivered);
  }
  const final = await ctx.prisma.task.findUniqueOrThrow({ where: { id: task.id } });
  // The stored text is the truth: send what the stream did not carry.
  for (const [choice, text] of textsOf(final).entries()) {
    const got = sent[choice] ?? '';
    if (text.length > got.length && text.startsWith(got)) yield { type: 'token', choice, delta: text.slice(got.length) };
  }
  yield { type: 'done', task: final };
}
