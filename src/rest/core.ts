// The REST compatibility layer: each legacy API is a table of routes, and each route maps its
// request onto a GraphQL operation run through the same Yoga pipeline as /graphql (the same
// authentication, rate limits, armor and resolvers), then shapes the answer and the errors the
// way that API documents them. Routes hold no business logic.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { YogaServerInstance } from 'graphql-yoga';
import { HeaderMap, type DirectRun } from '../schema/direct.js';
import { requestHeaders } from '../lib/headers.js';
import { nestedDeeperThan } from '../lib/json.js';
import { INTERNAL_HEADER, INTERNAL_SECRET } from './internal.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** A parsed request, as a route sees it. */
export interface RestCall {
  method: Method;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  /** JSON body, or the fields of a form (urlencoded or multipart). */
  body: Record<string, unknown>;
  files: Record<string, File>;
  headers: Headers;
  /** The credential to run the operation with (Authorization value), decided by the API. */
  authorization: string | null;
  cookies: Record<string, string>;
  req: IncomingMessage;
  /** The route being served. */
  route?: Route;
}

/** An error of an operation, in GraphQL's terms: what every API maps to its own envelope. */
export interface OpError {
  message: string;
  code: string;
  status: number;
  field?: string;
  fields?: { path: string[]; message: string }[];
  reason?: string;
  extensions: Record<string, unknown>;
}

export class RestError extends Error {
  constructor(readonly error: OpError) {
    super(error.message);
  }
}

/** A field of the request is wrong: reported the API's way, like a GraphQL BAD_USER_INPUT. */
export const invalid = (field: string, message: string, status = 400) =>
  new RestError({ message: `${field}: ${message}`, code: 'BAD_USER_INPUT', status, field, fields: [{ path: field.split('.'), message }], extensions: {} });
export const denied = (message = 'Authentication required') => new RestError({ message, code: 'UNAUTHENTICATED', status: 401, extensions: {} });

export interface Reply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** A stream of server-sent events instead of a body. */
  events?: AsyncIterable<string>;
  redirect?: string;
  html?: string;
  bytes?: { data: Uint8Array; type: string; disposition?: string };
}

export interface Route {
  method: Method;
  /** Relative to the API's base; `{name}` marks a path parameter. */
  path: string;
  summary: string;
  /** How a caller authenticates, for the OpenAPI document. */
  auth: 'none' | 'bearer' | 'basic' | 'apiKey' | 'cookie' | 'refresh';
  /** Documented statuses and what they mean, for OpenAPI and the tests. */
  responses: Record<number, string>;
  /** Example or schema of the body, for OpenAPI. */
  requestBody?: { contentType: string; example?: unknown; schema?: Record<string, unknown> };
  query?: Record<string, string>;
  run(call: RestCall, gql: Gql): Promise<Reply>;
}

export interface Api {
  name: string;
  base: string;
  description: string;
  routes: Route[];
  /** The Authorization value for the internal operation (from a cookie, a form field…). */
  credential?(call: RestCall): string | null;
  /** The API's error envelope. */
  error(e: OpError, call: RestCall): Reply;
  /** Checks every request before its route (throw RestError to refuse). */
  guard?(call: RestCall): void;
  /** Last touches to every answer (its headers; `rate` holds the X-RateLimit-* values). */
  finish?(call: RestCall, reply: Reply, rate: Record<string, string>): void;
  /**
   * Set when the API owns every path under its base: unknown paths and methods are answered by
   * its error envelope (codes NOT_FOUND, METHOD_NOT_ALLOWED) instead of the server's default.
   */
  ownsBase?: boolean;
}

type GqlOpts = {
  authorization?: string | null;
  headers?: Record<string, string>;
  /** A read after the route's main operation: not counted again against the API rate limit. */
  followUp?: boolean;
};
/** Runs GraphQL operations as the caller. Errors throw RestError; data comes back. */
export interface Gql {
  <T = any>(query: string, variables?: Record<string, unknown>, opts?: GqlOpts): Promise<T>;
  /** A subscription over SSE: each event's data; an error event throws RestError. */
  stream<T = any>(query: string, variables?: Record<string, unknown>, opts?: GqlOpts): AsyncGenerator<T>;
  /** An operation with one upload as `$file` (GraphQL multipart request). */
  upload<T = any>(query: string, file: File, variables?: Record<string, unknown>): Promise<T>;
}

