// Subscriptions over graphql-ws, run with as little per subscription as graphql-js allows: the
// root field's `subscribe` gives the event stream (graphql-js createSourceEventStream, where
// authorization happens), and each event runs the operation's selection over it (graphql-js
// execute with the event as root value, as graphql-js's own subscribe does), through one small
// iterator. Envelop's per-subscription wrappers (one async iterator per plugin hook) are left out.
// An idle subscription then holds its source, this iterator and a copy of its context's fields,
// which is what lets one process hold 10,000 of them (BENCHMARKS.md, P5). What the wrappers did
// for subscriptions, masking unexpected errors, is done here by `mask`. The usual selection (one
// root field and its scalar fields) runs each event by a plan made once (`planEvents`) instead
// of through execute (BENCHMARKS.md, P4).
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
import {
  createSourceEventStream,
  defaultFieldResolver,
  execute,
  getArgumentValues,
  getNullableType,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  isLeafType,
  isNonNullType,
  isObjectType,
  Kind,
  locatedError,
  type ExecutionArgs,
  type ExecutionResult,
  type FieldNode,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLLeafType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLResolveInfo,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

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

/** A field the plan resolves: its response key, definition, resolver and type. */
interface PlannedField {
  key: string;
  node: FieldNode;
  /** Null for `__typename`. */
  def: GraphQLField<unknown, unknown> | null;
  resolve: GraphQLFieldResolver<unknown, unknown>;
  type: GraphQLOutputType;
  nonNull: boolean;
  /** The field's type when it is a scalar or an enum. */
  leaf: GraphQLLeafType | null;
}

/**
 * How to run an event without graphql-js's execute, for the usual subscription: one root field
 * whose type is a scalar or enum, or an object type of which only scalar and enum fields are
 * selected, with no fragments, directives or arguments below the root, and arguments and variables
 * of plain values (no input objects or lists). Every event then calls the
 * same resolvers graphql-js would (with Pothos' wrappers: auth scopes and all), with the root's
 * arguments and the variables coerced once, and serializes the values as graphql-js does; what
 * graphql-js would add per event (an execution context, the variables coerced again, the fields
 * collected, the arguments read, a memo keyed by the context) is done once. Any event that is not
 * plain (a resolver that throws or answers a promise or an Error, a null where the type forbids
 * it, a value its scalar cannot serialize, an object its type does not recognize) runs through
 * execute instead, which gives the error graphql-js gives: the resolvers of a plain selection only
 * read their parent, so running them again changes nothing.
 */
export interface EventPlan {
  schema: ExecutionArgs['schema'];
  /** The operation's variables, coerced. */
  variableValues: Record<string, unknown>;
  operation: OperationDefinitionNode;
  subscriptionType: GraphQLObjectType;
  root: PlannedField & { args: Record<string, unknown> };
  /** The root field's object type, when the root is not a leaf. */
  object: GraphQLObjectType | null;
  fields: PlannedField[];
  /**
   * Set when a resolver answered a promise: its events go to execute from then on, so that an
   * asynchronous resolver (one that reads the database, say) is not called twice per event.
   */
  async: boolean;
}

const keyOf = (node: FieldNode) => node.alias?.value ?? node.name.value;

/** The fields of a selection set when it is plain: no fragments, no directives, no repeated keys. */
function plainFields(set: SelectionSetNode): FieldNode[] | null {
  const out: FieldNode[] = [];
  const keys = new Set<string>();
  for (const sel of set.selections) {
    if (sel.kind !== Kind.FIELD || sel.directives?.length) return null;
    const key = keyOf(sel);
    if (keys.has(key)) return null;
    keys.add(key);
    out.push(sel);
  }
  return out;
}

function planned(node: FieldNode, def: GraphQLField<unknown, unknown>, fallback: GraphQLFieldResolver<unknown, unknown>): PlannedField {
  const named = getNullableType(def.type);
  return { key: keyOf(node), node, def, resolve: def.resolve ?? fallback, type: def.type, nonNull: isNonNullType(def.type), leaf: isLeafType(named) ? named : null };
}

/**
 * Whether a shallow copy of these values is what graphql-js would hand each event: no nested
 * objects (input objects, lists, dates), which it makes anew for every event and a resolver could
 * change.
 */
const flat = (values: Record<string, unknown>) => Object.values(values).every((v) => v === null || typeof v !== 'object');

/** The plan of a subscription operation's events, or null when they need graphql-js's execute. */
export function planEvents(args: ExecutionArgs): EventPlan | null {
  try {
    const { schema, document } = args;
    const operation = getOperationAST(document, args.operationName);
    const subscriptionType = schema.getSubscriptionType();
    if (!operation || operation.operation !== 'subscription' || !subscriptionType || operation.directives?.length) return null;
    if (document.definitions.some((d) => d.kind === Kind.FRAGMENT_DEFINITION)) return null;
    const top = plainFields(operation.selectionSet);
    if (!top || top.length !== 1) return null;
    const rootNode = top[0]!;
    const rootDef = subscriptionType.getFields()[rootNode.name.value];
    if (!rootDef) return null;
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], (args.variableValues ?? {}) as Record<string, unknown>);
    if (coerced.errors) return null;
    const variableValues = coerced.coerced;
    const fallback = args.fieldResolver ?? defaultFieldResolver;
    const rootArgs = getArgumentValues(rootDef, rootNode, variableValues);
    if (!flat(variableValues) || !flat(rootArgs)) return null;
    const root = { ...planned(rootNode, rootDef, fallback), args: rootArgs };
    const named = getNullableType(root.type);
    const plan: EventPlan = { schema, variableValues, operation, subscriptionType, root, object: null, fields: [], async: false };
    if (root.leaf) return rootNode.selectionSet ? null : plan;
    if (!isObjectType(named) || !rootNode.selectionSet) return null;
    const subs = plainFields(rootNode.selectionSet);
    if (!subs) return null;
    const fields = named.getFields();
    for (const node of subs) {
      if (node.arguments?.length || node.selectionSet) return null;
      if (node.name.value === '__typename') {
        plan.fields.push({ key: keyOf(node), node, def: null, resolve: fallback, type: named, nonNull: true, leaf: null });
        continue;
      }
      const def = fields[node.name.value];
      if (!def || def.args.length) return null;
      const field = planned(node, def, fallback);
      if (!field.leaf) return null;
      plan.fields.push(field);
    }
    plan.object = named;
    return plan;
  } catch {
    return null;
  }
}

