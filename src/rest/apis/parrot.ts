// PARROT AI (seed 000), at /api/v1.0: HTTP Basic login → bearer access and refresh tokens (the
// refresh token as a form field); SD and SDXL tasks with a `config` object; FastAPI-style errors,
// validation errors with status 400 as documented.
import { type Api, denied, invalid, type RestCall, type Route } from '../core.js';
import { fastapiError } from './fastapi.js';

const USER = 'id: databaseId username name fullName email phoneNumber avatarUrl metadata role tier createdAt';
const userOut = (u: any) => ({
  id: u.id, username: u.username, name: u.name, full_name: u.fullName, email: u.email, phone_number: u.phoneNumber,
  avatar: u.avatarUrl, metadata: u.metadata, role: u.role, tier: u.tier, created_at: u.createdAt,
});
const tokens = (p: any) => ({ access_token: p.accessToken, refresh_token: p.refreshToken, token_type: 'bearer', expires_in: p.expiresIn });

/** `config` of an SD task (the WebUI's field names) as GraphQL image input. */
function sdInput(c: RestCall, model: string) {
  const prompt = c.body.prompt;
  if (typeof prompt !== 'string' || !prompt.trim()) throw invalid('prompt', 'field required');
  const config = c.body.config;
  if (config === undefined || config === null || typeof config !== 'object' || Array.isArray(config)) throw invalid('config', 'field required');
  const cfg = config as Record<string, unknown>;
  const pick = (...names: string[]) => names.map((n) => cfg[n]).find((v) => v !== undefined && v !== null);
  return {
    model,
    prompt,
    negativePrompt: pick('negative_prompt', 'negativePrompt'),
    width: pick('width'),
    height: pick('height'),
    steps: pick('steps', 'num_inference_steps'),
    cfgScale: pick('cfg_scale', 'guidance_scale'),
    seed: pick('seed') === -1 ? undefined : pick('seed'),
    sampler: pick('sampler_name', 'sampler'),
    count: pick('batch_size', 'n_iter', 'num_images'),
  };
}

const TASK = 'databaseId requestId status progress progressMessage errorCode errorMessage modelId createdAt finishedAt assets { databaseId url thumbnailUrl width height }';
const taskOut = (t: any) => ({
  task_id: t.databaseId,
  request_id: t.requestId,
  status: t.status,
  progress: t.progress,
  message: t.progressMessage,
  model: t.modelId,
  images: t.assets.map((a: any) => ({ image_id: a.databaseId, url: a.url, thumbnail_url: a.thumbnailUrl, width: a.width, height: a.height })),
  error: t.errorMessage,
  created_at: t.createdAt,
  finished_at: t.finishedAt,
});

function createTaskRoute(path: string, model: string, label: string): Route {
  return {
    method: 'POST', path, summary: `Create a ${label} text-to-image task`, auth: 'bearer',
    responses: { 200: 'The task, queued', 400: 'Validation error', 401: 'Not signed in', 402: 'Insufficient credits', 429: 'Rate limited' },
    requestBody: { contentType: 'application/json', example: { prompt: 'a lighthouse at dusk', config: { width: 512, height: 512, steps: 20, cfg_scale: 7, seed: 42, sampler_name: 'Euler a', negative_prompt: 'blurry', batch_size: 1 } } },
    async run(c, gql) {
      const t = (await gql(`mutation($input: GenerateImageInput!) { generateImage(input: $input) { ${TASK} } }`, { input: sdInput(c, model) })).generateImage;
      return { body: taskOut(t) };
    },
  };
}

