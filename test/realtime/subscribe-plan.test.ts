// Subscription events run by a plan (src/realtime/subscribe.ts, planEvents and runPlan): for the
// selections it takes, every event gives exactly what graphql-js's execute gives, and an event
// that is not plain is left to execute.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  execute,
  GraphQLEnumType,
  GraphQLInputObjectType,
  GraphQLList,
  GraphQLID,
  GraphQLInt,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  GraphQLSchema,
  GraphQLString,
  parse,
  type ExecutionArgs,
  type ExecutionResult,
} from 'graphql';
import { planEvents, runPlan, subscribe, type Mask } from '../../src/realtime/subscribe.js';

interface Event {
  id?: unknown;
  n?: unknown;
  s?: unknown;
  color?: unknown;
  at?: unknown;
  must?: unknown;
}

const Color = new GraphQLEnumType({ name: 'Color', values: { RED: { value: 'r' }, BLUE: { value: 'b' } } });
const Stamp = new GraphQLScalarType({
  name: 'Stamp',
  serialize: (v) => {
    if (!(v instanceof Date)) throw new TypeError('Stamp cannot represent a value that is not a date');
    return v.toISOString();
  },
});
/** A scalar whose serialize answers null for an empty string (graphql-js makes that an error). */
const Blankable = new GraphQLScalarType({ name: 'Blankable', serialize: (v) => (v === '' ? null : v) });
const Filter = new GraphQLInputObjectType({ name: 'Filter', fields: { tags: { type: new GraphQLList(GraphQLString) } } });
const seenContexts: unknown[] = [];
let laterCalls = 0;
const Thing: GraphQLObjectType = new GraphQLObjectType({
  name: 'Thing',
  fields: () => ({
    id: { type: new GraphQLNonNull(GraphQLID) },
    n: { type: GraphQLInt },
    s: { type: GraphQLString, resolve: (t: Event) => (typeof t.s === 'string' ? t.s.toUpperCase() : t.s) },
    color: { type: Color },
    at: { type: Stamp },
    must: { type: new GraphQLNonNull(GraphQLInt) },
    who: {
      type: GraphQLString,
      resolve: (_t: Event, _a: unknown, ctx: { name: string }, info) => {
        seenContexts.push(ctx);
        return `${ctx.name}@${info.parentType.name}.${info.fieldName}:${info.path.prev?.key}/${info.path.key}`;
      },
    },
    boom: {
      type: GraphQLString,
      resolve: () => {
        throw new Error('boom');
      },
    },
    later: {
      type: GraphQLString,
      resolve: async () => {
        laterCalls++;
        return 'later';
      },
    },
    withArg: { type: GraphQLString, args: { x: { type: GraphQLInt, defaultValue: 1 } }, resolve: (_t: Event, a: { x: number }) => `x=${a.x}` },
    child: { type: Thing, resolve: (t: Event) => t },
    blank: { type: Blankable },
    fails: { type: GraphQLString, resolve: () => Promise.reject(new Error('refused later')) },
  }),
});
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLInt } } }),
  subscription: new GraphQLObjectType({
    name: 'Subscription',
    fields: {
      thing: {
        type: Thing,
        args: { id: { type: new GraphQLNonNull(GraphQLID) }, scale: { type: GraphQLInt, defaultValue: 1 } },
        resolve: (source: unknown, a: { id: string; scale: number }) => {
          const e = source as Event | null;
          return e === null ? null : { ...e, n: typeof e.n === 'number' ? e.n * a.scale : e.n };
        },
      },
      mustThing: { type: new GraphQLNonNull(Thing), resolve: (e: unknown) => e },
      tick: { type: GraphQLInt, resolve: (e: unknown) => e },
      // Changes its arguments: each event must get its own, as graphql-js gives them.
      tagged: {
        type: GraphQLInt,
        args: { filter: { type: Filter }, n: { type: GraphQLInt } },
        resolve: (_e: unknown, a: { n?: number }) => (a.n = (a.n ?? 0) + 1),
      },
    },
  }),
});

