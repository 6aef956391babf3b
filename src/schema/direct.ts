// GraphQL operations run on Yoga's own pipeline, without its fetch layer.
//
// Yoga serves Node through a WHATWG fetch adapter: each request becomes a Request with a Headers
// object and a body stream, and each answer a Response written back through another adapter. For
// a small query that layer (and the promise plumbing around it) cost more CPU than parsing,
// validating and executing the operation. This module takes the plain requests — a POST of JSON
// with its length given, answered with JSON — straight to `yoga.getResultForParams`, which runs
// the same onParams hooks, parse and validation caches, plugins (armor, variable cost, masking),
// context and execution as Yoga's handler, and then turns the result into a response with Yoga's
// own `processRegularResult` (status codes by Accept, error extensions left out). The steps Yoga
// runs around that for every request are the server's own plugins, given here as `hooks`.
//
// Everything else goes to Yoga unchanged: other methods and content types, bodies without a
// length or over MAX_DIRECT_BODY, requests from browsers (an Origin header: CORS), answers other
// than JSON (SSE, multipart), batches, bodies that are not JSON, and every request when the server
// takes trusted documents (persisted operations).
//
// The REST layer runs its operations through the same function (`run`), in process.
//
// Known operations run without envelop too. Once a document has parsed and validated through
// Yoga's enveloped parse and validate (their caches, armor's limits, the introspection rule), it
// gets a plan: the document and its operation. A query or mutation with a plan then runs the
// steps Yoga's plugins would run around it, called directly: the params check, the variable cost
// (useVariableCost), the context (Yoga's `context` option, onto the same initial context),
// execution by Yoga's own executor (@graphql-tools/executor's normalizedExecutor), letting go of
// the request's auth-scope cache (useScopeCacheRelease), and error masking (useMaskedErrors).
// Envelop's per-request envelope, its hook iteration and promise helpers cost about as much CPU
// as the operation itself for a small query. Those steps are all
// the plugins the server registers at these points; `fastPathSupported` checks that Yoga still
// has exactly that many hooks there, and turns the plans off (everything through
// getResultForParams) if a plugin is added without being taken into account here. Documents that
// do not parse or validate, subscriptions, and unusual params have no plan: Yoga answers them.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { normalizedExecutor } from '@graphql-tools/executor';
import { releaseScopeCache } from './scope-cache.js';
import { getNamedType, getOperationAST, isScalarType, TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type ExecutionResult, type GraphQLError, type GraphQLSchema } from 'graphql';
import { isAsyncIterable, processRegularResult, type YogaServerInstance } from 'graphql-yoga';
import { requestHeaders } from '../lib/headers.js';
import type { VariableCostCheck } from './cost.js';

/** Larger bodies (uploads are multipart anyway) go through Yoga's reader. */
export const MAX_DIRECT_BODY = 1024 * 1024;

/** The part of a fetch Request that Yoga's hooks and the server's context read. */
export interface DirectRequest {
  method: string;
  url: string;
  headers: HeaderMap;
}

/** Read-only request headers over a record of lower-case names (what `Headers` offers for reading). */
export class HeaderMap {
  constructor(private readonly record: Record<string, string | string[] | undefined>) {}
  get(name: string): string | null {
    const v = this.record[name.toLowerCase()];
    return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
  }
  has(name: string): boolean {
    return this.record[name.toLowerCase()] !== undefined;
  }
  forEach(fn: (value: string, name: string) => void): void {
    for (const name of Object.keys(this.record)) {
      const v = this.get(name);
      if (v !== null) fn(v, name);
    }
  }
}

export interface DirectHooks {
  /** The server's onResultProcess step (e.g. codes for refusals without one). */
  process(result: ExecutionResult): ExecutionResult;
  /** The headers the server's onResponse step adds for this request. */
  responseHeaders(request: DirectRequest): Record<string, string> | undefined;
  /** Yoga's handling of an error thrown outside execution: masked (and logged) unless ours. */
  handleError(error: unknown): GraphQLError[];
  /** For planned operations: the whole context (Yoga's initial context with what its `context` option adds), from the initial one. */
  context?(initial: Record<string, unknown>): Promise<object>;
  /** For planned operations: the variable cost check (what useVariableCost runs after validation). */
  variableCost?: VariableCostCheck;
  /** For planned operations: the masking of an execution error (what useMaskedErrors does; logged when masked). */
  maskError?(error: GraphQLError): GraphQLError;
}

/** A document that parsed and validated, and the operation that runs. */
interface Plan {
  schema: GraphQLSchema;
  document: DocumentNode;
  /** Every field the document selects is of a scalar other than JSON, or an enum (DirectOptions.data). */
  plainData: boolean;
}