const routes: Route[] = [
  {
    method: 'POST', path: '/rest/user/register', summary: 'Register', auth: 'none',
    responses: { 200: 'The new user', 400: 'Validation error' },
    requestBody: { contentType: 'application/json', example: { username: 'user', password: 'Passw0rdX', email: 'user@example.com' } },
    async run(c, gql) {
      const b = c.body;
      for (const f of ['username', 'email', 'password']) if (b[f] === undefined || b[f] === null || b[f] === '') throw invalid(f, 'field required');
      const r = await gql(`mutation($input: RegisterInput!) { register(input: $input) { user { ${USER} } } }`, {
        input: { username: b.username, email: b.email, password: b.password, name: b.name, fullName: b.full_name, phoneNumber: b.phone_number, avatar: b.avatar, metadata: b.metadata },
      });
      return { body: userOut(r.register.user) };
    },
  },
  {
    method: 'POST', path: '/rest/user/login', summary: 'Log in with HTTP Basic credentials', auth: 'basic',
    responses: { 200: 'Access and refresh tokens', 401: 'Missing or wrong credentials' },
    async run(c, gql) {
      const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(c.headers.get('authorization') ?? '');
      const decoded = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
      const i = decoded.indexOf(':');
      if (i < 1) throw denied('Basic credentials required');
      const r = await gql(`mutation($input: LoginInput!) { login(input: $input) { accessToken refreshToken expiresIn } }`, { input: { login: decoded.slice(0, i), password: decoded.slice(i + 1) } }, { authorization: null });
      return { body: tokens(r.login) };
    },
  },
  {
    method: 'POST', path: '/rest/user/refresh_token', summary: 'New tokens for a refresh token (form field refresh_token)', auth: 'refresh',
    responses: { 200: 'New access and refresh tokens', 400: 'refresh_token missing', 401: 'Invalid or reused refresh token' },
    requestBody: { contentType: 'application/x-www-form-urlencoded', schema: { type: 'object', properties: { refresh_token: { type: 'string' } }, required: ['refresh_token'] } },
    async run(c, gql) {
      const token = c.body.refresh_token;
      if (typeof token !== 'string' || !token) throw invalid('refresh_token', 'field required');
      const r = await gql(`mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken expiresIn } }`, { t: token }, { authorization: null });
      return { body: tokens(r.refreshToken) };
    },
  },
  {
    method: 'POST', path: '/rest/user/me', summary: 'The signed-in user', auth: 'bearer',
    responses: { 200: 'The user', 401: 'Not signed in' },
    async run(_c, gql) {
      const r = await gql(`query { me { ${USER} credits { available reserved } } }`);
      if (!r.me) throw denied('Not authenticated');
      return { body: { ...userOut(r.me), credits: r.me.credits } };
    },
  },
  createTaskRoute('/rest/task/create_sd_task', 'sd15', 'Stable Diffusion 1.5'),
  createTaskRoute('/rest/task/create_sdxl_task', 'sdxl', 'SDXL'),
  {
    method: 'POST', path: '/rest/task/get_result_sd_task', summary: 'A task’s status and images', auth: 'bearer',
    responses: { 200: 'The task', 400: 'task_id missing', 401: 'Not signed in', 404: 'No such task of yours' },
    requestBody: { contentType: 'application/json', example: { task_id: 1 } },
    async run(c, gql) {
      const id = c.body.task_id;
      if (id === undefined || id === null || id === '') throw invalid('task_id', 'field required');
      const t = (await gql(`query($id: ID!) { task(id: $id) { ${TASK} } }`, { id: String(id) })).task;
      return { body: taskOut(t) };
    },
  },
  {
    method: 'GET', path: '/rest/task/get_task_history', summary: 'Your tasks, newest first', auth: 'bearer', query: { offset: 'default 0', limit: '1-100, default 20' },
    responses: { 200: 'The tasks', 400: 'Bad paging', 401: 'Not signed in' },
    async run(c, gql) {
      const num = (k: string) => (c.query.get(k) === null ? undefined : Number(c.query.get(k)));
      const r = await gql(`query($offset: Int, $limit: Int) { tasks(offset: $offset, limit: $limit) { total items { ${TASK} } } }`, { offset: num('offset'), limit: num('limit') });
      return { body: { total: r.tasks.total, items: r.tasks.items.map(taskOut) } };
    },
  },
  {
    method: 'POST', path: '/rest/task/user_feedback', summary: 'Like, dislike or comment on an image', auth: 'bearer',
    responses: { 200: 'The feedback', 400: 'Validation error', 401: 'Not signed in', 404: 'No such image of yours' },
    requestBody: { contentType: 'application/json', example: { image_id: 1, is_like: true, feedback: 'lovely' } },
    async run(c, gql) {
      const b = c.body;
      if (b.image_id === undefined || b.image_id === null || b.image_id === '') throw invalid('image_id', 'field required');
      for (const f of ['is_like', 'is_dislike']) if (b[f] !== undefined && b[f] !== null && typeof b[f] !== 'boolean') throw invalid(f, 'value could not be parsed to a boolean');
      const r = await gql(`mutation($a: ID!, $l: Boolean, $d: Boolean, $f: String) { rateResult(assetId: $a, isLike: $l, isDislike: $d, feedback: $f) { isLike isDislike feedback updatedAt } }`, {
        a: String(b.image_id), l: b.is_like, d: b.is_dislike, f: b.feedback,
      });
      return { body: { image_id: Number(b.image_id), is_like: r.rateResult.isLike, is_dislike: r.rateResult.isDislike, feedback: r.rateResult.feedback, updated_at: r.rateResult.updatedAt } };
    },
  },
];

export const parrot: Api = {
  name: 'PARROT AI',
  base: '/api/v1.0',
  description: 'Seed 000: HTTP Basic login, bearer tokens, SD/SDXL tasks; FastAPI-style errors.',
  routes,
  error: (e, call) => fastapiError(e, call, { validationStatus: 400 }),
};