const STATUS: Record<string, number> = {
  BAD_USER_INPUT: 400, GRAPHQL_VALIDATION_FAILED: 400, UNAUTHENTICATED: 401, INSUFFICIENT_CREDITS: 402, FORBIDDEN: 403,
  NOT_FOUND: 404, CONFLICT: 409, PAYLOAD_TOO_LARGE: 413, RATE_LIMITED: 429, INTERNAL_SERVER_ERROR: 500,
};

function opError(e: { message: string; extensions?: Record<string, any> }): OpError {
  const ext = e.extensions ?? {};
  const code = String(ext.code ?? 'INTERNAL_SERVER_ERROR');
  return { message: e.message, code, status: ext.http?.status ?? STATUS[code] ?? 500, field: ext.field, fields: ext.fields, reason: ext.reason, extensions: ext };
}

/** A route's own operation that does not parse or validate is a bug of ours: a 500, logged. */
function internalIfOurs(e: { message: string; extensions?: Record<string, any> }, query: string, log: { error(o: object, m: string): void }): OpError {
  // A value of the caller's that does not fit the operation's variable types: bad input, naming the field.
  const variable = /^Variable "\$(\w+)" got invalid value .*?(?: at "([\w.[\]]+)")?; (.*)$/s.exec(e.message);
  if (variable) {
    const path = (variable[2] ?? variable[1]!).replace(/\[(\d+)\]/g, '.$1').split('.').filter((p, i) => !(i === 0 && p === 'input'));
    const missing = /Field "(\w+)" of required type/.exec(variable[3]!);
    if (missing) path.push(missing[1]!);
    const message = missing || /not to be null/.test(variable[3]!) ? 'field required' : variable[3]!.replace(/\.$/, '');
    return { message: `${path.join('.')}: ${message}`, code: 'BAD_USER_INPUT', status: 400, field: path.join('.'), fields: [{ path, message }], extensions: {} };
  }
  const code = e.extensions?.code;
  if (code === 'GRAPHQL_VALIDATION_FAILED' || code === 'GRAPHQL_PARSE_FAILED') {
    log.error({ error: e.message, query }, 'REST route operation is invalid');
    return { message: 'Internal server error', code: 'INTERNAL_SERVER_ERROR', status: 500, extensions: {} };
  }
  // Yoga's own body limit (a REST body within MAX_BODY whose operation is larger still).
  if (code === 'REQUEST_ENTITY_TOO_LARGE') return { message: 'Request body too large', code: 'PAYLOAD_TOO_LARGE', status: 413, extensions: {} };
  return opError(e);
}

