// The cost limit (GRAPHQL_MAX_COST) with page sizes as they are when the operation runs.
//
// graphql-armor's costLimit runs while the document is validated, before variables are known: it
// multiplies a list's cost by its page size only when `first:`/`last:` is written in the document
// as a number, so `first: $n` and every `limit:` counted as 1, and a page of 100 cost as much as
// a page of 1. This plugin computes armor's cost again once the variables are known, with every
// page-size argument's actual value (a literal, a variable, a variable's default, the argument's
// default in the schema), and refuses an operation over the limit exactly as armor does: a
// validation error (400, GRAPHQL_VALIDATION_FAILED) before the request context is made and before
// any resolver runs, so a refused operation has no side effect and is not counted as a request.
//
// The cost model is armor's (2.4, its defaults as the server uses them), node for node:
//   a leaf field                  scalarCost (1)
//   a field with a selection      (objectCost (2) + Σ depthCostFactor (1.5) × cost(child)) × size
//   an inline fragment            objectCost + Σ 1.5 × cost(child)
//   a fragment spread             scalarCost + 1.5 × (objectCost + Σ 1.5 × cost(child of the fragment))
//   __schema                      0 (armor leaves introspection out)
//   the operation                 Σ cost(top-level selection)
// where size is the largest page-size argument of the field (first, last, limit, pageSize), at
// least 1 and at most the schema's page cap, 100; armor's size is the literal first/last only.
// An argument left out counts as the page the resolver returns then: its default in the schema
// (each `limit:` and `pageSize:` declares the default its resolver uses), or for a connection
// without first or last, the connections' default page of 20. Armor counts those as 1.
// With the same page sizes (up to 100) written as literals the two costs are the same, and a
// `limit:` now counts like a `first:`. The cap is what the resolvers enforce: Relay connections
// return at most maxSize: 100 rows, and the offset pages (credits' pageOf, listUsers, avatarsOf)
// refuse a limit or pageSize over 100 with BAD_USER_INPUT naming the argument — a refusal that a
// page size of 1000 by variable still gets, instead of a cost refusal. (A literal `first: 1000`
// is still refused by armor's own count.)
//
// Why not graphql-query-complexity (the usual library for this): it merges fragments into their
// parent selection (no fragment cost), takes the largest of an abstract type's possible types and
// drops @skip/@include'd fields, so its cost of a document is not armor's — a page of tasks
// selected through a fragment costs about 2.25 times less than armor counts it, so the same
// query would get a larger page by variable than armor allows written out. Re-walking armor's
// formula is a few lines; only the page sizes differ.
//
// Where it runs: after validation, which both Yoga (HTTP, SSE) and the server's graphql-ws path
// call with the request's params (query, variables, operationName) in the envelop context. The
// refusal is thrown from the validation hook rather than added to its result, because Yoga caches
// validation results per document: a result that depends on the variables must not be cached.
// An operation that reaches execute or subscribe without having been checked there (an
// envelope made without params) is checked in onExecute / onSubscribe instead.
import type { Plugin } from '@envelop/core';
import {
  BREAK,
  getArgumentValues,
  getNamedType,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  TypeMetaFieldDef,
  valueFromASTUntyped,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type InlineFragmentNode,
  type OperationDefinitionNode,
  type SelectionNode,
} from 'graphql';

export interface VariableCostOptions {
  maxCost: number;
  /** Armor's defaults, which the server keeps. */
  objectCost?: number;
  scalarCost?: number;
  depthCostFactor?: number;
  /** The arguments that give a list's page size. */
  sizeArguments?: readonly string[];
  /** The most rows a page-size argument gives in this schema (larger values are refused or clamped by the resolvers). */
  maxPageSize?: number;
  /** The page a Relay connection returns when neither first nor last is given (the relay plugin's defaultSize). */
  connectionPageSize?: number;
}

/** The page-size arguments of the schema: Relay connections (first, last), offset pages (limit), avatars (pageSize). */
export const SIZE_ARGUMENTS = ['first', 'last', 'limit', 'pageSize'] as const;
/** The page cap every one of them has in this schema (see the top of this file). */
export const MAX_PAGE_SIZE = 100;
/** The page of a connection asked without first or last (defaultSize of every connection in this schema). */
export const CONNECTION_PAGE_SIZE = 20;

interface Walk {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  /** Each fragment's cost, computed once (armor does the same: it does not depend on where it is spread). */
  memo: Map<string, number>;
  objectCost: number;
  scalarCost: number;
  factor: number;
  sizes: ReadonlySet<string>;
  maxPageSize: number;
  connectionPageSize: number;
}

