// The lean subscription path (src/realtime/subscribe.ts): an event that cannot be run, or a
// stream that fails, ends the subscription with a masked error and lets go of the source.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphQLError, GraphQLInt, GraphQLObjectType, GraphQLSchema, parse, type ExecutionResult } from 'graphql';
import { scalarsOnly, subscribe, type Mask } from '../../src/realtime/subscribe.js';

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

test('events reuse the subscription context only when the selection reads no more than the event', async () => {
  // A per-context id, as Pothos keeps its caches per context object.
  const ids = new WeakMap<object, number>();
  let made = 0;
  const idOf = (ctx: object) => {
    if (!ids.has(ctx)) ids.set(ctx, ++made);
    return ids.get(ctx)!;
  };
  let next = 0;
  const events: AsyncIterableIterator<number> = { next: async () => ({ value: ++next, done: false }), return: async () => ({ value: undefined, done: true }), [Symbol.asyncIterator]: () => events };
  const Inner: GraphQLObjectType = new GraphQLObjectType({ name: 'Inner', fields: { ctx: { type: GraphQLInt, resolve: (_s, _a, c: object) => idOf(c) } } });
  const Tick = new GraphQLObjectType({
    name: 'Tick',
    fields: { n: { type: GraphQLInt, resolve: (n: number) => n }, ctx: { type: GraphQLInt, resolve: (_s, _a, c: object) => idOf(c) }, inner: { type: Inner, resolve: () => ({}) } },
  });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLInt } } }),
    subscription: new GraphQLObjectType({ name: 'Subscription', fields: { tick: { type: Tick, subscribe: () => events, resolve: (n: number) => n } } }),
  });
  const contexts = async (query: string) => {
    const results = (await subscribe({ schema, document: parse(query), contextValue: {} }, hide)) as AsyncIterableIterator<ExecutionResult>;
    const seen: unknown[] = [];
    for (let i = 0; i < 3; i++) seen.push(plain(await results.next()).data.tick);
    await results.return!();
    return seen as { ctx?: number; inner?: { ctx: number } }[];
  };
  const scalars = await contexts('subscription { tick { n ctx } }');
  assert.equal(new Set(scalars.map((t) => t.ctx)).size, 1, 'one context for every event');
  const viaFragment = await contexts('subscription { tick { ...F } } fragment F on Tick { n ctx }');
  assert.equal(new Set(viaFragment.map((t) => t.ctx)).size, 1);
  const nested = await contexts('subscription { tick { n inner { ctx } } }');
  assert.equal(new Set(nested.map((t) => t.inner!.ctx)).size, 3, 'a context per event');
  const nestedViaFragment = await contexts('subscription { tick { ...F } } fragment F on Tick { inner { ctx } ctx }');
  assert.equal(new Set(nestedViaFragment.map((t) => t.ctx)).size, 3);
});

test('on the schema: a progress selection reuses the context; relations, relation loads and objects do not', async () => {
  const { schema } = await import('../../src/schema/index.js');
  const check = (query: string) => scalarsOnly({ schema, document: parse(query) });
  assert.equal(check('subscription { taskUpdated(id: "1") { id status progress progressMessage queuePosition __typename } }'), true);
  assert.equal(check('subscription S { myTaskEvents { ...P } } fragment P on Task { id status progress }'), true);
  assert.equal(check('subscription { taskUpdated(id: "1") { id assets { id } } }'), false);
  assert.equal(check('subscription { taskUpdated(id: "1") { id model { id } } }'), false);
  assert.equal(check('subscription { myTaskEvents { ...P } } fragment P on Task { id retryOf { id } }'), false);
  // A leaf that loads: a relation count.
  assert.equal(check('query { chat(id: "1") { id title } }'), true);
  assert.equal(check('query { chat(id: "1") { id messageCount } }'), false);
});