const pattern = (path: string) => new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, '(?<$1>[^/]+)')}/?$`);

/** Serves the routes of the given APIs; answers false when no route matches. */
export function createRestHandler(yoga: YogaServerInstance<any, any>, apis: Api[], log: { error(o: object, m: string): void }, run?: DirectRun) {
  const table = apis.flatMap((api) =>
    api.routes.map((route) => {
      const path = api.base.replace(/\/$/, '') + route.path;
      // The literal start of the path: most routes are ruled out by it without their pattern.
      return { api, route, re: pattern(path), prefix: path.split('{')[0]!.replace(/\/$/, '') };
    }),
  );

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const matches = table.filter((r) => url.pathname.startsWith(r.prefix) && r.re.test(url.pathname));
    const hit = matches.find((r) => r.route.method === req.method) ?? (req.method === 'HEAD' ? matches.find((r) => r.route.method === 'GET') : undefined);
    if (!hit) {
      const allow = [...new Set(matches.map((m) => m.route.method))].join(', ');
      const owner = apis.find((a) => a.ownsBase && (url.pathname === a.base || url.pathname.startsWith(a.base.replace(/\/$/, '') + '/')));
      // Another method on a route's path is answered in that route's API's error envelope; an
      // unknown path only by an API that owns its whole base.
      const api = owner ?? matches[0]?.api;
      if (!api) return false;
      const call = bareCall(req, url);
      const reply = api.error(
        matches.length
          ? { message: `${req.method} is not allowed on ${url.pathname} (allowed: ${allow})`, code: 'METHOD_NOT_ALLOWED', status: 405, extensions: {} }
          : { message: `Unknown path: ${req.method} ${url.pathname}`, code: 'NOT_FOUND', reason: 'unknown_url', status: 404, extensions: {} },
        call,
      );
      if (matches.length) reply.headers = { ...reply.headers, allow };
      api.finish?.(call, reply, {});
      await send(res, reply, {}, req.method === 'HEAD');
      return true;
    }
    const { api, route } = hit;
    const headers = requestHeaders(req);
    const call: RestCall = {
      method: route.method,
      path: url.pathname,
      params: Object.fromEntries(Object.entries(hit.re.exec(url.pathname)!.groups ?? {}).map(([k, v]) => [k, safeDecode(v)])),
      query: url.searchParams,
      body: {},
      files: {},
      headers,
      authorization: headers.get('authorization'),
      cookies: parseCookies(headers.get('cookie')),
      req,
      route,
    };
    const rate: Record<string, string> = {};
    let reply: Reply;
    // Only a caller that leaves before its answer is sent aborts (an abort makes a DOMException with
    // its stack: a cost on every request if each finished response fired it). The controller is
    // made when an operation first asks for its signal: most routes run one JSON operation, which
    // only checks whether the caller has left.
    let gone: AbortController | undefined;
    let away = false;
    const left = () => {
      away = true;
      gone?.abort();
    };
    const signal = () => {
      if (!gone) {
        gone = new AbortController();
        if (away) gone.abort();
      }
      return gone.signal;
    };
    try {
      api.guard?.(call);
      await readBody(req, call);
      const auth = api.credential ? api.credential(call) : call.authorization;
      res.once('close', left);
      const gql = createGql(yoga, { req, headers: call.headers, authorization: auth, rate, log, gone: { signal, left: () => away }, run });
      reply = await route.run(call, gql);
    } catch (err) {
      if (err instanceof RestError) {
        reply = api.error(err.error, call);
        // Headers the operation asked for (Retry-After), and the exhausted limit of a refusal.
        const ext = err.error.extensions as { http?: { headers?: Record<string, string> }; limit?: number; endpoint?: string; retryAfter?: number };
        reply.headers = { ...ext.http?.headers, ...reply.headers };
        if (err.error.code === 'RATE_LIMITED' && ext.retryAfter) reply.headers['retry-after'] = String(ext.retryAfter);
        // The rest of a refused body is not read: this connection cannot carry another request.
        if (err.error.code === 'PAYLOAD_TOO_LARGE') reply.headers.connection = 'close';
        if (err.error.code === 'RATE_LIMITED' && ext.limit !== undefined) {
          Object.assign(rate, {
            'x-ratelimit-limit': String(ext.limit),
            'x-ratelimit-remaining': '0',
            'x-ratelimit-reset': new Date(Date.now() + (ext.retryAfter ?? 60) * 1000).toISOString(),
            ...(ext.endpoint ? { 'x-ratelimit-endpoint': ext.endpoint } : {}),
          });
        }
      }
      else {
        // The caller left mid-way: its operations were aborted, nobody is there to answer.
        if (!away) log.error({ err, path: url.pathname }, 'REST route failed');
        reply = api.error({ message: 'Internal server error', code: 'INTERNAL_SERVER_ERROR', status: 500, extensions: {} }, call);
      }
    }
    api.finish?.(call, reply, rate);
    // A refusal once a stream has started (its status already sent) goes out as an `error` event
    // carrying the API's own error body.
    const streamError = (e: OpError) => `event: error\ndata: ${JSON.stringify(api.error(e, call).body ?? { error: e.message })}\n\n`;
    try {
      await send(res, reply, rate, req.method === 'HEAD', streamError);
    } finally {
      res.off('close', left);
    }
    return true;
  };
}


/** The caller going away: whether it has, and a signal aborted when it does (made when first asked for). */
export interface Departure {
  left(): boolean;
  signal(): AbortSignal;
}

/** What an internal GraphQL call runs as: the caller's request, headers and credential. */
export interface GqlCaller {
  req: IncomingMessage;
  headers: Headers;
  authorization: string | null;
  /** Collects X-RateLimit-* and Retry-After headers of the calls. */
  rate: Record<string, string>;
  log: { error(o: object, m: string): void };
  /** The caller going away: open subscriptions stop reading then. */
  gone?: Departure;
  /** Runs a JSON operation on Yoga's pipeline without its fetch layer (schema/direct.ts). */
  run?: DirectRun;
}

/** Response headers as read here: a fetch `Headers` or the direct path's HeaderMap. */
type HeaderReader = { forEach(fn: (value: string, name: string) => void): void };

const DATA = { data: true } as const;

/** Runs GraphQL operations through Yoga as the caller (JSON, multipart upload, or SSE subscription). */
export function createGql(yoga: YogaServerInstance<any, any>, o: GqlCaller): Gql {
  // The headers an operation runs with: the caller's credential and request headers, marked internal.
  const headersOf = (opts: GqlOpts, accept: string): Record<string, string> => {
    const authorization = opts.authorization === undefined ? o.authorization : opts.authorization;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept,
      [INTERNAL_HEADER]: INTERNAL_SECRET,
      ...(authorization ? { authorization } : {}),
      ...(o.headers.get('x-api-key') && !authorization ? { 'x-api-key': o.headers.get('x-api-key')! } : {}),
      ...(o.headers.get('idempotency-key') ? { 'idempotency-key': o.headers.get('idempotency-key')! } : {}),
      ...(o.headers.get('x-forwarded-for') ? { 'x-forwarded-for': o.headers.get('x-forwarded-for')! } : {}),
    };
    for (const [k, v] of Object.entries(opts.headers ?? {})) headers[k.toLowerCase()] = v;
    return headers;
  };
  const serverContext = (opts: GqlOpts) => ({ req: o.req, ...(opts.followUp ? { followUp: true } : {}) });
  const request = (query: string, variables: Record<string, unknown>, opts: GqlOpts, accept: string) =>
    yoga.fetch(
      'http://localhost/graphql',
      {
        method: 'POST',
        headers: headersOf(opts, accept),
        body: JSON.stringify({ query, variables }),
        // The caller gone, the operation's request is aborted too (streams stop at once).
        ...(o.gone ? { signal: o.gone.signal() } : {}),
      },
      serverContext(opts),
    );
  /** A JSON operation's answer: directly when the server offers it, else through Yoga's fetch. */
  // The answer's text, or its data itself where the direct path can give it (no JSON to write and parse again).
  const json = async (query: string, variables: Record<string, unknown>, opts: GqlOpts): Promise<{ headers: HeaderReader; text: string; data?: unknown }> => {
    const accept = 'application/graphql-response+json';
    if (!o.run) {
      const r = await request(query, variables, opts, accept);
      return { headers: r.headers, text: await r.text() };
    }
    // The caller gone, no further operation starts (as yoga.fetch refuses an aborted request).
    if (o.gone?.left()) o.gone.signal().throwIfAborted();
    const r = await o.run({ query, variables }, { method: 'POST', url: 'http://localhost/graphql', headers: new HeaderMap(headersOf(opts, accept)) }, serverContext(opts), accept, DATA);
    return { headers: new HeaderMap(r.headers), text: r.body, data: r.data };
  };
  const keepRate = (r: { headers: HeaderReader }) =>
    r.headers.forEach((v, k) => {
      if (k.startsWith('x-ratelimit-') || k === 'retry-after') o.rate[k] = v;
    });
  const gql = (async (query: string, variables: Record<string, unknown> = {}, opts: GqlOpts = {}) => {
    const r = await json(query, variables, opts);
    keepRate(r);
    if (r.data !== undefined) return r.data as any;
    const body = JSON.parse(r.text) as { data?: unknown; errors?: { message: string; extensions?: Record<string, any> }[] };
    if (body.errors?.length) throw new RestError(internalIfOurs(body.errors[0]!, query, o.log));
    return body.data;
  }) as Gql;
  gql.upload = async (query: string, file: File, variables: Record<string, unknown> = {}) => {
    const form = new FormData();
    form.set('operations', JSON.stringify({ query, variables: { ...variables, file: null } }));
    form.set('map', JSON.stringify({ 0: ['variables.file'] }));
    form.set('0', file, file.name || 'upload');
    const r = await yoga.fetch(
      'http://localhost/graphql',
      { method: 'POST', headers: { ...(o.authorization ? { authorization: o.authorization } : {}), 'x-graphql-yoga-csrf': 'rest', accept: 'application/graphql-response+json', [INTERNAL_HEADER]: INTERNAL_SECRET }, body: form },
      { req: o.req },
    );
    keepRate(r);
    const body = (await r.json()) as { data?: any; errors?: { message: string; extensions?: Record<string, any> }[] };
    if (body.errors?.length) throw new RestError(internalIfOurs(body.errors[0]!, query, o.log));
    return body.data;
  };
  gql.stream = async function* (query: string, variables: Record<string, unknown> = {}, opts: GqlOpts = {}) {
    const r = await request(query, variables, opts, 'text/event-stream');
    keepRate(r);
    if (!(r.headers.get('content-type') ?? '').includes('text/event-stream')) {
      const body = (await r.json()) as { errors?: { message: string; extensions?: Record<string, any> }[] };
      throw new RestError(internalIfOurs(body.errors?.[0] ?? { message: 'Subscription failed' }, query, o.log));
    }
    const reader = r.body!.pipeThrough(new TextDecoderStream()).getReader();
    // The caller gone: the pending read ends, and so does this stream.
    const onAbort = () => void reader.cancel().catch(() => {});
    const signal = o.gone?.signal();
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
          if (block.split('\n').some((l) => l.trim() === 'event: complete')) return;
          if (!data) continue;
          const msg = JSON.parse(data) as { data?: unknown; errors?: { message: string; extensions?: Record<string, any> }[] };
          if (msg.errors?.length) throw new RestError(internalIfOurs(msg.errors[0]!, query, o.log));
          yield msg.data as any;
        }
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      await reader.cancel().catch(() => {});
    }
  };
  return gql;
}

/** A request no route took, as a RestCall for an API's error envelope. */
function bareCall(req: IncomingMessage, url: URL): RestCall {
  const headers = requestHeaders(req);
  return { method: (req.method ?? 'GET') as Method, path: url.pathname, params: {}, query: url.searchParams, body: {}, files: {}, headers, authorization: headers.get('authorization'), cookies: {}, req };
}

const safeDecode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

function parseCookies(header: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = safeDecode(part.slice(i + 1).trim());
  }
  return out;
}

/** Bodies up to this size are read (uploads: the documented 10 MB images, 50 MB videos). */
export const MAX_BODY = 60 * 1024 * 1024;
/** The deepest nesting of objects and arrays a JSON body may have. */
const MAX_JSON_DEPTH = 64;

async function readBody(req: IncomingMessage, call: RestCall) {
  if (call.method === 'GET' || call.method === 'DELETE') return;
  const type = (call.headers.get('content-type') ?? '').toLowerCase();
  const length = Number(call.headers.get('content-length') ?? 0);
  if (length > MAX_BODY) throw new RestError({ message: 'Request body too large', code: 'PAYLOAD_TOO_LARGE', status: 413, extensions: {} });
  // Counted while read too: a chunked body has no content-length.
  let seen = 0;
  const limited = (Readable.toWeb(req) as ReadableStream<Uint8Array>).pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, out) {
        seen += chunk.byteLength;
        if (seen > MAX_BODY) out.error(new RestError({ message: 'Request body too large', code: 'PAYLOAD_TOO_LARGE', status: 413, extensions: {} }));
        else out.enqueue(chunk);
      },
    }),
  );
  const request = new Request('http://localhost' + call.path, { method: call.method, headers: call.headers, body: limited, duplex: 'half' } as RequestInit);
  const tooLarge = (err: unknown) => (seen > MAX_BODY ? new RestError({ message: 'Request body too large', code: 'PAYLOAD_TOO_LARGE', status: 413, extensions: {} }) : err);
  if (type.startsWith('multipart/form-data') || type.startsWith('application/x-www-form-urlencoded')) {
    let form: FormData;
    try {
      form = await request.formData();
    } catch (err) {
      if (seen > MAX_BODY) throw tooLarge(err);
      throw invalid('body', 'is not a valid form');
    }
    for (const [k, v] of form.entries()) {
      if (typeof v === 'string') call.body[k] = v;
      else if (v.size > 0 || v.name) call.files[k] = v;
    }
    return;
  }
  const text = await request.text().catch((err) => Promise.reject(tooLarge(err)));
  if (!text.trim()) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid('body', 'must be a JSON object');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid('body', 'must be a JSON object');
  if (nestedDeeperThan(parsed, MAX_JSON_DEPTH)) throw invalid('body', `must not be nested more than ${MAX_JSON_DEPTH} levels deep`);
  call.body = parsed as Record<string, unknown>;
}

/** The Content-Security-Policy of a server-rendered page. */
export const pageCsp = (nonce?: string) =>
  [
    "default-src 'self'",
    `script-src 'self'${nonce ? ` 'nonce-${nonce}'` : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');

async function send(res: ServerResponse, reply: Reply, rate: Record<string, string>, head: boolean, streamError?: (e: OpError) => string) {
  // Fields before spreads: see makeContext in src/server.ts (a field after a leading spread is slow in V8).
  const headers: Record<string, string> = { 'x-content-type-options': 'nosniff', ...rate, ...reply.headers };
  if (reply.redirect) {
    res.writeHead(reply.status ?? 302, { ...headers, location: reply.redirect });
    return void res.end();
  }
  if (reply.events) {
    res.writeHead(reply.status ?? 200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const it = reply.events[Symbol.asyncIterator]();
    // However it ends (done, the client gone before or during the stream), the source is closed.
    const stop = () => void it.return?.();
    res.on('close', stop);
    try {
      if (res.destroyed) return;
      for (let r = await it.next(); !r.done && !res.destroyed; r = await it.next()) res.write(r.value);
    } catch (err) {
      // An operation's refusal once the stream has started (its task deleted meanwhile): the
      // status is sent, so the refusal is the stream's last event. Anything else is a failure of ours.
      const refusal = err instanceof RestError ? err.error : { message: 'Internal server error', code: 'INTERNAL_SERVER_ERROR', status: 500, extensions: {} };
      if (streamError && !res.destroyed) res.write(streamError(refusal));
      if (!(err instanceof RestError)) throw err;
    } finally {
      res.off('close', stop);
      await it.return?.();
      res.end();
    }
    return;
  }
  if (reply.bytes) {
    res.writeHead(reply.status ?? 200, {
      ...headers,
      'content-type': reply.bytes.type,
      'content-length': String(reply.bytes.data.length),
      ...(reply.bytes.disposition ? { 'content-disposition': reply.bytes.disposition } : {}),
    });
    return void res.end(head ? undefined : reply.bytes.data);
  }
  if (reply.html !== undefined) {
    // Only this page's own scripts run: each <script> of the template gets this response's nonce
    // (text from users is escaped, so it never contains a literal <script>).
    const nonce = randomBytes(16).toString('base64');
    const html = reply.html.replace(/<script>/g, `<script nonce="${nonce}">`);
    res.writeHead(reply.status ?? 200, { ...headers, 'content-type': 'text/html; charset=utf-8', 'content-security-policy': pageCsp(nonce) });
    return void res.end(head ? undefined : html);
  }
  const body = JSON.stringify(reply.body ?? null);
  res.writeHead(reply.status ?? 200, Object.assign(headers, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) }));
  res.end(head ? undefined : body);
}