/**
 * The cost of the operation `operationName` of `document` run with `variables` (raw, as sent), or
 * null when it will not run at all (no such operation, variables that do not coerce): execution
 * refuses it then, with nothing run.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: unknown,
  operationName?: string | null,
  options: Omit<VariableCostOptions, 'maxCost'> = {},
): number | null {
  const operation = getOperationAST(document, operationName ?? undefined);
  if (!operation) return null;
  const inputs = variables && typeof variables === 'object' && !Array.isArray(variables) ? (variables as Record<string, unknown>) : {};
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], inputs, { maxErrors: 1 });
  if (coerced.errors) return null;
  return walkCost(schema, document, operation, coerced.coerced, options);
}

/** Armor's cost of the operation with these (coerced) variables. */
function walkCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  options: Omit<VariableCostOptions, 'maxCost'>,
): number {
  const walk: Walk = {
    schema,
    fragments: new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d])),
    variables,
    memo: new Map(),
    objectCost: options.objectCost ?? 2,
    scalarCost: options.scalarCost ?? 1,
    factor: options.depthCostFactor ?? 1.5,
    sizes: new Set(options.sizeArguments ?? SIZE_ARGUMENTS),
    maxPageSize: options.maxPageSize ?? MAX_PAGE_SIZE,
    connectionPageSize: options.connectionPageSize ?? CONNECTION_PAGE_SIZE,
  };
  const root = rootType(schema, operation);
  let cost = 0;
  for (const s of operation.selectionSet.selections) cost += selectionCost(walk, s, root);
  return cost;
}

function rootType(schema: GraphQLSchema, operation: OperationDefinitionNode) {
  return (operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType()) ?? undefined;
}

function selectionCost(w: Walk, node: SelectionNode, parent: GraphQLCompositeType | undefined): number {
  if (node.kind === Kind.FIELD) return fieldCost(w, node, parent);
  if (node.kind === Kind.INLINE_FRAGMENT) return setCost(w, node, typeNamed(w, node.typeCondition?.name.value) ?? parent);
  const name = node.name.value;
  let fragment = w.memo.get(name);
  if (fragment === undefined) {
    const def = w.fragments.get(name);
    // An unknown fragment (refused by validation before this runs) costs nothing more, as in armor.
    fragment = def ? setCost(w, def, typeNamed(w, def.typeCondition.name.value)) : 0;
    w.memo.set(name, fragment);
  }
  return w.scalarCost + w.factor * fragment;
}

/** An inline fragment or a fragment definition: a selection with no page size. */
function setCost(w: Walk, node: InlineFragmentNode | FragmentDefinitionNode, type: GraphQLCompositeType | undefined): number {
  let cost = w.objectCost;
  for (const child of node.selectionSet.selections) cost += w.factor * selectionCost(w, child, type);
  return cost;
}

function fieldCost(w: Walk, node: FieldNode, parent: GraphQLCompositeType | undefined): number {
  if (node.name.value === '__schema') return 0;
  if (!node.selectionSet) return w.scalarCost;
  const def = fieldDef(node, parent);
  const named = def && getNamedType(def.type);
  const type = named && isCompositeType(named) ? named : undefined;
  let cost = w.objectCost;
  for (const child of node.selectionSet.selections) cost += w.factor * selectionCost(w, child, type);
  return cost * pageSize(w, node, def);
}

function fieldDef(node: FieldNode, parent: GraphQLCompositeType | undefined): GraphQLField<unknown, unknown> | undefined {
  if (node.name.value === TypeMetaFieldDef.name) return TypeMetaFieldDef;
  return parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[node.name.value] : undefined;
}

function typeNamed(w: Walk, name: string | undefined): GraphQLCompositeType | undefined {
  const type = name ? w.schema.getType(name) : undefined;
  return type && isCompositeType(type) ? type : undefined;
}

/** The largest page-size argument the field runs with, from 1 to the page cap (armor's multiplier, from actual values). */
function pageSize(w: Walk, node: FieldNode, def: GraphQLField<unknown, unknown> | undefined): number {
  let values: Record<string, unknown>;
  try {
    // Literals, variables and both kinds of defaults, coerced as execution will.
    values = def ? getArgumentValues(def, node, w.variables) : untyped(w, node);
  } catch {
    // Arguments execution will refuse (the field then does not run): counted as written.
    values = untyped(w, node);
  }
  let size = 1;
  let given = false;
  for (const name of w.sizes) {
    let v = values[name];
    // Left out or null: the resolver pages by the argument's default (declared in the schema).
    if (v === undefined || v === null) v = def?.args.find((a) => a.name === name)?.defaultValue;
    else given = true;
    if (typeof v === 'number' && Number.isFinite(v)) size = Math.max(size, v);
  }
  // A connection asked without first or last returns its default page.
  if (!given && def?.args.some((a) => a.name === 'first' || a.name === 'last')) size = Math.max(size, w.connectionPageSize);
  return Math.min(size, Math.max(1, w.maxPageSize));
}