const events: unknown[] = [
  { id: 1, n: 2, s: 'a', color: 'r', at: new Date(0), must: 5 },
  { id: 'x', n: null, s: null, color: 'b', at: null, must: 0 },
  { id: 3, n: 4, s: 'c', color: 'green', must: 1 }, // an enum value the type does not know
  { id: 4, n: 'five', must: 1 }, // not an Int
  { id: 5, at: 'yesterday', must: 1 }, // not a date
  { id: 6, n: 1 }, // `must` missing
  { n: 1, must: 1 }, // `id` missing
  null,
];

const ctx = { name: 'ctx' };
const argsOf = (query: string, variableValues?: Record<string, unknown>): ExecutionArgs => ({ schema, document: parse(query), contextValue: ctx, variableValues });
const json = (r: unknown) => JSON.parse(JSON.stringify(r)) as unknown;

async function compare(query: string, variableValues?: Record<string, unknown>) {
  const args = argsOf(query, variableValues);
  const plan = planEvents(args);
  assert.ok(plan, `a plan for ${query}`);
  let planned = 0;
  for (const event of [...events, 7, 'eight']) {
    const byPlan = runPlan(plan, event, ctx);
    const byExecute = await execute({ ...args, rootValue: event });
    if (byPlan) {
      planned++;
      assert.deepEqual(json(byPlan), json(byExecute), `${query} over ${JSON.stringify(event)}`);
      assert.equal(byExecute.errors, undefined, 'the plan answers only events without errors');
    }
  }
  return planned;
}

test('plain selections: each event gives what execute gives', async () => {
  // How many of the ten events each plan answers itself (the others have errors in execute).
  assert.equal(await compare('subscription { thing(id: "1") { id n s color at __typename } }'), 4);
  assert.equal(await compare('subscription ($id: ID!, $k: Int) { thing(id: $id, scale: $k) { first: n id also: s } }', { id: 1, k: 3 }), 6);
  assert.equal(await compare('subscription { mustThing { must } }'), 6);
  assert.equal(await compare('subscription { tick }'), 2);
  assert.equal(await compare('subscription Named { thing(id: 1) { who } }'), 10);
  assert.equal(await compare('subscription { thing(id: "1") { __proto__: n id } }'), 6);
  assert.equal(await compare('subscription ($n: Int) { tagged(n: $n) }', { n: 1 }), 10);
  assert.equal(await compare('subscription { tagged(n: 5) }'), 10);
});

test('events that are not plain are left to execute: errors, null for a non-null field, promises', async () => {
  const plan = planEvents(argsOf('subscription { thing(id: "1") { boom later } }'))!;
  assert.ok(plan, 'the selection is plain');
  assert.equal(runPlan(plan, events[0], ctx), null, 'a resolver that throws');
  const later = planEvents(argsOf('subscription { thing(id: "1") { later } }'))!;
  assert.equal(runPlan(later, events[0], ctx), null, 'a resolver that answers a promise');
  const must = planEvents(argsOf('subscription { mustThing { must } }'))!;
  assert.equal(runPlan(must, null, ctx), null, 'null for a non-null root');
  assert.equal(runPlan(must, { must: null }, ctx), null, 'null for a non-null field');
  const blank = planEvents(argsOf('subscription { thing(id: "1") { blank } }'))!;
  assert.deepEqual(json(runPlan(blank, { id: 1, blank: 'x' }, ctx)), { data: { thing: { blank: 'x' } } });
  assert.equal(runPlan(blank, { id: 1, blank: '' }, ctx), null, 'a scalar that serializes to null');
  assert.ok((await execute({ ...argsOf('subscription { thing(id: "1") { blank } }'), rootValue: { id: 1, blank: '' } })).errors, 'execute gives an error');
  const fails = planEvents(argsOf('subscription { thing(id: "1") { fails } }'))!;
  assert.equal(runPlan(fails, events[0], ctx), null, 'a promise that will reject');
  assert.equal(fails.async, true);
  // Its rejection is handled (an unhandled one fails this test file).
  await new Promise((r) => setTimeout(r, 20));
});