/** Stands for "run this event through execute". */
const NOT_PLAIN = Symbol('not plain');

/**
 * A resolver answered a promise: the plan gives the event to execute, which calls the resolver
 * again, and the subscription's next events go to execute directly. The promise is let go
 * with a handler, so that its failure (execute reports its own) is not an unhandled rejection.
 */
function letGo(plan: EventPlan, promise: PromiseLike<unknown>): typeof NOT_PLAIN {
  plan.async = true;
  Promise.resolve(promise).catch(() => {});
  return NOT_PLAIN;
}

/** The value a leaf field sends, or NOT_PLAIN. */
function complete(plan: EventPlan, field: PlannedField, value: unknown): unknown {
  if (value === null || value === undefined) return field.nonNull ? NOT_PLAIN : null;
  try {
    if (thenable(value)) return letGo(plan, value);
    if (value instanceof Error) return NOT_PLAIN;
    const out = field.leaf!.serialize(value);
    // graphql-js refuses a serialized null or undefined (an error, even in a nullable field).
    return out === undefined || out === null ? NOT_PLAIN : out;
  } catch {
    return NOT_PLAIN;
  }
}

/** The result of one event by the plan, or null when it must run through execute. */
export function runPlan(plan: EventPlan, event: unknown, contextValue: unknown): ExecutionResult | null {
  const { root, object } = plan;
  // Copies for each event, as graphql-js coerces them anew for each (their values are flat).
  const variableValues = { ...plan.variableValues };
  const info = (field: PlannedField, parentType: GraphQLObjectType, path: GraphQLResolveInfo['path']): GraphQLResolveInfo => ({
    fieldName: field.node.name.value,
    fieldNodes: [field.node],
    returnType: field.type,
    parentType,
    path,
    schema: plan.schema,
    fragments: {},
    rootValue: event,
    operation: plan.operation,
    variableValues,
  });
  const rootPath = { prev: undefined, key: root.key, typename: plan.subscriptionType.name };
  const rootInfo = info(root, plan.subscriptionType, rootPath);
  // Results are objects without a prototype, as graphql-js makes them (an alias `__proto__` is a key).
  const result = (value: unknown): ExecutionResult => {
    const data = Object.create(null) as Record<string, unknown>;
    data[root.key] = value;
    return { data };
  };
  let value: unknown;
  try {
    value = root.resolve(event, { ...root.args }, contextValue, rootInfo);
    if (!object) {
      const out = complete(plan, root, value);
      return out === NOT_PLAIN ? null : result(out);
    }
    if (value === null || value === undefined) return root.nonNull ? null : result(null);
    if (thenable(value)) {
      letGo(plan, value);
      return null;
    }
    if (value instanceof Error) return null;
    if (object.isTypeOf) {
      const is = object.isTypeOf(value, contextValue, rootInfo);
      if (thenable(is)) {
        letGo(plan, is);
        return null;
      }
      if (is !== true) return null;
    }
  } catch {
    return null;
  }
  const data = Object.create(null) as Record<string, unknown>;
  for (const field of plan.fields) {
    if (!field.def) {
      data[field.key] = object.name;
      continue;
    }
    let v: unknown;
    try {
      v = field.resolve(value, {}, contextValue, info(field, object, { prev: rootPath, key: field.key, typename: object.name }));
    } catch {
      return null;
    }
    const out = complete(plan, field, v);
    if (out === NOT_PLAIN) return null;
    data[field.key] = out;
  }
  return result(data);
}

class EventResults implements AsyncIterableIterator<ExecutionResult> {
  private ended = false;
  private readonly args: ExecutionArgs;
  /** Made at the first event (an idle subscription holds none); null when events need execute. */
  private plan: EventPlan | null | undefined;

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
    if (this.plan === undefined) this.plan = planEvents(this.args);
    if (this.plan) {
      const planned = runPlan(this.plan, event.value, contextValue);
      if (planned) {
        this.done(contextValue);
        return this.masked(planned);
      }
      // Not plain: execute runs it with caches of its own (not those the plan's resolvers made).
      if (this.plan.async) this.plan = null;
      this.done(contextValue);
      contextValue[contextCacheSymbol] = {};
    }
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
