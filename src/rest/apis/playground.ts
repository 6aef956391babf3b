// AI API Playground (seed 004), at `/`: JWT bearer or X-API-Key; `{success, data, message,
// timestamp}` envelopes; errors `{success: false, error: {message, code, details}, timestamp}`;
// X-RateLimit-* headers on every answer; OpenAI-shaped chat and generate, SSE with `stream`.
import { type Api, denied, type OpError, type RestCall, invalid, type Route } from '../core.js';
import { finished, sseOf, streamText } from '../stream.js';

const now = () => new Date().toISOString();
const ok = (data: unknown, message?: string, status = 200) => ({ status, body: { success: true, ...(data === undefined ? {} : { data }), ...(message ? { message } : {}), timestamp: now() } });

const CODES: Record<string, [string, number]> = {
  BAD_USER_INPUT: ['VALIDATION_ERROR', 400],
  GRAPHQL_VALIDATION_FAILED: ['VALIDATION_ERROR', 400],
  UNAUTHENTICATED: ['AUTHENTICATION_ERROR', 401],
  FORBIDDEN: ['AUTHORIZATION_ERROR', 403],
  NOT_FOUND: ['NOT_FOUND', 404],
  RATE_LIMITED: ['RATE_LIMIT_EXCEEDED', 429],
  INSUFFICIENT_CREDITS: ['INSUFFICIENT_CREDITS', 402],
  CONFLICT: ['CONFLICT', 409],
  PAYLOAD_TOO_LARGE: ['VALIDATION_ERROR', 413],
  METHOD_NOT_ALLOWED: ['METHOD_NOT_ALLOWED', 405],
  PROVIDER_ERROR: ['SERVICE_UNAVAILABLE', 503],
  CANCELED: ['SERVICE_UNAVAILABLE', 503],
};

/** The `error` object of the envelope, and its HTTP status. */
export function playgroundErrorBody(e: OpError) {
  const [code, status] = CODES[e.code] ?? (e.status === 503 ? ['SERVICE_UNAVAILABLE', 503] : ['SERVER_ERROR', 500]);
  const details = e.fields?.length ? { fields: e.fields.map((f) => ({ field: f.path.join('.'), message: f.message })) } : e.reason ? { reason: e.reason } : undefined;
  return { message: status === 500 ? 'Internal server error' : e.message, code, ...(details ? { details } : {}), status };
}

function error(e: OpError) {
  const { status, ...body } = playgroundErrorBody(e);
  return { status, body: { success: false, error: body, timestamp: now() } };
}

const USER = 'id: databaseId username email tier createdAt updatedAt';
const userOut = (u: { id: number; username: string; email: string | null; tier: string; createdAt: string; updatedAt?: string }, updated = true) => ({
  id: String(u.id),
  username: u.username,
  email: u.email,
  tier: u.tier,
  created_at: u.createdAt,
  ...(updated ? { updated_at: u.updatedAt } : {}),
});

