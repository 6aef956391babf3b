// OpenAI-compatible API at /v1, so that any OpenAI client or tool works with a platform API key
// (`Authorization: Bearer sk_…`). Every request is a task like any other (history, usage, live
// progress), charged through the ledger with a hold; a streamed answer whose client leaves is
// stopped and charged for the prompt and the tokens it received. Errors take OpenAI's shape
// `{error: {message, type, param, code}}`; rate limits are reported as x-ratelimit-*-requests;
// every answer carries x-request-id.
import { randomUUID } from 'node:crypto';
import { type Api, denied, type Gql, type OpError, type RestCall, RestError, type Route } from '../core.js';
import { finished, streamText, type TextStreamEvent } from '../stream.js';

const ERRORS: Record<string, { type: string; code: string | null; status?: number }> = {
  BAD_USER_INPUT: { type: 'invalid_request_error', code: null },
  GRAPHQL_VALIDATION_FAILED: { type: 'invalid_request_error', code: null },
  UNAUTHENTICATED: { type: 'invalid_request_error', code: 'invalid_api_key' },
  FORBIDDEN: { type: 'invalid_request_error', code: 'insufficient_permissions' },
  INSUFFICIENT_CREDITS: { type: 'insufficient_quota', code: 'insufficient_credits' },
  NOT_FOUND: { type: 'invalid_request_error', code: 'not_found' },
  CONFLICT: { type: 'invalid_request_error', code: 'conflict' },
  RATE_LIMITED: { type: 'requests', code: 'rate_limit_exceeded' },
  PAYLOAD_TOO_LARGE: { type: 'invalid_request_error', code: 'request_too_large' },
  METHOD_NOT_ALLOWED: { type: 'invalid_request_error', code: 'method_not_allowed' },
  PROVIDER_ERROR: { type: 'server_error', code: 'provider_error', status: 502 },
  CANCELED: { type: 'server_error', code: 'canceled', status: 502 },
  SERVICE_UNAVAILABLE: { type: 'server_error', code: 'service_unavailable' },
};

/** The platform's field names as OpenAI's parameters. */
const PARAMS: Record<string, string> = { negativePrompt: 'negative_prompt', maxTokens: 'max_tokens', topP: 'top_p', count: 'n', width: 'size', height: 'size', presetId: 'preset_id', deadlineSeconds: 'deadline_seconds' };
export function paramOf(field: string | undefined): string | null {
  if (!field) return null;
  const parts = field.split('.').filter((p, i) => !(i === 0 && p === 'input'));
  if (!parts.length) return null;
  return parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : `${i ? '.' : ''}${PARAMS[p] ?? p}`)).join('');
}

/** OpenAI's error object for an operation's error, and its HTTP status. */
export function openaiError(e: OpError) {
  const known = ERRORS[e.code];
  const status = known?.status ?? (known ? e.status : e.status === 503 ? 503 : 500);
  const code = e.code === 'NOT_FOUND' && paramOf(e.field) === 'model' ? 'model_not_found' : (e.reason ?? known?.code ?? (status >= 500 ? 'server_error' : null));
  return {
    status,
    body: { error: { message: status === 500 ? 'The server had an error while processing your request.' : e.message, type: known?.type ?? 'server_error', param: paramOf(e.field), code } },
  };
}

const bad = (param: string, message: string, code: string | null = null) =>
  new RestError({ message, code: 'BAD_USER_INPUT', status: 400, field: param, reason: code ?? undefined, extensions: {} });

/** OpenAI parameters accepted and left alone: they have no counterpart here. */
const IGNORED = new Set(['user', 'logprobs', 'top_logprobs', 'logit_bias', 'presence_penalty', 'frequency_penalty', 'store', 'metadata', 'service_tier', 'parallel_tool_calls', 'quality', 'style', 'best_of', 'echo', 'suffix']);