test('selections the plan does not take', () => {
  for (const query of [
    'subscription { thing(id: "1") { ...F } } fragment F on Thing { id }',
    'subscription { thing(id: "1") { ... on Thing { id } } }',
    'subscription { thing(id: "1") { id @include(if: true) } }',
    'subscription @foo { thing(id: "1") { id } }',
    'subscription { thing(id: "1") { withArg } }',
    'subscription { thing(id: "1") { withArg(x: 2) } }',
    'subscription { thing(id: "1") { child { id } } }',
    'subscription { thing(id: "1") { id id } }',
    'subscription { thing(id: "1") }',
    'subscription { tick { x } }',
    'subscription { tagged(filter: { tags: ["a"] }) }',
    'query { ok }',
  ]) {
    assert.equal(planEvents(argsOf(query)), null, query);
  }
  assert.equal(planEvents(argsOf('subscription ($id: ID!) { thing(id: $id) { id } }', {})), null, 'variables that do not coerce');
  assert.equal(planEvents(argsOf('subscription ($f: Filter) { tagged(n: 1) }', { f: { tags: [] } })), null, 'a variable that is an input object');
});

test('resolvers get the context and the info execute gives them', async () => {
  seenContexts.length = 0;
  const plan = planEvents(argsOf('subscription { thing(id: "1") { w: who } }'))!;
  const out = runPlan(plan, events[0], ctx);
  assert.deepEqual(json(out), { data: { thing: { w: 'ctx@Thing.who:thing/w' } } });
  assert.equal(seenContexts[0], ctx);
});

/** An event source that hands out `values`, then waits. */
function source(values: unknown[]) {
  const it: AsyncIterableIterator<unknown> = {
    next: async () => (values.length ? { value: values.shift(), done: false } : new Promise<never>(() => {})),
    return: async () => ({ value: undefined, done: true }),
    [Symbol.asyncIterator]: () => it,
  };
  return it;
}

test('through subscribe: plain events and the others, in order, with execute\'s errors', async () => {
  const values = [events[0], { ...(events[0] as object), color: 'green' }, events[1]];
  const streamSchema = new GraphQLSchema({
    query: schema.getQueryType()!,
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: { thing: { type: Thing, args: { id: { type: GraphQLID } }, subscribe: () => source([...values]), resolve: (e: unknown) => e } },
    }),
  });
  const keep: Mask = (r) => r;
  const results = (await subscribe({ schema: streamSchema, document: parse('subscription { thing(id: 1) { id color } }'), contextValue: {} }, keep)) as AsyncIterableIterator<ExecutionResult>;
  const got = [];
  for (let i = 0; i < values.length; i++) got.push(json((await results.next()).value));
  await results.return!();
  assert.deepEqual(got[0], { data: { thing: { id: '1', color: 'RED' } } });
  assert.deepEqual((got[1] as { data: unknown }).data, { thing: { id: '1', color: null } });
  assert.match((got[1] as { errors: { message: string }[] }).errors[0]!.message, /Enum "Color" cannot represent value/);
  assert.deepEqual(got[2], { data: { thing: { id: 'x', color: 'BLUE' } } });
});

test('a resolver that answers a promise sends the rest of the subscription to execute (it is not called twice per event)', async () => {
  const streamSchema = new GraphQLSchema({
    query: schema.getQueryType()!,
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: { thing: { type: Thing, args: { id: { type: GraphQLID } }, subscribe: () => source([events[0], events[0], events[0]]), resolve: (e: unknown) => e } },
    }),
  });
  laterCalls = 0;
  const results = (await subscribe({ schema: streamSchema, document: parse('subscription { thing(id: 1) { id later } }'), contextValue: {} }, (r) => r)) as AsyncIterableIterator<ExecutionResult>;
  for (let i = 0; i < 3; i++) assert.deepEqual(json((await results.next()).value), { data: { thing: { id: '1', later: 'later' } } });
  await results.return!();
  assert.equal(laterCalls, 4, 'by the plan once, then by execute for each event');
});