/** Scalars whose serialised values are strings, numbers and booleans (the built-in ones and DateTime). */
const PLAIN_SCALARS = new Set(['String', 'Int', 'Float', 'Boolean', 'ID', 'DateTime']);

/** Whether no field of the document (its fragments too) is of a scalar outside PLAIN_SCALARS. */
function selectsPlainData(schema: GraphQLSchema, document: DocumentNode): boolean {
  const info = new TypeInfo(schema);
  let plain = true;
  visit(
    document,
    visitWithTypeInfo(info, {
      Field() {
        const type = info.getType();
        const named = type && getNamedType(type);
        if (!named || (isScalarType(named) && !PLAIN_SCALARS.has(named.name))) plain = false;
      },
    }),
  );
  return plain;
}

/** The most plans kept (least recently used dropped first). */
const MAX_PLANS = 1000;

/** The hooks Yoga runs around an operation that a planned operation runs itself (see the top of this file). */
const EXPECTED_HOOKS = { onParams: 1, onExecute: 4, onContextBuilding: 1, onExecutionResult: 0 };

/** Whether Yoga's hooks are still the ones the plans stand in for; false turns the plans off. */
export function fastPathSupported(yoga: YogaServerInstance<any, any>): boolean {
  const y = yoga as unknown as { plugins?: Record<string, unknown>[]; onParamsHooks?: unknown[]; onExecutionResultHooks?: unknown[] };
  if (!Array.isArray(y.plugins) || !Array.isArray(y.onParamsHooks) || !Array.isArray(y.onExecutionResultHooks)) return false;
  const count = (hook: string) => y.plugins!.filter((p) => p && typeof p[hook] === 'function').length;
  return (
    y.onParamsHooks.length === EXPECTED_HOOKS.onParams &&
    y.onExecutionResultHooks.length === EXPECTED_HOOKS.onExecutionResult &&
    count('onExecute') === EXPECTED_HOOKS.onExecute &&
    count('onContextBuilding') === EXPECTED_HOOKS.onContextBuilding
  );
}

export interface DirectResponse {
  status: number;
  headers: Record<string, string>;
  /** The JSON answer; empty when `data` is given instead. */
  body: string;
  /** Asked for with `{ data: true }`: the data of a result without errors, when it is as its JSON would parse. */
  data?: unknown;
}

/** What an in-process caller asks of `run`. */
export interface DirectOptions {
  /**
   * The data itself rather than its JSON, when the result has no errors and every value the
   * operation selects is a string, number, boolean or null (no `JSON` scalar, whose value may be
   * an object shared with a cache): such data is already what parsing its JSON would give, in
   * objects made for this result (without a prototype, as the executor makes them).
   */
  data?: boolean;
}

/** GraphQL request parameters as Yoga's request parsers give them. */
export type Params = Record<string, unknown>;

/** One operation run as Yoga would answer it, with the server context Yoga's handler would give. */
export type DirectRun = (params: Params, request: DirectRequest, serverContext: Record<string, unknown>, mediaType: string, options?: DirectOptions) => Promise<DirectResponse>;

// processRegularResult builds its answer with `new fetchAPI.Response(body, init)`: this one keeps both.
class Captured {
  constructor(
    readonly body: string,
    readonly init: { status: number; headers: Record<string, string> },
  ) {}
}
const capture = { Response: Captured } as unknown as Parameters<typeof processRegularResult>[1];

/** The regular media type (JSON) Yoga's result processors choose for a single result, or null. */
export function regularMediaType(accept: string | undefined | null): string | null {
  // Yoga's order: the Accept list reversed, then each processor in turn; the last match wins.
  const asked = (accept || '*/*')
    .replace(/\s/g, '')
    .toLowerCase()
    .split(',')
    .flatMap((a) => {
      const [type, ...params] = a.split(';');
      const charset = params.find((p) => p.includes('charset=')) || 'charset=utf-8';
      return type !== undefined && charset === 'charset=utf-8' ? [type] : [];
    })
    .reverse();
  const processors = [['text/event-stream'], ['multipart/mixed'], ['application/graphql-response+json', 'application/json']];
  let chosen: string | null = null;
  for (const types of processors) for (const a of asked) for (const t of types) if (matches(t, a)) chosen = t;
  return chosen === 'application/graphql-response+json' || chosen === 'application/json' ? chosen : null;
}

/** Yoga's isMatchingMediaType: the asked type may have wildcards. */
function matches(processorType: string, askedType: string) {
  const [pre, suf] = processorType.split('/');
  const [askedPre, askedSuf] = askedType.split('/');
  return (askedPre === '*' || askedPre === pre) && (askedSuf === '*' || askedSuf === suf);
}