function only(c: RestCall, known: string[]) {
  for (const k of Object.keys(c.body)) {
    if (!known.includes(k) && !IGNORED.has(k)) throw bad(k, `Unrecognized request argument supplied: ${k}`, 'unknown_parameter');
  }
}
const num = (c: RestCall, k: string) => {
  const v = c.body[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(k, `Invalid type for '${k}': expected a number.`, 'invalid_type');
  return v;
};
const int = (c: RestCall, k: string) => {
  const v = num(c, k);
  if (v !== undefined && !Number.isInteger(v)) throw bad(k, `Invalid type for '${k}': expected an integer.`, 'invalid_type');
  return v;
};
function model(c: RestCall, fallback?: string): string {
  const v = c.body.model;
  if (v === undefined && fallback) return fallback;
  if (typeof v !== 'string' || !v) throw bad('model', "you must provide a model parameter", 'missing_required_parameter');
  return v;
}
function stopOf(c: RestCall): string[] | undefined {
  const v = c.body.stop;
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v;
  throw bad('stop', "Invalid type for 'stop': expected a string or an array of strings.", 'invalid_type');
}
function streamOf(c: RestCall): { on: boolean; usage: boolean } {
  const on = c.body.stream;
  if (on !== undefined && on !== null && typeof on !== 'boolean') throw bad('stream', "Invalid type for 'stream': expected a boolean.", 'invalid_type');
  const opts = c.body.stream_options;
  if (opts !== undefined && opts !== null) {
    if (on !== true) throw bad('stream_options', 'stream_options is only allowed when stream is true.');
    if (typeof opts !== 'object' || Array.isArray(opts)) throw bad('stream_options', "Invalid type for 'stream_options': expected an object.", 'invalid_type');
  }
  return { on: on === true, usage: (opts as { include_usage?: unknown } | null)?.include_usage === true };
}
const sampling = (c: RestCall) => ({
  maxTokens: int(c, 'max_completion_tokens') ?? int(c, 'max_tokens'),
  temperature: num(c, 'temperature'),
  topP: num(c, 'top_p'),
  n: int(c, 'n'),
  seed: int(c, 'seed'),
  stop: stopOf(c),
});

/** Chat messages: text content (a string or text parts); `developer` is a system message. */
function messagesOf(c: RestCall) {
  const list = c.body.messages;
  if (!Array.isArray(list) || list.length === 0) throw bad('messages', "Invalid 'messages': expected a non-empty array of messages.", list === undefined ? 'missing_required_parameter' : 'invalid_type');
  return list.map((m: any, i) => {
    const role = m?.role === 'developer' ? 'system' : m?.role;
    if (!['system', 'user', 'assistant'].includes(role)) throw bad(`messages[${i}].role`, `Invalid value for 'messages[${i}].role': supported roles are system, developer, user and assistant.`, 'invalid_value');
    const content = typeof m.content === 'string'
      ? m.content
      : Array.isArray(m.content) && m.content.every((p: any) => p?.type === 'text' && typeof p.text === 'string')
        ? m.content.map((p: any) => p.text).join('')
        : null;
    if (content === null) throw bad(`messages[${i}].content`, `Invalid 'messages[${i}].content': expected a string or an array of text parts.`, 'invalid_type');
    return { role, content };
  });
}


/** OpenAI's stream: a chunk per token (the role in each choice's first), the finish reasons, the usage when asked, then [DONE]. */
async function* chunks(events: AsyncGenerator<TextStreamEvent>, kind: 'chat' | 'generate', includeUsage: boolean): AsyncGenerator<string> {
  const line = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;
  let head = { id: '', object: kind === 'chat' ? 'chat.completion.chunk' : 'text_completion', created: 0, model: '' };
  const usage = includeUsage ? { usage: null } : {};
  const started = new Set<number>();
  const choice = (index: number, text: string, finish: string | null) =>
    kind === 'chat'
      ? { index, delta: started.has(index) ? (finish ? {} : { content: text }) : { role: 'assistant', content: text }, logprobs: null, finish_reason: finish }
      : { index, text, logprobs: null, finish_reason: finish };
  for await (const e of events) {
    if (e.type === 'created') {
      head = { ...head, id: `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${e.task.requestId}`, created: Math.floor(Date.parse(e.task.createdAt) / 1000), model: e.task.modelId };
    } else if (e.type === 'token') {
      yield line({ ...head, choices: [choice(e.choice, e.delta, null)], ...usage });
      started.add(e.choice);
    } else if (e.task.status !== 'succeeded') {
      const failure = openaiError({ message: e.task.errorMessage ?? `The task ${e.task.status}`, code: e.task.status === 'canceled' ? 'CANCELED' : 'PROVIDER_ERROR', status: 502, extensions: {} });
      yield line(failure.body);
    } else {
      yield line({ ...head, choices: e.choices.map((x, i) => choice(i, '', x.finishReason)), ...usage });
      if (includeUsage) yield line({ ...head, choices: [], usage: e.usage });
    }
  }
  yield 'data: [DONE]\n\n';
}

const MODEL_FIELDS = 'id kind name description updatedAt';
const modelOut = (m: { id: string; kind: string; name: string; description: string; updatedAt: string }) => ({
  id: m.id,
  object: 'model',
  created: Math.floor(Date.parse(m.updatedAt) / 1000),
  owned_by: 'genhub',
});

const DEFAULT_IMAGE_MODEL = 'sdxl';

/** A signed asset path as a full URL, on the host the client called. */
function absolute(c: RestCall, path: string): string {
  if (/^https?:\/\//.test(path)) return path;
  const proto = c.headers.get('x-forwarded-proto')?.split(',')[0]?.trim() || ((c.req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http');
  return `${proto}://${c.headers.get('host') ?? 'localhost'}${path}`;
}

/** Waits for a task to finish (its live updates) and returns it with its assets; follow-up reads, not counted again. */
async function settled(gql: Gql, id: number, fields: string) {
  // The subscription ends with the finished task; its assets are empty until then.
  const source = gql.stream<{ taskUpdated: any }>(`subscription($id: ID!) { taskUpdated(id: $id) { status errorCode errorMessage createdAt ${fields} } }`, { id: String(id) }, { followUp: true });
  let last: any = null;
  try {
    for await (const u of source) last = u.taskUpdated;
  } finally {
    await source.return(undefined);
  }
  if (!last) throw new RestError({ message: 'The request was interrupted', code: 'SERVICE_UNAVAILABLE', status: 503, extensions: {} });
  return last;
}

/** An error after the task was created and charged: a retry would make and charge another. */
const final = (e: unknown) => (e instanceof RestError ? new RestError({ ...e.error, extensions: { ...e.error.extensions, final: true } }) : e);

const routes: Route[] = [
  {
    method: 'GET', path: '/models', summary: 'The models you can use', auth: 'bearer',
    responses: { 200: 'A list of models', 401: 'invalid_api_key' },
    async run(_c, gql) {
      const r = await gql(`query { models { ${MODEL_FIELDS} } }`);
      return { body: { object: 'list', data: r.models.map(modelOut) } };
    },
  },
  {
    method: 'GET', path: '/models/{model}', summary: 'One model', auth: 'bearer',
    responses: { 200: 'The model', 401: 'invalid_api_key', 404: 'model_not_found' },
    async run(c, gql) {
      const r = await gql(`query($id: String!) { model(id: $id) { ${MODEL_FIELDS} } }`, { id: c.params.model }).catch((e) => {
        throw e instanceof RestError && e.error.code === 'NOT_FOUND' ? new RestError({ ...e.error, field: 'model' }) : e;
      });
      return { body: modelOut(r.model) };
    },
  },
  {
    method: 'POST', path: '/chat/completions', summary: 'A chat completion; SSE chunks ending in data: [DONE] with stream: true', auth: 'bearer',
    responses: { 200: 'The completion or its stream', 400: 'Bad parameter (param names it)', 401: 'invalid_api_key', 402: 'insufficient_credits', 403: 'The key lacks ai:write', 404: 'model_not_found', 429: 'rate_limit_exceeded' },
    requestBody: { contentType: 'application/json', example: { model: 'minimax', messages: [{ role: 'user', content: 'Hello!' }], stream: false } },
    async run(c, gql) {
      only(c, ['model', 'messages', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'n', 'seed', 'stop', 'stream', 'stream_options', 'response_format']);
      if (c.body.logprobs === true) throw bad('logprobs', 'logprobs are not supported.', 'unsupported_value');
      const format = (c.body.response_format as { type?: unknown } | undefined)?.type;
      if (c.body.response_format !== undefined && format !== 'text') throw bad('response_format', "Only response_format {type: 'text'} is supported.", 'unsupported_value');
      const stream = streamOf(c);
      const events = await streamText(gql, 'chat', { model: model(c), messages: messagesOf(c), ...sampling(c) });
      if (stream.on) return { events: chunks(events, 'chat', stream.usage) };
      const done = await finished(events);
      return {
        body: {
          id: `chatcmpl-${done.task.requestId}`, object: 'chat.completion', created: done.created, model: done.task.modelId,
          choices: done.choices.map((x, index) => ({ index, message: { role: 'assistant', content: x.text, refusal: null }, logprobs: null, finish_reason: x.finishReason })),
          usage: done.usage,
        },
      };
    },
  },
  {
    method: 'POST', path: '/completions', summary: 'A text completion (legacy); SSE with stream: true', auth: 'bearer',
    responses: { 200: 'The completion or its stream', 400: 'Bad parameter (param names it)', 401: 'invalid_api_key', 402: 'insufficient_credits', 403: 'The key lacks ai:write', 404: 'model_not_found', 429: 'rate_limit_exceeded' },
    requestBody: { contentType: 'application/json', example: { model: 'minimax', prompt: 'Say this is a test', max_tokens: 16 } },
    async run(c, gql) {
      only(c, ['model', 'prompt', 'max_tokens', 'temperature', 'top_p', 'n', 'seed', 'stop', 'stream', 'stream_options']);
      // Options that would change the answer are refused rather than ignored.
      if (c.body.echo === true) throw bad('echo', 'echo is not supported.', 'unsupported_value');
      if (typeof c.body.best_of === 'number' && c.body.best_of > 1) throw bad('best_of', 'best_of is not supported.', 'unsupported_value');
      if (typeof c.body.suffix === 'string' && c.body.suffix) throw bad('suffix', 'suffix is not supported.', 'unsupported_value');
      if (c.body.logprobs !== undefined && c.body.logprobs !== null && c.body.logprobs !== false) throw bad('logprobs', 'logprobs are not supported.', 'unsupported_value');
      const p = c.body.prompt;
      const prompt = typeof p === 'string' ? p : Array.isArray(p) && p.length === 1 && typeof p[0] === 'string' ? p[0] : null;
      if (prompt === null) throw bad('prompt', "Invalid 'prompt': expected a string (or an array of one string).", p === undefined ? 'missing_required_parameter' : 'invalid_type');
      const stream = streamOf(c);
      const events = await streamText(gql, 'generate', { model: model(c), prompt, ...sampling(c) });
      if (stream.on) return { events: chunks(events, 'generate', stream.usage) };
      const done = await finished(events);
      return {
        body: {
          id: `cmpl-${done.task.requestId}`, object: 'text_completion', created: done.created, model: done.task.modelId,
          choices: done.choices.map((x, index) => ({ text: x.text, index, logprobs: null, finish_reason: x.finishReason })),
          usage: done.usage,
        },
      };
    },
  },
  {
    method: 'POST', path: '/images/generations', summary: 'Generate images (url or b64_json)', auth: 'bearer',
    responses: { 200: 'The images', 400: 'Bad parameter (param names it)', 401: 'invalid_api_key', 402: 'insufficient_credits', 403: 'The key lacks ai:write and ai:read', 404: 'model_not_found', 429: 'rate_limit_exceeded' },
    requestBody: { contentType: 'application/json', example: { model: DEFAULT_IMAGE_MODEL, prompt: 'A cute baby sea otter', n: 1, size: '1024x1024', response_format: 'url' } },
    async run(c, gql) {
      only(c, ['model', 'prompt', 'n', 'size', 'response_format', 'seed', 'negative_prompt']);
      if (typeof c.body.prompt !== 'string' || !c.body.prompt) throw bad('prompt', "Invalid 'prompt': expected a non-empty string.", c.body.prompt === undefined ? 'missing_required_parameter' : 'invalid_type');
      const format = c.body.response_format ?? 'url';
      if (format !== 'url' && format !== 'b64_json') throw bad('response_format', "Invalid value for 'response_format': expected 'url' or 'b64_json'.", 'invalid_value');
      let size: { width?: number; height?: number } = {};
      if (c.body.size !== undefined && c.body.size !== null && c.body.size !== 'auto') {
        const m = typeof c.body.size === 'string' ? /^(\d{2,5})x(\d{2,5})$/.exec(c.body.size) : null;
        if (!m) throw bad('size', "Invalid value for 'size': expected WIDTHxHEIGHT, e.g. '1024x1024'.", 'invalid_value');
        size = { width: Number(m[1]), height: Number(m[2]) };
      }
      const negative = c.body.negative_prompt;
      if (negative !== undefined && typeof negative !== 'string') throw bad('negative_prompt', "Invalid type for 'negative_prompt': expected a string.", 'invalid_type');
      const input = { model: model(c, DEFAULT_IMAGE_MODEL), prompt: c.body.prompt, count: int(c, 'n'), seed: int(c, 'seed'), negativePrompt: negative, ...size };
      // The result is read back: a key that could create but not read would pay for nothing.
      const may: string[] = (await gql(`query { viewerPermissions }`)).viewerPermissions;
      if (!may.includes('ai:read')) throw new RestError({ message: 'This API key needs the ai:read permission to receive the images', code: 'FORBIDDEN', status: 403, extensions: {} });
      const created = (await gql(`mutation($input: GenerateImageInput!) { generateImage(input: $input) { databaseId } }`, { input }, { followUp: true })).generateImage;
      const task = await settled(gql, created.databaseId, `assets { url ${format === 'b64_json' ? 'base64' : ''} prompt }`).catch((e) => Promise.reject(final(e)));
      if (task.status !== 'succeeded') {
        throw new RestError({ message: task.errorMessage ?? `The task ${task.status}`, code: task.status === 'canceled' ? 'CANCELED' : 'PROVIDER_ERROR', status: 502, extensions: { final: true } });
      }
      return {
        body: {
          created: Math.floor(Date.parse(task.createdAt) / 1000),
          data: task.assets.map((a: { url: string; base64?: string | null; prompt: string | null }) => (format === 'b64_json' ? { b64_json: a.base64 } : { url: absolute(c, a.url) })),
        },
      };
    },
  },
];

/** Seconds from now until an ISO time, in OpenAI's duration form ("1m30s", "12s"). */
function untilText(iso: string | undefined): string | undefined {
  if (!iso) return undefined;
  const s = Math.max(0, Math.ceil((Date.parse(iso) - Date.now()) / 1000));
  if (Number.isNaN(s)) return undefined;
  return s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`;
}

/** The caller's key: `Authorization: Bearer sk_…` (or X-API-Key); only platform API keys are taken here. */
const keyOf = (c: RestCall) => /^Bearer\s+(\S+)$/i.exec(c.authorization ?? '')?.[1] ?? c.headers.get('x-api-key');

export const openai: Api = {
  name: 'OpenAI-compatible API',
  base: '/v1',
  description: "OpenAI's API shape over the platform: models, chat completions, completions and image generations, with a platform API key as the bearer token.",
  routes,
  ownsBase: true,
  credential(c) {
    const bearer = keyOf(c);
    return bearer ? `Bearer ${bearer}` : null;
  },
  guard(c) {
    const bearer = keyOf(c);
    if (!bearer) throw denied("You didn't provide an API key. Send it as Authorization: Bearer sk_…");
    if (!bearer.startsWith('sk_')) throw denied('Incorrect API key provided: use a platform API key (sk_…).');
  },
  error(e) {
    const { status, body } = openaiError(e);
    // Tell OpenAI clients not to retry what would fail again: a reused Idempotency-Key, an
    // exhausted quota (it resets in hours), a generation that failed after the platform's own retries.
    const ext = e.extensions as { quota?: string; retryAfter?: number; final?: boolean };
    const once = ext.final === true || e.code === 'CONFLICT' || status === 502 || (e.code === 'RATE_LIMITED' && (ext.quota !== undefined || (ext.retryAfter ?? 0) > 60));
    const headers: Record<string, string> = once ? { 'x-should-retry': 'false' } : {};
    return { status, body, headers };
  },
  finish(_c, reply, rate) {
    // OpenAI's names for the request limit; the refused quota's reset comes as Retry-After.
    const limit = rate['x-ratelimit-limit'];
    const remaining = rate['x-ratelimit-remaining'];
    const reset = untilText(rate['x-ratelimit-reset']);
    for (const k of Object.keys(rate)) if (k.startsWith('x-ratelimit-')) delete rate[k];
    // Set one by one: a field after a spread in a literal is slow in V8 (see makeContext in src/server.ts).
    const headers: Record<string, string> = { ...reply.headers };
    // 32 random hex digits (randomUUID draws from a cached pool; randomBytes calls OpenSSL each time).
    headers['x-request-id'] = `req_${randomUUID().replace(/-/g, '')}`;
    if (limit) headers['x-ratelimit-limit-requests'] = limit;
    if (remaining) headers['x-ratelimit-remaining-requests'] = remaining;
    if (reset) headers['x-ratelimit-reset-requests'] = reset;
    reply.headers = headers;
  },
};
