// Checks every field's arguments before its resolver runs, and gives a code to the input errors
// of the schema's plugins, so that nothing a client can send ends as "Unexpected error.":
// - a string (or object key) PostgreSQL cannot store — one holding a NUL character, or an
//   unpaired UTF-16 surrogate (which a json column refuses) — is BAD_USER_INPUT naming the
//   argument, whatever field it is given to; as a String `id` or `requestId` (a key looked up)
//   it names nothing that exists: NOT_FOUND;
// - Pothos' own refusals of arguments (connection paging, cursors, global ids) are
//   BAD_USER_INPUT naming the argument instead of errors without a code;
// - Relay's node(id) and nodes(ids) answer NOT_FOUND for a global id of no object (an unknown
//   type, an id no row can have, a row that does not exist), as they do for another user's;
// - a relation of an object deleted meanwhile (a task deleted while a subscription follows it)
//   is NOT_FOUND rather than the loader's internal error.
import { PothosValidationError } from '@pothos/core';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { getNamedType, isObjectType, type GraphQLField, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { AppError, badField, notFound } from '../errors.js';
import { isRecordNotFound } from '../lib/prisma-errors.js';
import { thenable } from '../lib/promise.js';
import { MAX_DB_ID } from './ids.js';

/** An unpaired UTF-16 surrogate: not Unicode, so not storable as text or JSON. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function unstorable(s: string): string | null {
  if (s.includes('\u0000')) return 'must not contain NUL characters';
  if (LONE_SURROGATE.test(s)) return 'must be valid Unicode (it holds an unpaired surrogate)';
  return null;
}

/** An input object (graphql-js makes them without a prototype) or a JSON object. */
function isPlain(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === null || proto === Object.prototype;
}

/** The first string or key in `value` that cannot be stored, with why; null when there is none (checked without recursion). */
export function unstorableInput(value: unknown): { path: string[]; message: string } | null {
  const stack: [unknown, string[]][] = [[value, []]];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      const message = unstorable(v);
      if (message) return { path, message };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], [...path, String(i)]]);
    } else if (v && typeof v === 'object' && isPlain(v)) {
      // Input objects and JSON values; a File (its bytes), a Date or a buffer is not text.
      for (const [k, x] of Object.entries(v).reverse()) {
        const message = unstorable(k);
        if (message) return { path: [...path, k], message };
        stack.push([x, [...path, k]]);
      }
    }
  }
  return null;
}

/** The argument a Pothos validation error is about: the one its message names, else the first given. */
function argumentOf(err: Error, field: GraphQLField<unknown, unknown>, args: Record<string, unknown>): string {
  const named = /Arguments? "?(\w+)"?/.exec(err.message)?.[1];
  if (named && field.args.some((a) => a.name === named)) return named;
  if (/cursor/i.test(err.message)) return args.after != null ? 'after' : 'before';
  return field.args.find((a) => args[a.name] !== undefined)?.name ?? field.args[0]?.name ?? 'input';
}

interface Guard {
  /** Checks the arguments before the resolver (throws the error to answer). */
  check?: (args: Record<string, unknown>) => void;
  /** What a row the field's loader requires, and no longer finds, is called in the NOT_FOUND error. */
  missing?: string;
  /** The resolver returns a list whose items resolve on their own (nodes). */
  items?: boolean;
}

/** String arguments that are keys to look up. */
const LOOKUP_KEYS = ['id', 'requestId'];

/** Mutations named after the row they change (updateChat, deleteApiKey, replayWebhookDelivery). */
const ROW_MUTATION = /^(delete|update|replay)[A-Z]/;

/** What a field looks up, for its NOT_FOUND message: deleteApiKey → "API key", taskByRequest → "Task". */
function labelOf(field: GraphQLField<unknown, unknown>): string {
  const words = field.name.replace(/^(delete|update|replay|get)(?=[A-Z])/, '').replace(/By[A-Z]\w*$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words.replace(/^api\b/, 'API').replace(/^./, (c) => c.toUpperCase());
}

function guarded(field: GraphQLField<unknown, unknown>, fn: GraphQLFieldResolver<unknown, unknown>, guard: Guard): GraphQLFieldResolver<unknown, unknown> {
  const checkArgs = field.args.length > 0;
  const lookupKeys = new Set(field.args.filter((a) => LOOKUP_KEYS.includes(a.name) && getNamedType(a.type).name === 'String').map((a) => a.name));
  const label = labelOf(field);
  return (source, args, ctx, info) => {
    if (checkArgs) {
      const bad = unstorableInput(args);
      if (bad) throw bad.path.length === 1 && lookupKeys.has(bad.path[0]!) ? new AppError('NOT_FOUND', `${label} not found`, { field: bad.path[0] }) : badField(bad.path.join('.'), bad.message);
      guard.check?.(args);
    }
    const map = (err: unknown) => {
      if (guard.missing && isRecordNotFound(err)) return notFound(guard.missing);
      if (err instanceof PothosValidationError) return badField(argumentOf(err, field, args), err.message);
      return err;
    };
    let result: unknown;
    try {
      result = fn(source, args, ctx, info);
    } catch (err) {
      throw map(err);
    }
    if (thenable(result)) return Promise.resolve(result).catch((err: unknown) => Promise.reject(map(err)));
    if (guard.items && Array.isArray(result)) return result.map((item) => (thenable(item) ? Promise.resolve(item).catch((err: unknown) => Promise.reject(map(err))) : item));
    return result;
  };
}

/** Relay's root fields: a global id must name a Node type and an id a row can have. */
function nodeCheck(schema: GraphQLSchema) {
  const nodeTypes = new Set(Object.values(schema.getTypeMap()).filter((t) => isObjectType(t) && t.getInterfaces().some((i) => i.name === 'Node')).map((t) => t.name));
  const check = (value: unknown) => {
    let decoded: { typename: string; id: string };
    try {
      decoded = decodeGlobalID(String(value));
    } catch {
      throw notFound('Node');
    }
    const n = Number(decoded.id);
    if (!nodeTypes.has(decoded.typename) || !/^\d{1,10}$/.test(decoded.id) || n < 1 || n > MAX_DB_ID) throw notFound('Node');
  };
  return (args: Record<string, unknown>) => {
    if (args.id !== undefined) check(args.id);
    if (Array.isArray(args.ids)) args.ids.forEach(check);
  };
}

/** Wraps the resolvers (and subscribers) of every field that takes arguments, and of every Prisma relation. */
export function guardSchema(schema: GraphQLSchema): GraphQLSchema {
  const queryType = schema.getQueryType();
  const mutationType = schema.getMutationType();
  const nodes: Guard = { check: nodeCheck(schema), missing: 'Node', items: true };
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const relation = !!field.extensions?.pothosPrismaRelationField;
      if (!field.args.length && !relation) continue;
      // The row an update, delete or replay names, there when checked and gone when written
      // (deleted meanwhile by another request), is not found, as it would have been a moment later.
      const guard: Guard =
        type === queryType && (field.name === 'node' || field.name === 'nodes')
          ? nodes
          : relation
            ? { missing: type.name }
            : type === mutationType && ROW_MUTATION.test(field.name)
              ? { missing: labelOf(field) }
              : {};
      if (field.resolve) field.resolve = guarded(field, field.resolve, guard);
      if (field.subscribe) field.subscribe = guarded(field, field.subscribe, guard);
    }
  }
  return schema;
}
