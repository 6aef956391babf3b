// FastAPI-style errors, shared by PARROT (seed 000) and AIDeer (seed 002): validation errors as
// `{"detail": [{"loc": [...], "msg": ..., "type": ...}]}`, anything else as `{"detail": "..."}`.
import type { OpError, Reply, RestCall } from '../core.js';

export function fastapiError(e: OpError, call: RestCall, opts: { validationStatus: number; statuses?: Record<string, number> }): Reply {
  // FastAPI's own answer to a method a path does not take.
  if (e.code === 'METHOD_NOT_ALLOWED') return { status: 405, body: { detail: 'Method Not Allowed' } };
  const byCode: Record<string, number> = {
    BAD_USER_INPUT: opts.validationStatus,
    GRAPHQL_VALIDATION_FAILED: opts.validationStatus,
    UNAUTHENTICATED: 401,
    FORBIDDEN: 403,
    NOT_FOUND: 404,
    INSUFFICIENT_CREDITS: 402,
    CONFLICT: 400,
    RATE_LIMITED: 429,
    PAYLOAD_TOO_LARGE: 413,
    ...opts.statuses,
  };
  let status = byCode[e.code] ?? (e.status >= 400 && e.status < 600 ? e.status : 500);
  // A status the route does not document becomes the one it does for bad requests.
  const documented = call.route?.responses;
  if (documented && !documented[status] && status >= 500) status = 500;
  else if (documented && !documented[status] && status !== 429) {
    if (documented[422]) status = 422;
    else if (documented[400]) status = 400;
  }
  const headers: Record<string, string> = status === 401 ? { 'www-authenticate': call.route?.auth === 'basic' ? 'Basic' : 'Bearer' } : {};
  if (e.code === 'BAD_USER_INPUT' && (e.fields?.length || e.field)) {
    const fields = e.fields?.length ? e.fields : [{ path: e.field!.split('.'), message: e.message }];
    return {
      status,
      headers,
      body: {
        detail: fields.map((f) => {
          const path = f.path[0] === 'input' ? f.path.slice(1) : f.path;
          const missing = /required/.test(f.message);
          return { loc: ['body', ...path.map((p) => (/^\d+$/.test(p) ? Number(p) : snake(p)))], msg: missing ? 'field required' : f.message, type: missing ? 'value_error.missing' : 'value_error' };
        }),
      },
    };
  }
  return { status, headers, body: { detail: e.code === 'INTERNAL_SERVER_ERROR' ? 'Internal Server Error' : e.message } };
}

export const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