const JSON_BODY = /^\s*application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;
const LENGTH = /^\d{1,9}$/;

export function createDirect(yoga: YogaServerInstance<any, any>, hooks: DirectHooks) {
  const mediaTypes = new Map<string, string | null>();
  const mediaTypeOf = (accept: string | undefined) => {
    const key = accept ?? '';
    let t = mediaTypes.get(key);
    if (t === undefined) {
      t = regularMediaType(accept);
      if (mediaTypes.size < 100) mediaTypes.set(key, t);
    }
    return t;
  };

  const planned = Boolean(hooks.context && hooks.variableCost && hooks.maskError) && fastPathSupported(yoga);
  // Plans by operation name and document text; null: Yoga answers (the document is refused, or a subscription).
  const plans = new Map<string, Plan | null>();

  function planOf(params: Params, request: DirectRequest): Plan | null {
    if (!planned || !plainParams(params)) return null;
    const query = params.query as string;
    const operationName = (params.operationName as string | null | undefined) ?? undefined;
    const key = operationName === undefined ? query : `${operationName}\n${query}`;
    let plan = plans.get(key);
    if (plan !== undefined) {
      // Most recently used last.
      plans.delete(key);
      plans.set(key, plan);
      return plan;
    }
    plan = null;
    try {
      // Yoga's own parse and validate (their caches and every plugin's rules); no params in the
      // context, so that nothing that depends on this request's variables is decided here.
      const e = yoga.getEnveloped({ request } as any);
      const document = e.parse(query);
      const operation = getOperationAST(document, operationName);
      if (operation && operation.operation !== 'subscription' && e.validate(e.schema, document).length === 0) {
        plan = { schema: e.schema, document, plainData: selectsPlainData(e.schema, document) };
      }
    } catch {
      plan = null;
    }
    if (plans.size >= MAX_PLANS) plans.delete(plans.keys().next().value!);
    plans.set(key, plan);
    return plan;
  }

  /** A planned operation: the steps Yoga's plugins take around it, without the envelope. */
  async function runPlanned(plan: Plan, params: Params, request: DirectRequest, serverContext: Record<string, unknown>): Promise<ExecutionResult> {
    const variables = params.variables as Record<string, unknown> | null | undefined;
    const operationName = params.operationName as string | null | undefined;
    // Thrown by Yoga's validation step, answered as it is. The check keeps the cost of a document
    // whose page sizes come from no variable (most of them), so this is a lookup for those.
    const refusal = hooks.variableCost!(plan.schema, plan.document, variables, operationName);
    if (refusal) return { errors: [refusal] };
    // Yoga's context: the server context with the request and params, extended by the context
    // option, which here returns them all in one object (see hooks.context).
    const context = await hooks.context!({ request, params, ...serverContext });
    let result: ExecutionResult;
    try {
      result = (await normalizedExecutor({ schema: plan.schema, document: plan.document, contextValue: context, variableValues: variables, operationName })) as ExecutionResult;
    } finally {
      // Yoga's step for this is useScopeCacheRelease (see scope-cache.ts).
      releaseScopeCache(context);
    }
    return result.errors ? { ...result, errors: result.errors.map((e) => hooks.maskError!(e)) } : result;
  }

  /** One operation as Yoga would answer it (status, headers, JSON body). */
  const run: DirectRun = async (params, request, serverContext, mediaType, options) => {
    let out: Captured;
    try {
      const plan = planOf(params, request);
      const result = (plan ? await runPlanned(plan, params, request, serverContext) : await yoga.getResultForParams({ params: params as any, request: request as unknown as Request }, serverContext as any)) as ExecutionResult;
      // A stream (a subscription) is not JSON: closed at once, answered 406 as Yoga answers a
      // stream to a client that accepts only JSON (the HTTP path sends subscriptions to Yoga).
      const stream = isAsyncIterable(result);
      if (stream) await (result as AsyncIterableIterator<unknown>).return?.();
      const processed = stream ? result : hooks.process(result);
      // The data as it is (see DirectOptions.data): a success answers 200 with Yoga's headers for JSON.
      if (options?.data && plan?.plainData && processed === result && !result.errors && !result.extensions && result.data) {
        return { status: 200, headers: dataHeaders(mediaType, request), body: '', data: result.data };
      }
      out = processRegularResult(processed, capture, mediaType) as unknown as Captured;
    } catch (err) {
      // As Yoga's handler: an error outside execution is answered masked.
      out = processRegularResult(hooks.process({ errors: hooks.handleError(err) }), capture, mediaType) as unknown as Captured;
    }
    return { status: out.init.status, headers: withResponseHeaders(out.init.headers, request), body: out.body ?? '' };
  };

  /** Yoga's headers for a result, lower-cased, with those the server adds for the request. */
  function withResponseHeaders(init: Record<string, string>, request: DirectRequest): Record<string, string> {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(init)) headers[k.toLowerCase()] = v;
    const extra = hooks.responseHeaders(request);
    if (extra) for (const [k, v] of Object.entries(extra)) headers[k.toLowerCase()] = v;
    return headers;
  }

  /** The headers of a successful JSON answer (what processRegularResult sets besides the length). */
  const dataHeaders = (mediaType: string, request: DirectRequest) => withResponseHeaders({ 'content-type': `${mediaType}; charset=utf-8` }, request);

  /**
   * Answers a plain JSON POST to /graphql and returns true, or returns false having read nothing
   * (the request then goes to Yoga).
   */
  async function http(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const h = req.headers;
    if (req.method !== 'POST' || req.url !== '/graphql' || h.origin !== undefined || !JSON_BODY.test(h['content-type'] ?? '')) return false;
    const length = h['content-length'];
    if (length === undefined || !LENGTH.test(length) || Number(length) > MAX_DIRECT_BODY) return false;
    const mediaType = mediaTypeOf(h.accept);
    if (!mediaType) return false;
    let body: Buffer;
    try {
      body = await readAll(req);
    } catch {
      // The client left mid-body: nobody to answer.
      if (!res.destroyed) res.destroy();
      return true;
    }
    const request: DirectRequest = { method: 'POST', url: `http://${h.host ?? 'localhost'}/graphql`, headers: new HeaderMap(h) };
    let params: unknown;
    try {
      params = JSON.parse(body.toString('utf8'));
    } catch {
      params = undefined;
    }
    // Not a single operation's parameters (invalid JSON, a batch, …), or possibly a subscription
    // (answered as a stream when Accept allows): Yoga answers, from the same body.
    const single = params !== null && typeof params === 'object' && !Array.isArray(params);
    if (!single || mayStream(params as Params)) {
      await throughYoga(yoga, req, res, body);
      return true;
    }
    const response = await run(params as Params, request, { req, res }, mediaType);
    if (res.destroyed) return true;
    response.headers['content-length'] = String(Buffer.byteLength(response.body));
    res.writeHead(response.status, response.headers);
    res.end(response.body);
    return true;
  }

  /** How many documents have a plan (for tests). */
  const planCount = () => [...plans.values()].filter(Boolean).length;

  return { run, http, mediaTypeOf, planned, planCount };
}

