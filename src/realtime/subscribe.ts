// Subscriptions over graphql-ws, run with as little per subscription as graphql-js allows: the
// root field's `subscribe` gives the event stream (graphql-js createSourceEventStream, where
// authorization happens), and each event runs the operation's selection over it (graphql-js
// execute with the event as root value, as graphql-js's own subscribe does), through one small
// iterator. Envelop's per-subscription wrappers (one async iterator per plugin hook) are left out.
// An idle subscription then holds its source, this iterator and a copy of its context's fields,
// which is what lets one process hold 10,000 of them (BENCHMARKS.md, P5). What the wrappers did
// for subscriptions, masking unexpected errors, is done here by `mask`.
//
// Every event runs with the subscription's own context object, and with caches of its own: the
// caches that Pothos and its plugins keep per request (auth-scope results keyed by the parent
// object, the Prisma plugin's loaders) and the server's own per-request state (createContextCache)
// are keyed by the context's Pothos cache key (`contextCacheSymbol`), which is a new object for
// each event and dropped when the event has run. Kept for the subscription, the auth-scope cache
// would hold every event's object for the subscription's life (a subscription following a task at
// ten events a second grew the heap by 8 MB/s), and a relation loaded for one event would be
// answered again for the next; a shallow copy of the context per event was garbage that lived
// until the next event and was promoted to the old generation (BENCHMARKS.md, P4).
import { contextCacheSymbol } from '@pothos/core';
import { DONE } from './pubsub.js';
import { thenable } from '../lib/promise.js';
import { releaseScopeCache } from '../schema/scope-cache.js';
import { createSourceEventStream, execute, GraphQLError, locatedError, type ExecutionArgs, type ExecutionResult } from 'graphql';

export type Mask = (result: ExecutionResult) => ExecutionResult;


/** The stream of results of a subscription operation, or its refusal. */
export async function subscribe(args: ExecutionArgs, mask: Mask): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  let source: AsyncIterable<unknown> | ExecutionResult;
  try {
    source = await createSourceEventStream(args);
  } catch (err) {
    return failure(mask, err);
  }
  if (!(Symbol.asyncIterator in source)) return masked(mask, source);
  const results = new EventResults(source[Symbol.asyncIterator](), args, mask);
  // graphql-ws keeps these arguments for the life of the subscription: without the context, the
  // context the subscribe resolver ran with (and the caches kept for it) can go.
  (args as { contextValue?: unknown }).contextValue = undefined;
  return results;
}

/** `mask(result)`; a generic error when masking fails. */
function masked(mask: Mask, result: ExecutionResult): ExecutionResult {
  try {
    return mask(result);
  } catch {
    return { errors: [new GraphQLError('Unexpected error.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })] };
  }
}

/** The masked result of an error. */
const failure = (mask: Mask, err: unknown) => masked(mask, { errors: [err instanceof GraphQLError ? err : locatedError(err, [])] });

class EventResults implements AsyncIterableIterator<ExecutionResult> {
  private ended = false;
  private readonly args: ExecutionArgs;

  constructor(
    private readonly source: AsyncIterator<unknown>,
    args: ExecutionArgs,
    private readonly mask: Mask,
  ) {
    // Not the context object the subscribe resolver ran with: that one goes with its caches.
    this.args = { ...args, contextValue: { ...(args.contextValue as object), rate: {}, [contextCacheSymbol]: null } };
  }

  // Written with then() rather than as an async function: a subscription waits for its next event
  // nearly all its life, and an async function's frame, with its await's reaction, would be one
  // more set of objects per wait that lives until the event (and is promoted to the old generation).
  next(): Promise<IteratorResult<ExecutionResult>> {
    if (this.ended) return Promise.resolve(DONE);
    let pending: Promise<IteratorResult<unknown>>;
    try {
      pending = this.source.next();
    } catch (err) {
      return this.fail(err);
    }
    return pending.then(this.onEvent, this.onFailure);
  }

  private readonly onEvent = (event: IteratorResult<unknown>): IteratorResult<ExecutionResult> | PromiseLike<IteratorResult<ExecutionResult>> => {
    if (event.done) {
      this.ended = true;
      return DONE;
    }
    const contextValue = this.args.contextValue as Record<symbol, unknown>;
    contextValue[contextCacheSymbol] = {};
    let result: ReturnType<typeof execute>;
    try {
      result = execute({ ...this.args, rootValue: event.value });
    } catch (err) {
      this.done(contextValue);
      return this.fail(err);
    }
    if (!thenable(result)) {
      this.done(contextValue);
      return this.masked(result);
    }
    return result.then(
      (r) => {
        this.done(contextValue);
        return this.masked(r);
      },
      (err: unknown) => {
        this.done(contextValue);
        return this.fail(err);
      },
    );
  };

  /**
   * The event has run: its caches go. The auth-scope cache is deleted outright rather than left to
   * its WeakMap (schema/scope-cache.ts).
   */
  private done(contextValue: Record<symbol, unknown>) {
    releaseScopeCache(contextValue);
    contextValue[contextCacheSymbol] = null;
  }

  private masked(result: ExecutionResult): IteratorResult<ExecutionResult> | Promise<IteratorResult<ExecutionResult>> {
    try {
      return { value: this.mask(result), done: false };
    } catch (err) {
      return this.fail(err);
    }
  }

  private readonly onFailure = (err: unknown) => this.fail(err);

  /**
   * A stream that fails, or an event that cannot be run, ends the subscription with its (masked)
   * error; the source is let go.
   */
  private async fail(err: unknown): Promise<IteratorResult<ExecutionResult>> {
    this.ended = true;
    try {
      await this.source.return?.();
    } catch {
      // already ended
    }
    return { value: failure(this.mask, err), done: false };
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    this.ended = true;
    await this.source.return?.();
    return DONE;
  }

  async throw(err?: unknown): Promise<IteratorResult<ExecutionResult>> {
    this.ended = true;
    await this.source.return?.();
    throw err;
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}
