// The lean subscription path (src/realtime/subscribe.ts): an event that cannot be run, or a
// stream that fails, ends the subscription with a masked error and lets go of the source.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { GraphQLError, GraphQLInt, GraphQLObjectType, GraphQLSchema, parse, type ExecutionResult } from 'graphql';
import { createContextCache } from '@pothos/core';
import { subscribe, type Mask } from '../../src/realtime/subscribe.js';

/** An event source that hands out `events` (an Error is thrown instead of handed out), then waits; counts its return() calls. */
function source(events: (number | Error)[]) {
  const state = { returned: 0 };
  const it: AsyncIterableIterator<number> = {
    next: async () => {
      const e = events.shift();
      if (e instanceof Error) throw e;
      return e === undefined ? new Promise<never>(() => {}) : { value: e, done: false };
    },
    return: async () => {
      state.returned++;
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]: () => it,
  };
  return { it, state };
}

function schemaOver(events: AsyncIterableIterator<number>) {
  const field = { type: GraphQLInt, subscribe: () => events, resolve: (n: number) => n };
  return new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLInt } } }),
    subscription: new GraphQLObjectType({ name: 'Subscription', fields: { tick: field } }),
  });
}

/** Hides every error as the server does. */
const hide: Mask = (r) => (r.errors ? { ...r, errors: r.errors.map(() => new GraphQLError('Unexpected error.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })) } : r);

/** A result as it goes out (graphql-js gives null-prototype objects). */
const plain = (r: IteratorResult<ExecutionResult>) => JSON.parse(JSON.stringify(r.value));

async function start(events: (number | Error)[], mask: Mask) {
  const { it, state } = source(events);
  const results = await subscribe({ schema: schemaOver(it), document: parse('subscription { tick }'), contextValue: {} }, mask);
  assert.ok(Symbol.asyncIterator in results, 'a stream of results');
  return { results: results as AsyncIterableIterator<ExecutionResult>, state };
}

test('events run through the selection, in order', async () => {
  const { results } = await start([1, 2], hide);
  assert.deepEqual(plain(await results.next()), { data: { tick: 1 } });
  assert.deepEqual(plain(await results.next()), { data: { tick: 2 } });
  await results.return!();
});

test('masking that throws on an event: the error goes out masked, the source is returned, the stream ends', async () => {
  const mask: Mask = (r) => {
    if (r.data) throw new Error('secret detail of a failure');
    return hide(r);
  };
  const { results, state } = await start([1, 2], mask);
  const r = await results.next();
  assert.equal(r.done, false);
  assert.deepEqual(r.value.errors?.map((e) => [e.message, e.extensions?.code]), [['Unexpected error.', 'INTERNAL_SERVER_ERROR']]);
  assert.equal(state.returned, 1, 'the source was let go');
  assert.deepEqual(await results.next(), { value: undefined, done: true });
});

test('masking that throws on the error too: a generic error still goes out', async () => {
  const { results, state } = await start([1], () => {
    throw new Error('secret detail');
  });
  const r = await results.next();
  assert.deepEqual(r.value.errors?.map((e: GraphQLError) => [e.message, e.extensions?.code]), [['Unexpected error.', 'INTERNAL_SERVER_ERROR']]);
  assert.equal(state.returned, 1);
  assert.deepEqual(await results.next(), { value: undefined, done: true });
});

test('a source that fails: its error goes out masked, the source is returned, the stream ends', async () => {
  const { results, state } = await start([1, new Error('the bus broke')], hide);
  assert.deepEqual(plain(await results.next()), { data: { tick: 1 } });
  const r = await results.next();
  assert.deepEqual(r.value.errors?.map((e: GraphQLError) => e.message), ['Unexpected error.']);
  assert.equal(state.returned, 1, 'the source was let go');
  assert.deepEqual(await results.next(), { value: undefined, done: true });
});

/** A per-request cache as Pothos' plugins keep one (the auth-scope cache keys results by the parent object). */
const perRequest = createContextCache(() => ({ parents: new Map<object, number>(), made: ++cachesMade }));
let cachesMade = 0;

/** A stream of `count` new objects { n }, then a wait; `refs` holds a WeakRef to each. */
function objects(count: number, refs: WeakRef<object>[]) {
  let n = 0;
  const it: AsyncIterableIterator<{ n: number }> = {
    next: async () => {
      if (n === count) return new Promise<never>(() => {});
      const value = { n: ++n };
      refs.push(new WeakRef(value));
      return { value, done: false };
    },
    return: async () => ({ value: undefined, done: true }),
    [Symbol.asyncIterator]: () => it,
  };
  return it;
}

function cachingSchema(events: AsyncIterableIterator<{ n: number }>) {
  const Tick = new GraphQLObjectType({
    name: 'Tick',
    fields: {
      n: { type: GraphQLInt, resolve: (e: object) => (e as { n: number }).n },
      // Reads the request's cache and keeps the parent in it, as an auth scope does.
      cache: {
        type: GraphQLInt,
        resolve: (e: object, _a, ctx: object) => {
          const c = perRequest(ctx);
          c.parents.set(e, 1);
          return c.made;
        },
      },
      seen: { type: GraphQLInt, resolve: (_e, _a, ctx: object) => perRequest(ctx).parents.size },
    },
  });
  return new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLInt } } }),
    subscription: new GraphQLObjectType({ name: 'Subscription', fields: { tick: { type: Tick, subscribe: () => events, resolve: (e: object) => e } } }),
  });
}

test('each event runs with per-request caches of its own', async () => {
  const refs: WeakRef<object>[] = [];
  const results = (await subscribe({ schema: cachingSchema(objects(3, refs)), document: parse('subscription { tick { n cache seen } }'), contextValue: {} }, hide)) as AsyncIterableIterator<ExecutionResult>;
  const ticks: { n: number; cache: number; seen: number }[] = [];
  for (let i = 0; i < 3; i++) ticks.push(plain(await results.next()).data.tick);
  await results.return!();
  assert.deepEqual(ticks.map((t) => t.n), [1, 2, 3]);
  assert.equal(new Set(ticks.map((t) => t.cache)).size, 3, 'a cache per event');
  assert.deepEqual(ticks.map((t) => t.seen), [1, 1, 1], 'each cache holds its own event only');
});

test('a subscription keeps nothing of its past events', async () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const refs: WeakRef<object>[] = [];
  const results = (await subscribe({ schema: cachingSchema(objects(50, refs)), document: parse('subscription { tick { n cache } }'), contextValue: {} }, hide)) as AsyncIterableIterator<ExecutionResult>;
  for (let i = 0; i < 50; i++) assert.equal(plain(await results.next()).data.tick.n, i + 1);
  // WeakRefs made in this job hold their targets until it ends.
  await new Promise((r) => setImmediate(r));
  gc();
  const alive = refs.filter((r) => r.deref() !== undefined).length;
  assert.ok(alive <= 1, `${alive} of 50 past events still held`);
  await results.return!();
});