const PARAM_NAMES = new Set(['query', 'variables', 'operationName', 'extensions']);
const isRecord = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Params that Yoga's params check passes as they are; anything else goes to Yoga for its answer. */
function plainParams(params: Params): boolean {
  if (typeof params.query !== 'string') return false;
  for (const k in params) if (!PARAM_NAMES.has(k)) return false;
  const { variables, operationName, extensions } = params;
  return (variables == null || isRecord(variables)) && (operationName == null || typeof operationName === 'string') && (extensions == null || isRecord(extensions));
}

/** A document that may hold a subscription (a word match: a false positive only goes to Yoga). */
const mayStream = (params: Params) => typeof params.query !== 'string' || /\bsubscription\b/.test(params.query);

/** The whole body; rejects if the client leaves first. (Events rather than an async iterator: a tenth of the allocations.) */
function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const data = (chunk: Buffer) => chunks.push(chunk);
    const done = (err?: Error) => {
      req.off('data', data).off('end', done).off('error', done).off('close', closed);
      if (err) reject(err);
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    };
    const closed = () => done(new Error('the client left before the body ended'));
    req.on('data', data).on('end', done).on('error', done).on('close', closed);
  });
}

/** A request whose body has been read, answered by Yoga from that body (a stream as it comes). */
async function throughYoga(yoga: YogaServerInstance<any, any>, req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
  const headers = requestHeaders(req);
  // The client gone, the operation's request is aborted (a subscription stops).
  const gone = new AbortController();
  const left = () => gone.abort();
  res.once('close', left);
  try {
    const r = await yoga.fetch(`http://${req.headers.host ?? 'localhost'}/graphql`, { method: 'POST', headers, body, signal: gone.signal }, { req, res });
    const out: Record<string, string> = {};
    r.headers.forEach((v, k) => (out[k] = v));
    if (res.destroyed) return void (await r.body?.cancel().catch(() => {}));
    res.writeHead(r.status, out);
    if (r.body) {
      for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
        if (res.destroyed) break;
        res.write(chunk);
      }
    }
    res.end();
  } catch (err) {
    if (!gone.signal.aborted) throw err;
  } finally {
    res.off('close', left);
  }
}