function untyped(w: Walk, node: FieldNode): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const arg of node.arguments ?? []) if (w.sizes.has(arg.name.value)) values[arg.name.value] = valueFromASTUntyped(arg.value, w.variables);
  return values;
}

/** Armor's refusal, as the server reports it: a validation error, 400 over HTTP. */
export function costRefusal(maxCost: number, cost: number): GraphQLError {
  return new GraphQLError(`Query Cost limit of ${maxCost} exceeded, found ${cost}.`, {
    extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { spec: true, status: 400 } },
  });
}

interface Params {
  variables?: unknown;
  operationName?: string | null;
}

/** The cost limit over the page sizes an operation runs with (see the top of this file). */
/** The refusal of an operation whose cost with these variables is over the limit, or null. */
export type VariableCostCheck = (schema: GraphQLSchema, document: DocumentNode, variables: unknown, operationName?: string | null) => GraphQLError | null;

/** Marks an operation whose cost is checked per request: its page sizes may come from variables (or it is over the limit). */
const DEPENDS = Symbol('depends on the variables');

export function variableCostCheck(options: VariableCostOptions): VariableCostCheck {
  const sizes = new Set(options.sizeArguments ?? SIZE_ARGUMENTS);
  // Per schema and parsed document (Yoga's parse cache and the plans keep one object per text), by
  // operation name: the cost once, when no page size is a variable. Most operations with
  // variables pass their input that way and page nothing by variable; coercing all their
  // variables and walking the document again on every request cost as much as a small query.
  const fixed = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, number | null | typeof DEPENDS>>>();
  const refusalOf = (cost: number | null) => (cost !== null && cost > options.maxCost ? costRefusal(options.maxCost, cost) : null);
  return (schema, document, variables, operationName) => {
    let bySchema = fixed.get(schema);
    if (!bySchema) fixed.set(schema, (bySchema = new WeakMap()));
    let byOperation = bySchema.get(document);
    if (!byOperation) bySchema.set(document, (byOperation = new Map()));
    const key = operationName ?? '';
    let known = byOperation.get(key);
    if (known === undefined) {
      known = sizesFromVariables(document, sizes) ? DEPENDS : fixedOperationCost(schema, document, operationName, options);
      // Over the limit: checked per request as before, so that variables that do not coerce are
      // still refused by execution, with their own error, rather than by the cost.
      if (known !== DEPENDS && known !== null && known > options.maxCost) known = DEPENDS;
      byOperation.set(key, known);
    }
    return known === DEPENDS ? refusalOf(operationCost(schema, document, variables, operationName, options)) : null;
  };
}

/** Whether a page-size argument anywhere in the document (its fragments too) has a variable in its value. */
function sizesFromVariables(document: DocumentNode, sizes: ReadonlySet<string>): boolean {
  let found = false;
  visit(document, {
    Argument(node) {
      if (!sizes.has(node.name.value)) return false;
      visit(node.value, {
        Variable() {
          found = true;
          return BREAK;
        },
      });
      return found ? BREAK : false;
    },
  });
  return found;
}

/**
 * The cost of an operation whose page sizes are written in the document or left to their
 * defaults: the same with any variables. Null when there is no such operation. Its variables
 * are not coerced (with any values they hold no page size); an argument that needs one falls back
 * to the page sizes as written, which are all that count.
 */
function fixedOperationCost(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, options: Omit<VariableCostOptions, 'maxCost'>): number | null {
  const operation = getOperationAST(document, operationName ?? undefined);
  return operation ? walkCost(schema, document, operation, {}, options) : null;
}

export function useVariableCost(options: VariableCostOptions): Plugin {
  // The envelop contexts whose operation was checked during validation.
  const checked = new WeakSet<object>();
  const refusal = variableCostCheck(options);
  return {
    onValidate({ context, params: { schema, documentAST } }) {
      const params = (context as { params?: Params } | undefined)?.params;
      if (!params) return;
      return ({ valid }) => {
        if (!valid) return;
        const err = refusal(schema, documentAST, params.variables, params.operationName);
        // Thrown, not added to the result: Yoga caches validation results by document.
        if (err) throw err;
        if (context && typeof context === 'object') checked.add(context);
      };
    },
    onExecute({ args, setResultAndStopExecution }) {
      if (args.contextValue && typeof args.contextValue === 'object' && checked.has(args.contextValue)) return;
      const err = refusal(args.schema, args.document, args.variableValues, args.operationName);
      if (err) setResultAndStopExecution({ errors: [err] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      if (args.contextValue && typeof args.contextValue === 'object' && checked.has(args.contextValue)) return;
      const err = refusal(args.schema, args.document, args.variableValues, args.operationName);
      if (err) setResultAndStopExecution({ errors: [err] });
    },
  };
}
