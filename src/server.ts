// The HTTP server: Yoga at /graphql (HTTP, SSE and graphql-ws on the same path), health
// probes and stored files.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import helmet from 'helmet';
import { getOperationAST, GraphQLError, NoSchemaIntrospectionCustomRule, type ExecutionArgs, type ExecutionResult, type ValidationContext } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { createYoga, maskError, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import type { Context, Deps, RequestMeta } from './context.js';
import { API_KEY_PREFIX, credentialFrom, resolveViewer } from './modules/auth/viewer.js';
import { AppError, unauthenticated } from './errors.js';
import { isUnavailable } from './lib/prisma-errors.js';
import type { Metrics, RouteGroup } from './lib/metrics.js';
import { createRestHandler, MAX_BODY } from './rest/core.js';
import { INTERNAL_HEADER, INTERNAL_SECRET } from './rest/internal.js';
import { REST_APIS } from './rest/index.js';
import { createDocsHandler } from './rest/openapi.js';
import { AI_STREAM_PATHS, createAiStream } from './rest/ai-stream.js';
import { RateLimitedError, type RateState } from './modules/limits/limits.service.js';
import { verifySignature, type Variant } from './modules/assets/assets.service.js';
import { schema } from './schema/index.js';
import { useBodyLimit } from './schema/body-limit.js';
import { useVariableCost, variableCostCheck } from './schema/cost.js';
import { useScopeCacheRelease } from './schema/scope-cache.js';
import { createDirect, type DirectRequest } from './schema/direct.js';
import { subscribe as subscribeLean } from './realtime/subscribe.js';

export interface HttpServer {
  server: Server;
  yoga: YogaServerInstance<ServerContext, Context>;
  /** Plain JSON operations without Yoga's fetch layer; null with trusted documents only. */
  direct: ReturnType<typeof createDirect> | null;
  listen(port: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

interface ServerContext {
  req?: IncomingMessage;
  res?: ServerResponse;
  connectionParams?: Record<string, unknown>;
  /**
   * Set by the REST layer (in process, never from the network) on the reads a route makes after
   * its main operation, e.g. waiting for the task it created: one REST call counts once against
   * the API rate limit, so a limit reached half-way cannot refuse a request already charged.
   */
  followUp?: boolean;
}

/** A request-level refusal without a code gets one from its HTTP status (400 when it has none). */
function withCode(e: GraphQLError): GraphQLError {
  const status = (e.extensions?.http as { status?: number } | undefined)?.status ?? 400;
  const code = status === 403 ? 'FORBIDDEN' : status === 401 ? 'UNAUTHENTICATED' : 'BAD_USER_INPUT';
  return new GraphQLError(e.message, { nodes: e.nodes, source: e.source, positions: e.positions, originalError: e.originalError, extensions: { ...e.extensions, code, http: { ...(e.extensions?.http as object), status } } });
}

/** A refusal of the request itself (no path) that graphql-js or Yoga gave without a code. */
const uncoded = (e: GraphQLError) => !e.extensions?.code && !e.path;

/** The errors with a code given to each refusal that has none. */
const withCodes = (errors: readonly GraphQLError[]) => errors.map((e) => (uncoded(e) ? withCode(e) : e));

/**
 * Yoga's error masking, except that a database or Redis that dropped the connection is the
 * service's fault, not a bug: 503 with a code that tells the client to send the request again
 * (with its Idempotency-Key). Errors of our own (GraphQLErrors) pass unchanged.
 */
const masked: typeof maskError = (error, message, isDev) => {
  const original = (error as { originalError?: unknown } | null)?.originalError ?? error;
  if (!(original instanceof GraphQLError) && isUnavailable(original)) {
    return new AppError('SERVICE_UNAVAILABLE', 'A backing service is briefly unavailable; send the request again', { retryable: true });
  }
  return maskError(error, message, isDev);
};

/**
 * Yoga's log arguments as one line. An error gives its message only: a GraphQLError's text quotes
 * the request's source line, which may hold a password or a token written into the document.
 */
const logText = (args: unknown[]) => args.map((x) => (x instanceof Error ? x.message : String(x))).join(' ');

/**
 * Introspection refused by validation, over HTTP and graphql-ws alike (Yoga's plugin for it only
 * sees the operations of HTTP requests).
 */
const noIntrospection: Plugin = { onValidate: ({ addValidationRule }) => addValidationRule(NoSchemaIntrospectionCustomRule) };

/** The POST bodies Yoga reads. */
const GRAPHQL_BODY = /^\s*(application\/(json|graphql\+json|graphql|x-www-form-urlencoded)|multipart\/form-data)\s*(;|,|$)/;

/** Armor's limits add their refusal to the validation errors instead of throwing it. */
const reported = { propagateOnRejection: false, onReject: [(ctx: ValidationContext | null, err: GraphQLError) => ctx?.reportError(err)] };

export function createHttpServer(deps: Deps, probes: { ping(): Promise<void> }): HttpServer {
  const { config, log } = deps;
  // The rate state of each HTTP request, read when its response goes out.
  const rateOf = new WeakMap<object, Context['rate']>();
  // The server's steps around every result and response, as Yoga plugins and for the direct path.
  const processResult = (r: ExecutionResult): ExecutionResult => (r.errors?.some(uncoded) ? { ...r, errors: withCodes(r.errors) } : r);
  const responseHeaders = (request: object) => {
    const state = rateOf.get(request)?.state;
    return state ? rateLimitHeaders(state) : undefined;
  };
  const persisted = config.persistedOperations;
  // Security headers on every answer (pages add their own Content-Security-Policy).
  const secure = replayed(helmet({ contentSecurityPolicy: false, crossOriginEmbedderPolicy: false, strictTransportSecurity: config.production ? undefined : false }));

  const costOptions = { maxCost: config.GRAPHQL_MAX_COST };

  const yoga = createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    // Bodies are limited by useBodyLimit below (the same limit and refusals, without a stream per request).
    maxRequestBodySize: false,
    graphiql: config.graphiql ? { title: 'genhub', subscriptionsProtocol: 'WS' } : false,
    landingPage: false,
    maskedErrors: {
      isDev: false,
      maskError: masked,
    },
    logging: {
      debug: (...a) => log.debug(logText(a)),
      info: (...a) => log.info(logText(a)),
      warn: (...a) => log.warn(logText(a)),
      error: (...a) => log.error({ err: a.find((x) => x instanceof Error) }, logText(a)),
    },
    cors: config.corsOrigins.length ? { origin: config.corsOrigins, credentials: true } : false,
    plugins: [
      useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf', 'apollo-require-preflight'] }),
      ...(config.introspection ? [] : [noIntrospection]),
      ...(persisted
        ? [
            usePersistedOperations({
              getPersistedOperation: (id) => persisted.get(id) ?? null,
              // Trusted documents only: the REST layer's own operations (marked in process) still run.
              allowArbitraryOperations: (request) => !config.PERSISTED_OPERATIONS_ONLY || request.headers.get(INTERNAL_HEADER) === INTERNAL_SECRET,
              extractPersistedOperationId: (params: any) => params.extensions?.persistedQuery?.sha256Hash ?? params.documentId ?? null,
            }),
          ]
        : []),
      // Armor's refusals are reported as validation errors (400 GRAPHQL_VALIDATION_FAILED), not thrown.
      EnvelopArmorPlugin({
        maxDepth: { n: config.GRAPHQL_MAX_DEPTH, ...reported },
        maxAliases: { n: config.GRAPHQL_MAX_ALIASES, ...reported },
        maxTokens: { n: config.GRAPHQL_MAX_TOKENS },
        maxDirectives: { n: 50, ...reported },
        costLimit: { maxCost: config.GRAPHQL_MAX_COST, ...reported },
        blockFieldSuggestion: { enabled: config.production },
      }),
      useVariableCost(costOptions),
      useScopeCacheRelease(),
      // The REST layer reads bodies up to MAX_BODY (documented uploads up to 50 MB) and sends them
      // on as one operation: this limit must not be the smaller one.
      useBodyLimit(MAX_BODY + 4 * 1024 * 1024, (request) => request.headers.get(INTERNAL_HEADER) === INTERNAL_SECRET),
      // Refusals of the request itself that graphql-js and Yoga give without a code (a variable of
      // the wrong type, a broken multipart map): bad input, like every other refusal.
      {
        onResultProcess: ({ result, setResult }) => {
          if (!result || Array.isArray(result) || typeof (result as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') return;
          const r = result as ExecutionResult;
          const out = processResult(r);
          if (out !== r) setResult(out);
        },
      },
      {
        onResponse: ({ request, response }) => {
          const headers = responseHeaders(request);
          if (headers) for (const [k, v] of Object.entries(headers)) response.headers.set(k, v);
        },
      },
    ],
    context: (initial) => makeContext(initial),
  });

  /**
   * The context of an operation: who asks (refused if an API key is not valid) and its rate limit,
   * with the initial context's fields, in one object literal. Built by Object.assign field by
   * field (as envelop extends a context), an object of this many fields falls into V8's dictionary
   * mode, and every `ctx.x` a resolver reads becomes a hash lookup. The new fields come first:
   * V8 (Node 20) adds a field that follows a leading spread through its runtime, about a
   * microsecond each (`{ ...deps, viewer }` cost 1.3 µs, `{ viewer, ...deps }` 0.1 µs).
   */
  async function makeContext(initial: { request?: Request | DirectRequest; connectionParams?: Record<string, unknown>; req?: IncomingMessage; followUp?: boolean }): Promise<Context> {
    const { request, connectionParams, req, followUp } = initial;
    const credential = request ? credentialFrom(request.headers) : credentialFromParams(connectionParams);
    const viewer = await resolveViewer(deps, credential, { count: !followUp });
    // An API key that is not (or no longer) valid is refused outright, not treated as nobody.
    if (viewer.kind !== 'user' && credential?.startsWith(API_KEY_PREFIX)) throw unauthenticated('Invalid, expired or revoked API key');
    const meta = metaOf(req, request?.headers, config.TRUST_PROXY);
    const rate: Context['rate'] = {};
    if (request) rateOf.set(request, rate);
    try {
      if (!followUp) rate.state = await deps.limits.hitApi(viewer.kind === 'user' ? { userId: viewer.user.id } : { ip: meta.ip });
    } catch (err) {
      if (err instanceof RateLimitedError) rate.state = err.state;
      throw err;
    }
    return { viewer, meta, signedIn: new Set<number>(), rate, ...deps, ...initial };
  }

  // Masked as Yoga masks an error thrown outside execution, and like Yoga logs the error it hides.
  const maskLogged = (e: unknown): GraphQLError => {
    const out = masked(e, 'Unexpected error.', false) as GraphQLError;
    if (out !== e) yoga.logger.error(e);
    return out;
  };

  // Plain JSON operations skip Yoga's fetch layer (schema/direct.ts); with trusted documents on,
  // every request goes through Yoga and its persisted-operations plugin.
  // Known documents run the steps of the plugins above themselves (variable cost, context, masking).
  const direct = persisted
    ? null
    : createDirect(yoga, {
        process: processResult,
        responseHeaders,
        handleError: (err) => (isAbort(err) ? [] : [maskLogged(err)]),
        context: (initial) => makeContext(initial),
        variableCost: variableCostCheck(costOptions),
        maskError: maskLogged,
      });

  // The legacy REST APIs, each a table of routes onto the GraphQL operations above.
  const rest = createRestHandler(yoga, REST_APIS, log, direct?.run);
  const docs = createDocsHandler(REST_APIS);

  /** Open GraphQL responses over SSE (subscriptions). */
  const eventStreams = new Set<ServerResponse>();
  const streaming = (res: ServerResponse) => res.headersSent && String(res.getHeader('content-type') ?? '').startsWith('text/event-stream');
  const { metrics } = deps;
  // An access log line per request at `debug` (LOG_LEVEL=debug); nothing is measured at `info`.
  const accessLog = log.isLevelEnabled('debug');
  const server = createServer((req, res) => {
    secure(res);
    if (metrics || accessLog) observe(metrics, req, res);
    route(req, res).catch((err) => {
      log.error({ err, url: req.url }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.end();
    });
  });

  /**
   * When a request's answer ends: counts it in the metrics (streams over SSE are not requests
   * there: a gauge counts the open ones) and writes its access log line, path without the query
   * (signed URLs carry their signature there).
   */
  function observe(m: Metrics | undefined, req: IncomingMessage, res: ServerResponse) {
    const t0 = performance.now();
    res.once('close', () => {
      const ms = performance.now() - t0;
      const path = (req.url ?? '/').split('?')[0]!;
      const stream = streaming(res);
      if (accessLog) log.debug({ method: req.method, path, status: res.statusCode, ms: Math.round(ms * 10) / 10, ...(stream ? { stream } : {}), ...(res.writableFinished ? {} : { cut: true }) }, 'request');
      if (!m || stream) return;
      const group: RouteGroup = path.startsWith('/graphql')
        ? 'graphql'
        : path.startsWith('/assets/') || path.startsWith('/avatars/')
          ? 'files'
          : path === '/healthz' || path === '/readyz'
            ? 'health'
            : 'rest';
      m.request(group, req.method ?? 'GET', res.statusCode, ms / 1000);
    });
  }

  async function route(req: IncomingMessage, res: ServerResponse) {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/graphql' || path.startsWith('/graphql/')) {
      // A POST body Yoga cannot read gets its refusal in GraphQL's error shape (Yoga answers an empty 415).
      if (path === '/graphql' && req.method === 'POST' && !GRAPHQL_BODY.test(req.headers['content-type'] ?? '')) {
        // With Yoga's CORS headers for an allowed origin, so that a browser app can read the refusal.
        const origin = req.headers.origin;
        if (origin && config.corsOrigins.includes(origin)) {
          res.setHeader('access-control-allow-origin', origin);
          res.setHeader('access-control-allow-credentials', 'true');
          res.setHeader('vary', 'Origin');
        }
        return sendJson(res, 415, { errors: [{ message: 'Content-Type must be application/json, application/graphql+json, application/graphql, multipart/form-data or application/x-www-form-urlencoded', extensions: { code: 'BAD_USER_INPUT', field: 'content-type' } }] });
      }
      // A subscription over SSE lives until its client leaves: cut at shutdown, as WebSocket ones are.
      if ((req.headers.accept ?? '').includes('text/event-stream')) {
        eventStreams.add(res);
        res.once('close', () => eventStreams.delete(res));
      }
      if (direct && (await direct.http(req, res))) return;
      return void (await yoga(req, res));
    }
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      try {
        await probes.ping();
        return sendJson(res, 200, { status: 'ready' });
      } catch (err) {
        log.warn({ err }, 'readiness check failed');
        return sendJson(res, 503, { status: 'unavailable' });
      }
    }
    const asset = /^\/assets\/(\d{1,9})(\/thumbnail)?$/.exec(path);
    if (asset && (req.method === 'GET' || req.method === 'HEAD')) return serveAsset(req, res, Number(asset[1]), asset[2] ? 'thumbnail' : 'file');
    if (req.method === 'GET' && path.startsWith('/avatars/')) {
      // Only avatar files: the key must stay under avatars/ once decoded.
      const key = (() => {
        try {
          return decodeURIComponent(path.slice(1));
        } catch {
          return '';
        }
      })();
      const file = /^avatars\/[\w.-]+$/.test(key) ? await deps.storage.get(key).catch(() => null) : null;
      if (!file) return sendJson(res, 404, { error: 'not found' });
      res.writeHead(200, { 'content-type': file.contentType, 'cache-control': 'public, max-age=86400', 'x-content-type-options': 'nosniff', 'cross-origin-resource-policy': 'cross-origin' });
      return void res.end(file.data);
    }
    if (await rest(req, res)) return;
    if (await docs(req, res)) return;
    sendJson(res, 404, { error: 'not found' });
  }

  /**
   * A stored result, to its owner only: by a signed URL (from the GraphQL API; works in <img>
   * tags) or with the owner's credentials. Anyone else gets the same 404 as for a missing asset.
   * Shown inline under its file name, or as an attachment with `download=1` (not signed).
   */
  async function serveAsset(req: IncomingMessage, res: ServerResponse, id: number, variant: Variant) {
    const url = new URL(req.url ?? '/', 'http://x');
    let allowed = verifySignature(deps, id, variant, url.searchParams.get('exp'), url.searchParams.get('sig'));
    const row = await deps.prisma.asset.findUnique({ where: { id } });
    if (row && !allowed) {
      const viewer = await resolveViewer(deps, credentialFrom({ get: (n) => (req.headers[n] as string | undefined) ?? null }));
      allowed = viewer.kind === 'user' && (viewer.user.id === row.userId || viewer.user.role === 'admin');
    }
    const key = row && (variant === 'thumbnail' ? row.thumbnailKey : row.storageKey);
    const file = allowed && key ? await deps.storage.get(key) : null;
    if (!row || !file) return sendJson(res, 404, { error: 'not found' });
    const headers: Record<string, string> = {
      'content-type': variant === 'thumbnail' ? 'image/webp' : row.mimeType,
      'content-length': String(file.data.length),
      'cache-control': 'private, max-age=3600',
      'x-content-type-options': 'nosniff',
      // Signed URLs are meant for <img> and <video> on the apps' own origins too.
      'cross-origin-resource-policy': 'cross-origin',
    };
    const download = url.searchParams.has('download') && !['0', 'false'].includes(url.searchParams.get('download')!);
    const name = variant === 'thumbnail' ? `${row.fileName.replace(/\.[^.]*$/, '')}.thumb.webp` : row.fileName;
    headers['content-disposition'] = contentDisposition(download ? 'attachment' : 'inline', name);
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : file.data);
  }

  // Two WebSocket endpoints on one server: each upgrade goes to the one its path names.
  const wss = new WebSocketServer({ noServer: true });
  const aiStream = createAiStream(yoga, log);
  server.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const target = path === '/graphql' ? wss : AI_STREAM_PATHS.includes(path) ? aiStream : null;
    if (!target) return void socket.destroy();
    // A graphql-ws connection keeps its request for its whole life: only what the context reads.
    target.handleUpgrade(req, socket, head, (ws) => target.emit('connection', ws, target === wss ? slimRequest(req) : req));
  });
  if (metrics) {
    metrics.gauge('genhub_graphql_ws_connections', 'Open graphql-ws connections to this process', () => wss.clients.size);
    metrics.gauge('genhub_sse_subscriptions', 'Open GraphQL subscriptions over SSE on this process', () => [...eventStreams].filter(streaming).length);
  }
  // Subscription operations run on the lean path (realtime/subscribe.ts); queries and mutations
  // sent over the socket run through Yoga as over HTTP.
  const lean = new WeakSet<ExecutionArgs>();
  const maskResult = (r: ExecutionResult): ExecutionResult => (r.errors ? { ...r, errors: r.errors.map(maskLogged) } : r);
  // Refusals without a code get one, as over HTTP.
  const coded = (errors: readonly GraphQLError[]) => withCodes(errors).map((e) => e.toJSON());
  const wsServer = useServer<Record<string, unknown>, { request: IncomingMessage }>(
    {
      execute: (args: ExecutionArgs) => (args.rootValue as any).execute(args),
      subscribe: (args: ExecutionArgs) => (lean.has(args) ? subscribeLean(args, maskResult) : (args.rootValue as any).subscribe(args)),
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors?.some(uncoded) ? { ...result, errors: coded(result.errors) } : undefined),
      onError: (_ctx, _id, _payload, errors) => (errors.some(uncoded) ? coded(errors) : undefined),
      onSubscribe: async (ctx, _id, params) => {
        // Trusted documents over WebSocket too: a named operation is looked up; others are refused.
        const id = (params.extensions as { persistedQuery?: { sha256Hash?: string } } | undefined)?.persistedQuery?.sha256Hash;
        if (persisted && id) {
          const query = persisted.get(id);
          if (!query) return [new GraphQLError('PersistedQueryNotFound', { extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } })];
          params = { ...params, query };
        } else if (config.PERSISTED_OPERATIONS_ONLY) {
          return [new GraphQLError('PersistedQueryOnly', { extensions: { code: 'PERSISTED_QUERY_ONLY' } })];
        }
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          connectionParams: ctx.connectionParams,
          params,
        } as any);
        // A document that does not parse, or that armor refuses, ends this operation with its
        // errors; thrown, it would close the connection and every other subscription on it.
        const refusal = (err: unknown) => {
          if (err instanceof GraphQLError) return [err];
          throw err;
        };
        let document;
        try {
          document = parse(params.query);
        } catch (err) {
          return refusal(err);
        }
        const subscription = getOperationAST(document, params.operationName)?.operation === 'subscription';
        const args: ExecutionArgs = {
          schema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue: await (subscription ? makeContext({ connectionParams: ctx.connectionParams, req: ctx.extra.request }) : contextFactory()).catch((err: unknown) => err),
          rootValue: subscription ? undefined : { execute, subscribe },
        };
        // A refused context (rate limit) ends this subscription, not the whole connection.
        if (args.contextValue instanceof GraphQLError) return [args.contextValue];
        if (args.contextValue instanceof Error) return [maskLogged(args.contextValue)];
        let errors: readonly GraphQLError[];
        try {
          errors = validate(args.schema, args.document);
        } catch (err) {
          return refusal(err);
        }
        if (errors.length) return errors;
        if (subscription) lean.add(args);
        return args;
      },
    },
    wss,
  );

  return {
    server,
    yoga,
    direct,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const a = server.address() as AddressInfo;
          resolve(`http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`);
        });
      }),
    close: async () => {
      await wsServer.dispose();
      wss.close();
      for (const c of aiStream.clients) c.terminate();
      aiStream.close();
      // Their clients reconnect, to another instance: ended as a dropped connection would be, not
      // with a `complete` that would tell them the subscription is over.
      // (A query or mutation whose client merely accepts SSE is answered as usual: only
      // streams that started are cut.)
      for (const r of eventStreams) if (streaming(r)) r.destroy();
      if (!server.listening) return;
      // Stop accepting, let open requests finish, and cut what is left after the grace period.
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), config.SHUTDOWN_GRACE * 1000).unref();
      });
    },
  };
}