const str = (c: RestCall, k: string) => (typeof c.body[k] === 'string' ? (c.body[k] as string) : undefined);
const num = (c: RestCall, k: string) => {
  const v = c.body[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(k, 'must be a number');
  return v;
};
const required = (c: RestCall, k: string) => {
  const v = str(c, k);
  if (!v) throw invalid(k, 'is required');
  return v;
};

const keyOut = (k: any) => ({ id: k.id, name: k.name, permissions: k.permissions, created_at: k.createdAt, expires_at: k.expiresAt, last_used: k.lastUsedAt });
const KEY = 'id name permissions createdAt updatedAt expiresAt lastUsedAt usageCount';
const hookOut = (w: any) => ({ id: w.id, url: w.url, events: w.events, active: w.active, created_at: w.createdAt, last_delivery: w.lastDeliveryAt });
const HOOK = 'id url events secret active createdAt updatedAt lastDeliveryAt';

/** Seed 004's chat and generate parameters, as the GraphQL task input. */
function textParams(c: RestCall) {
  return {
    model: str(c, 'model') ?? 'minimax',
    maxTokens: num(c, 'max_tokens') ?? 1000,
    temperature: num(c, 'temperature') ?? 0.7,
    topP: num(c, 'top_p') ?? 0.9,
  };
}

function chatInput(c: RestCall) {
  const messages = c.body.messages;
  if (!Array.isArray(messages) || messages.length === 0) throw invalid('messages', 'is required (an array of {role, content})');
  return { ...textParams(c), messages: messages.map((m: any) => ({ role: m?.role, content: m?.content })) };
}

const routes: Route[] = [
  {
    method: 'POST', path: '/api/auth/register', summary: 'Create an account', auth: 'none',
    responses: { 201: 'User registered', 400: 'Validation error (VALIDATION_ERROR), also a taken username or email' },
    requestBody: { contentType: 'application/json', example: { username: 'johndoe', email: 'john@example.com', password: 'SecurePass123!' } },
    async run(c, gql) {
      const username = required(c, 'username');
      if (!/^[A-Za-z0-9]{3,30}$/.test(username)) throw invalid('username', 'must be 3-30 letters or digits');
      const r = await gql(`mutation($input: RegisterInput!) { register(input: $input) { accessToken user { ${USER} } } }`, {
        input: { username, email: required(c, 'email'), password: required(c, 'password') },
      });
      return ok({ user: userOut(r.register.user, false), token: r.register.accessToken }, 'User registered successfully', 201);
    },
  },
  {
    method: 'POST', path: '/api/auth/login', summary: 'Sign in with email and password', auth: 'none',
    responses: { 200: 'Signed in', 400: 'Validation error', 401: 'Invalid credentials' },
    requestBody: { contentType: 'application/json', example: { email: 'john@example.com', password: 'SecurePass123!' } },
    async run(c, gql) {
      const login = str(c, 'email') ?? str(c, 'username');
      if (!login) throw invalid('email', 'is required');
      const r = await gql(`mutation($input: LoginInput!) { login(input: $input) { accessToken user { ${USER} } } }`, { input: { login, password: required(c, 'password') } });
      return ok({ user: userOut(r.login.user, false), token: r.login.accessToken }, 'Login successful');
    },
  },
  {
    method: 'POST', path: '/api/auth/logout', summary: 'Sign out (the token stops working)', auth: 'bearer',
    responses: { 200: 'Signed out', 401: 'Not signed in' },
    async run(_c, gql) {
      if (!(await gql(`query { me { id } }`)).me) throw denied();
      await gql(`mutation { logout }`);
      return ok(undefined, 'Logout successful');
    },
  },
  {
    method: 'GET', path: '/api/auth/me', summary: 'The signed-in user, with quotas and API keys', auth: 'bearer',
    responses: { 200: 'The user', 401: 'Not signed in' },
    async run(c, gql) {
      const r = await gql(`query { me { ${USER} quota { daily { used limit } weekly { used limit } monthly { used limit } } } }`);
      if (!r.me) throw denied();
      const viaKey = (c.authorization ?? '').includes('sk_') || !!c.headers.get('x-api-key');
      const keys = viaKey ? [] : (await gql(`query { apiKeys { ${KEY} } }`)).apiKeys.map(keyOut);
      return ok({ ...userOut(r.me), quota: r.me.quota, api_keys: keys });
    },
  },
  {
    method: 'PUT', path: '/api/auth/profile', summary: 'Change username or email', auth: 'bearer',
    responses: { 200: 'Updated', 400: 'Validation error (also a taken username or email)', 401: 'Not signed in' },
    requestBody: { contentType: 'application/json', example: { username: 'johndoe_updated', email: 'john.updated@example.com' } },
    async run(c, gql) {
      const input: Record<string, unknown> = {};
      if (c.body.username !== undefined) input.username = c.body.username;
      if (c.body.email !== undefined) input.email = c.body.email;
      const r = await gql(`mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { ${USER} } }`, { input });
      return ok(userOut(r.updateProfile), 'Profile updated successfully');
    },
  },
  {
    method: 'PUT', path: '/api/auth/password', summary: 'Change password', auth: 'bearer',
    responses: { 200: 'Changed', 400: 'Validation error or wrong old password', 401: 'Not signed in' },
    requestBody: { contentType: 'application/json', example: { oldPassword: 'OldPass123!', newPassword: 'NewSecurePass456!' } },
    async run(c, gql) {
      await gql(`mutation($input: ChangePasswordInput!) { changePassword(input: $input) }`, { input: { oldPassword: required(c, 'oldPassword'), newPassword: required(c, 'newPassword') } });
      return ok(undefined, 'Password changed successfully');
    },
  },
  {
    method: 'POST', path: '/api/v1/ai/chat', summary: 'Chat completion (OpenAI shape; SSE with stream: true)', auth: 'bearer',
    responses: { 200: 'The reply, or an SSE stream ending in data: [DONE]', 400: 'Validation error', 401: 'Not signed in', 402: 'Insufficient credits', 403: 'Key lacks ai:write', 429: 'Rate limited' },
    requestBody: { contentType: 'application/json', example: { messages: [{ role: 'user', content: 'Hello, how are you?' }], model: 'minimax', max_tokens: 1000, temperature: 0.7, top_p: 0.9, stream: false } },
    async run(c, gql) {
      const events = await streamText(gql, 'chat', chatInput(c));
      if (c.body.stream === true) return { events: sseOf(events, 'chat') };
      const done = await finished(events);
      return ok({ id: `chat-${done.task.requestId}`, model: done.task.modelId, choices: done.choices.map((x, index) => ({ index, message: { role: 'assistant', content: x.text }, finish_reason: x.finishReason })), usage: done.usage, created: done.created });
    },
  },
  {
    method: 'POST', path: '/api/v1/ai/generate', summary: 'Text generation', auth: 'bearer',
    responses: { 200: 'The completions', 400: 'Validation error', 401: 'Not signed in', 402: 'Insufficient credits', 403: 'Key lacks ai:write', 429: 'Rate limited' },
    requestBody: { contentType: 'application/json', example: { prompt: 'Write a short story about artificial intelligence', model: 'minimax', max_tokens: 500, temperature: 0.8, top_p: 0.95, n: 1, stop: ['\n\n', 'END'] } },
    async run(c, gql) {
      const stop = c.body.stop;
      if (stop !== undefined && (!Array.isArray(stop) || stop.some((s) => typeof s !== 'string'))) throw invalid('stop', 'must be an array of strings');
      const input = { ...textParams(c), maxTokens: num(c, 'max_tokens') ?? 500, prompt: required(c, 'prompt'), n: num(c, 'n'), stop };
      const events = await streamText(gql, 'generate', input);
      if (c.body.stream === true) return { events: sseOf(events, 'generate') };
      const done = await finished(events);
      return ok({ id: `gen-${done.task.requestId}`, model: done.task.modelId, choices: done.choices.map((x, index) => ({ text: x.text, index, finish_reason: x.finishReason })), usage: done.usage });
    },
  },
  {
    method: 'GET', path: '/api/v1/ai/models', summary: 'Available models', auth: 'bearer',
    responses: { 200: 'The models', 401: 'Not signed in' },
    async run(_c, gql) {
      if (!(await gql(`query { me { id } }`)).me) throw denied();
      const r = await gql(`query { models { id name description maxTokens supportedEndpoints pricing { perImage perSecond per1kTokens flat } } }`);
      return ok({
        models: r.models.map((m: any) => ({
          id: m.id, name: m.name, description: m.description, max_tokens: m.maxTokens, supported_endpoints: m.supportedEndpoints,
          pricing: Object.fromEntries(Object.entries({ per_image: m.pricing.perImage, per_second: m.pricing.perSecond, per_1k_tokens: m.pricing.per1kTokens, flat: m.pricing.flat }).filter(([, v]) => v !== null)),
        })),
      });
    },
  },
  {
    method: 'GET', path: '/api/v1/ai/usage', summary: 'Usage statistics', auth: 'bearer', query: { start_date: 'ISO date', end_date: 'ISO date', model: 'model id' },
    responses: { 200: 'Usage and quotas', 400: 'Bad date', 401: 'Not signed in', 403: 'Key lacks usage:read' },
    async run(c, gql) {
      const date = (k: string) => {
        const v = c.query.get(k);
        if (!v) return undefined;
        const d = new Date(v);
        if (Number.isNaN(d.getTime())) throw invalid(k, 'must be an ISO date');
        return d.toISOString();
      };
      const r = await gql(
        `query($from: DateTime, $to: DateTime, $model: String) { usage(from: $from, to: $to, model: $model) {
          totalRequests totalTokens totalCost byModel { model requests tokens cost } byDate { date requests tokens cost }
          quota { daily { used limit } weekly { used limit } monthly { used limit } } } }`,
        { from: date('start_date'), to: date('end_date'), model: c.query.get('model') || undefined },
      );
      const u = r.usage;
      return ok({
        usage: {
          total_requests: u.totalRequests, total_tokens: u.totalTokens, total_cost: u.totalCost,
          by_model: Object.fromEntries(u.byModel.map((m: any) => [m.model, { requests: m.requests, tokens: m.tokens, cost: m.cost }])),
          by_date: u.byDate,
        },
        quota: u.quota,
      });
    },
  },
  {
    method: 'POST', path: '/api/v1/api-keys', summary: 'Create an API key (its secret is shown once)', auth: 'bearer',
    responses: { 201: 'Created', 400: 'Validation error', 401: 'Not signed in', 403: 'API keys cannot create keys' },
    requestBody: { contentType: 'application/json', example: { name: 'My Application', permissions: ['ai:read', 'ai:write', 'usage:read'], expires_in: 30 } },
    async run(c, gql) {
      const r = await gql(`mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { ${KEY} } } }`, {
        input: { name: c.body.name, permissions: c.body.permissions, expiresIn: c.body.expires_in },
      });
      return ok({ api_key: { ...keyOut(r.createApiKey.apiKey), key: r.createApiKey.key } }, 'API key created successfully', 201);
    },
  },
  {
    method: 'GET', path: '/api/v1/api-keys', summary: 'Your API keys', auth: 'bearer',
    responses: { 200: 'The keys', 401: 'Not signed in', 403: 'API keys cannot list keys' },
    async run(_c, gql) {
      return ok({ api_keys: (await gql(`query { apiKeys { ${KEY} } }`)).apiKeys.map(keyOut) });
    },
  },
  {
    method: 'GET', path: '/api/v1/api-keys/{id}', summary: 'An API key, with its use', auth: 'bearer',
    responses: { 200: 'The key', 401: 'Not signed in', 404: 'No such key of yours' },
    async run(c, gql) {
      const k = (await gql(`query($id: String!) { apiKey(id: $id) { ${KEY} } }`, { id: c.params.id })).apiKey;
      return ok({ api_key: { ...keyOut(k), usage_count: k.usageCount } });
    },
  },
  {
    method: 'PUT', path: '/api/v1/api-keys/{id}', summary: 'Rename a key or change its permissions', auth: 'bearer',
    responses: { 200: 'Updated', 400: 'Validation error', 401: 'Not signed in', 404: 'No such key of yours' },
    requestBody: { contentType: 'application/json', example: { name: 'Updated Application Name', permissions: ['ai:read', 'ai:write', 'usage:read', 'webhooks:write'] } },
    async run(c, gql) {
      const k = (await gql(`mutation($id: String!, $input: UpdateApiKeyInput!) { updateApiKey(id: $id, input: $input) { ${KEY} } }`, { id: c.params.id, input: { name: c.body.name, permissions: c.body.permissions } })).updateApiKey;
      return ok({ api_key: { id: k.id, name: k.name, permissions: k.permissions, updated_at: k.updatedAt } }, 'API key updated successfully');
    },
  },
  {
    method: 'DELETE', path: '/api/v1/api-keys/{id}', summary: 'Revoke a key', auth: 'bearer',
    responses: { 200: 'Revoked', 401: 'Not signed in', 404: 'No such key of yours' },
    async run(c, gql) {
      await gql(`mutation($id: String!) { deleteApiKey(id: $id) }`, { id: c.params.id });
      return ok(undefined, 'API key deleted successfully');
    },
  },
  {
    method: 'POST', path: '/api/v1/webhooks', summary: 'Create a webhook', auth: 'bearer',
    responses: { 201: 'Created', 400: 'Validation error (events, URL, blocked address)', 401: 'Not signed in', 403: 'Key lacks webhooks:write' },
    requestBody: { contentType: 'application/json', example: { url: 'https://your-app.com/webhook', events: ['ai.task.completed', 'ai.task.failed', 'quota.warning'], secret: 'your-webhook-secret', active: true } },
    async run(c, gql) {
      const w = (await gql(`mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { ${HOOK} } }`, { input: { url: c.body.url, events: c.body.events, secret: c.body.secret, active: c.body.active } })).createWebhook;
      return ok({ webhook: { ...hookOut(w), secret: w.secret } }, undefined, 201);
    },
  },
  {
    method: 'GET', path: '/api/v1/webhooks', summary: 'Your webhooks', auth: 'bearer',
    responses: { 200: 'The webhooks', 401: 'Not signed in', 403: 'Key lacks webhooks:read' },
    async run(_c, gql) {
      return ok({ webhooks: (await gql(`query { webhooks { ${HOOK} } }`)).webhooks.map(hookOut) });
    },
  },
  {
    method: 'PUT', path: '/api/v1/webhooks/{id}', summary: 'Change a webhook', auth: 'bearer',
    responses: { 200: 'Updated', 400: 'Validation error', 401: 'Not signed in', 404: 'No such webhook of yours' },
    requestBody: { contentType: 'application/json', example: { url: 'https://your-app.com/new-webhook', events: ['ai.task.completed', 'ai.task.failed', 'quota.warning'], active: true } },
    async run(c, gql) {
      const w = (await gql(`mutation($id: String!, $input: UpdateWebhookInput!) { updateWebhook(id: $id, input: $input) { ${HOOK} } }`, { id: c.params.id, input: { url: c.body.url, events: c.body.events, secret: c.body.secret, active: c.body.active } })).updateWebhook;
      return ok({ webhook: { id: w.id, url: w.url, events: w.events, active: w.active, updated_at: w.updatedAt } });
    },
  },
  {
    method: 'DELETE', path: '/api/v1/webhooks/{id}', summary: 'Delete a webhook', auth: 'bearer',
    responses: { 200: 'Deleted', 401: 'Not signed in', 404: 'No such webhook of yours' },
    async run(c, gql) {
      await gql(`mutation($id: String!) { deleteWebhook(id: $id) }`, { id: c.params.id });
      return ok(undefined, 'Webhook deleted successfully');
    },
  },
  {
    method: 'GET', path: '/api/v1/usage', summary: 'Your usage records, paged', auth: 'bearer', query: { page: '1-based (default 1)', limit: '1-100 (default 20)', sort: 'asc or desc (default desc)' },
    responses: { 200: 'A page of records', 400: 'Bad paging', 401: 'Not signed in', 403: 'Key lacks usage:read' },
    async run(c, gql) {
      const int = (k: string, d: number, min: number, max: number) => {
        const v = c.query.get(k);
        if (v === null || v === '') return d;
        const n = Number(v);
        if (!Number.isInteger(n) || n < min || n > max) throw invalid(k, `must be a whole number from ${min} to ${max}`);
        return n;
      };
      const page = int('page', 1, 1, 1_000_000);
      const limit = int('limit', 20, 1, 100);
      const sort = c.query.get('sort') ?? 'desc';
      if (sort !== 'asc' && sort !== 'desc') throw invalid('sort', 'must be asc or desc');
      const r = await gql(`query($offset: Int, $limit: Int, $sort: SortOrder) { usageRecords(offset: $offset, limit: $limit, sort: $sort) { total items { id model endpoint promptTokens completionTokens totalTokens units cost createdAt taskId } } }`, { offset: (page - 1) * limit, limit, sort });
      const total = r.usageRecords.total;
      const pages = Math.ceil(total / limit);
      return ok({
        items: r.usageRecords.items.map((x: any) => ({ id: x.id, model: x.model, endpoint: x.endpoint, prompt_tokens: x.promptTokens, completion_tokens: x.completionTokens, total_tokens: x.totalTokens, units: x.units, cost: x.cost, task_id: x.taskId, created_at: x.createdAt })),
        pagination: { page, limit, total, pages, has_next: page < pages, has_prev: page > 1 },
      });
    },
  },
];

export const playground: Api = {
  name: 'AI API Playground',
  base: '/',
  description: 'Seed 004: JWT bearer or X-API-Key; {success, data, message, timestamp} envelopes; X-RateLimit-* headers.',
  routes,
  error,
};
