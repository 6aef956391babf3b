// The Pothos SchemaBuilder: Prisma types, Relay (global ids, connections) and scope-auth.
import SchemaBuilder from '@pothos/core';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import type { Context } from '../context.js';
import { forbidden, notFound, unauthenticated } from '../errors.js';
import { nestedDeeperThan } from '../lib/json.js';
import type PrismaTypes from '../generated/pothos-types.js';
import { getDatamodel } from '../generated/pothos-types.js';

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  DefaultFieldNullability: false;
  DefaultInputFieldRequiredness: true;
  AuthScopes: {
    /** Any signed-in user (access token or API key). */
    authenticated: boolean;
    admin: boolean;
    /** Signed in with a password or code (a session), not an API key. */
    session: boolean;
    /** A permission an API key must carry; sessions from a login have them all. */
    permission: string;
  };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
    File: { Input: File; Output: never };
  };
}>({
  plugins: [ScopeAuthPlugin, PrismaPlugin, RelayPlugin],
  defaultFieldNullability: false,
  defaultInputFieldRequiredness: true,
  scopeAuth: {
    authorizeOnSubscribe: true,
    authScopes: (ctx) => ({
      authenticated: ctx.viewer.kind === 'user',
      admin: ctx.viewer.kind === 'user' && ctx.viewer.user.role === 'admin',
      session: ctx.viewer.kind === 'user' && ctx.viewer.apiKey === null,
      permission: (p: string) =>
        ctx.viewer.kind === 'user' && (ctx.viewer.apiKey === null || ctx.viewer.apiKey.scopes.includes(p)),
    }),
    unauthorizedError: (_parent, ctx, info, result) =>
      // Through node(id) another user's object is simply not found: its existence is not revealed.
      viaNodeQuery(info.path)
        ? notFound('Node')
        : ctx.viewer.kind === 'user'
        ? forbidden(result.message === 'Not authorized' ? 'You do not have permission for this operation' : result.message)
        : unauthenticated(),
  },
  prisma: {
    client: (ctx) => ctx.prisma,
    dmmf: getDatamodel(),
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
  },
});

/** True when a field belongs to an object fetched by node(id) / nodes(ids). */
function viaNodeQuery(path: { key: string | number; prev: any } | undefined): boolean {
  const parent = path?.prev;
  if (!path) return false;
  if (path.key === 'node' || path.key === 'nodes') return path.prev === undefined;
  if (parent?.key === 'node' && parent.prev === undefined) return true;
  return typeof parent?.key === 'number' && parent.prev?.key === 'nodes' && parent.prev.prev === undefined;
}

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

builder.addScalarType(
  'DateTime',
  new GraphQLScalarType<Date, string>({
    name: 'DateTime',
    description: 'An ISO-8601 date and time in UTC.',
    serialize: (v) => (v instanceof Date ? v : new Date(v as string)).toISOString(),
    parseValue: (v) => parseDate(v),
    parseLiteral: (ast) => parseDate(ast.kind === Kind.STRING ? ast.value : undefined),
  }),
);

function parseDate(v: unknown): Date {
  const d = typeof v === 'string' || typeof v === 'number' ? new Date(v) : undefined;
  if (!d || Number.isNaN(d.getTime())) throw new GraphQLError('DateTime must be an ISO-8601 string', { extensions: { code: 'BAD_USER_INPUT' } });
  // Years 1–9999 (four-digit ISO years): JavaScript's extremes cannot be shifted (a default
  // window of 30 days before one is no date) nor stored by PostgreSQL.
  const year = d.getUTCFullYear();
  if (year < 1 || year > 9999) throw new GraphQLError('DateTime must be between the years 0001 and 9999', { extensions: { code: 'BAD_USER_INPUT' } });
  return d;
}

const literal = (ast: ValueNode): unknown => {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, literal(f.value)]));
    case Kind.LIST:
      return ast.values.map(literal);
    default:
      return null;
  }
};

/** The deepest nesting a JSON value may have (it is stored and serialised recursively). */
const MAX_JSON_DEPTH = 32;

function jsonInput(v: unknown): unknown {
  if (nestedDeeperThan(v, MAX_JSON_DEPTH)) throw new GraphQLError(`JSON must not be nested more than ${MAX_JSON_DEPTH} levels deep`, { extensions: { code: 'BAD_USER_INPUT' } });
  return v;
}

builder.addScalarType(
  'JSON',
  new GraphQLScalarType({ name: 'JSON', description: 'Any JSON value.', serialize: (v) => v, parseValue: jsonInput, parseLiteral: (ast) => jsonInput(literal(ast)) }),
);

/** Only a file of the multipart request is a File: anything else given for one is bad input, not a crash later. */
function fileInput(v: unknown): File {
  if (v && typeof v === 'object' && typeof (v as Blob).arrayBuffer === 'function' && typeof (v as Blob).size === 'number') return v as File;
  throw new GraphQLError('File must be a file sent as a part of a GraphQL multipart request', { extensions: { code: 'BAD_USER_INPUT' } });
}

builder.scalarType('File', {
  description: 'A file sent as a part of a GraphQL multipart request.',
  serialize: () => {
    throw new Error('File is an input-only scalar');
  },
  parseValue: fileInput,
  parseLiteral: () => fileInput(undefined),
});

/** True unless the request uses an API key that carries none of `permissions`. */
export const keyAllows = (ctx: Context, ...permissions: string[]) =>
  ctx.viewer.kind !== 'user' || ctx.viewer.apiKey === null || permissions.some((p) => (ctx.viewer as { apiKey: { scopes: string[] } }).apiKey.scopes.includes(p));