/**
 * helmet's headers without running its middleware per request: with the options above they are
 * the same for every request (it sets ten headers and removes X-Powered-By), so they are recorded
 * once and set directly. A middleware that reads the request or ends it is run as it is.
 */
function replayed(middleware: (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void): (res: ServerResponse) => void {
  const ops: [string, string | undefined][] = [];
  let constant = true;
  let nextCalled = false;
  const recorder = {
    setHeader: (name: string, value: string) => void ops.push([name, String(value)]),
    removeHeader: (name: string) => void ops.push([name, undefined]),
    getHeader: () => ((constant = false), undefined),
  };
  const request = new Proxy({}, { get: () => ((constant = false), undefined) });
  middleware(request as IncomingMessage, recorder as unknown as ServerResponse, () => (nextCalled = true));
  if (!constant || !nextCalled) return (res) => middleware(res.req, res, () => undefined);
  return (res) => {
    for (const [name, value] of ops) value === undefined ? res.removeHeader(name) : res.setHeader(name, value);
  };
}

/** Yoga's test for a request its client aborted (logged at debug level, answered with no error). */
const isAbort = (e: unknown) => typeof e === 'object' && e?.constructor?.name === 'DOMException' && ['AbortError', 'TimeoutError'].includes((e as Error).name);

/** What metaOf reads of an upgrade request, kept per WebSocket connection instead of the request. */
function slimRequest(req: IncomingMessage): IncomingMessage {
  const headers: Record<string, string | string[]> = {};
  for (const name of ['x-forwarded-for', 'user-agent', 'idempotency-key']) if (req.headers[name] !== undefined) headers[name] = req.headers[name]!;
  return { headers, socket: { remoteAddress: req.socket.remoteAddress } } as unknown as IncomingMessage;
}

/** graphql-ws clients send credentials in connectionParams, as header-like keys in any case. */
function credentialFromParams(params?: Record<string, unknown>): string | null {
  if (!params) return null;
  const lower = new Map(Object.entries(params).map(([k, v]) => [k.toLowerCase(), v]));
  return credentialFrom({ get: (name) => (typeof lower.get(name) === 'string' ? (lower.get(name) as string) : null) });
}

function metaOf(req?: IncomingMessage, headers?: { get(name: string): string | null }, trustProxy = false): RequestMeta {
  const header = (name: string) => headers?.get(name) ?? (req?.headers[name] as string | undefined) ?? undefined;
  // The proxy appends the address it saw: the last entry is the one a client cannot forge.
  const forwarded = trustProxy ? header('x-forwarded-for')?.split(',').at(-1)?.trim() : undefined;
  return {
    ip: forwarded || req?.socket.remoteAddress,
    userAgent: header('user-agent'),
    idempotencyKey: header('idempotency-key'),
  };
}

/** Seed 004's rate-limit headers. */
export function rateLimitHeaders(s: RateState): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(s.limit),
    'X-RateLimit-Remaining': String(s.remaining),
    'X-RateLimit-Reset': s.resetAt.toISOString(),
    'X-RateLimit-Endpoint': s.endpoint,
    'X-RateLimit-Identifier': s.identifier,
  };
}

/** RFC 6266: a quoted ASCII name, plus filename* (RFC 8187, UTF-8) when the name has other characters. */
export function contentDisposition(type: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  if (ascii === name) return `${type}; filename="${name}"`;
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${type}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
