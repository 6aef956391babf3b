// AI Image Generator (seed 003), at `/`: a session cookie from /auth/login (admin-style username
// and password, or a Google credential); multipart generation waiting for the results; the asset
// library as server-rendered pages; errors `{success: false, message | error}`.
import { type Api, denied, invalid, type OpError, type Reply, type RestCall, RestError, type Route } from '../core.js';
import * as pages from '../pages.js';

const COOKIE = 'session';
const MB = 1024 * 1024;
/** The documented upload limits. */
const MAX_IMAGE = 10 * MB;
const MAX_VIDEO = 50 * MB;
/** How long /api/generate waits for the results before answering with the request id to poll. */
const WAIT_MS = 60_000;

const STATUS: Record<string, number> = {
  BAD_USER_INPUT: 400, GRAPHQL_VALIDATION_FAILED: 400, UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404,
  INSUFFICIENT_CREDITS: 402, CONFLICT: 409, PAYLOAD_TOO_LARGE: 413, RATE_LIMITED: 429, SERVICE_UNAVAILABLE: 502, PROVIDER_ERROR: 502,
  METHOD_NOT_ALLOWED: 405,
};
function error(e: OpError, call: RestCall): Reply {
  const status = STATUS[e.code] ?? 500;
  // Pages answer as pages: signed out → the login page.
  if (call.route?.path && pages.isPage(call.route.path)) {
    if (status === 401) return { status: 302, redirect: `/login?next=${encodeURIComponent(call.path)}` };
    return { status, html: pages.errorPage(status, status === 500 ? 'Something went wrong.' : e.message) };
  }
  const message = status === 500 ? 'Internal server error' : e.message;
  return { status, body: status === 404 && call.route?.path !== '/auth/login' ? { success: false, error: message } : { success: false, message } };
}

const ASSET = 'databaseId kind mimeType fileName size width height durationSec prompt metadata url shortKey thumbnailUrl downloadUrl createdAt task { modelId }';
// Videos are answered with their short link (/video/<short_key>), as the document shows.
const resultOut = (a: any) => ({ url: a.kind === 'video' && a.shortKey ? `/video/${a.shortKey}` : a.url, id: a.databaseId, type: a.kind, thumbnail_url: a.kind === 'video' ? a.thumbnailUrl : null });
const TASK = `requestId status errorMessage assets { ${ASSET} }`;

function assetId(c: RestCall) {
  const v = c.params.asset_id!;
  if (!/^\d{1,9}$/.test(v)) throw new RestError({ message: 'Asset not found', code: 'NOT_FOUND', status: 404, extensions: {} });
  return v;
}

/** Waits for a task via its subscription, at most `ms`; null when it is still going. */
async function waitFor(gql: Parameters<Route['run']>[1], requestId: string, ms: number) {
  // Each poll is a request of the caller's (rate limited): once a second, and a refused poll
  // (429 and the like) means "still running" — the task exists and is paid for already.
  const end = Date.now() + ms;
  for (let wait = 150; ; wait = Math.min(wait * 2, 1000)) {
    await new Promise((r) => setTimeout(r, wait));
    const t = await gql(`query($r: String!) { t: taskByRequest(requestId: $r) { ${TASK} } }`, { r: requestId }).then((d) => d.t, () => null);
    if (t && t.status !== 'queued' && t.status !== 'running') return t;
    if (Date.now() > end) return null;
  }
}

const routes: Route[] = [
  {
    method: 'POST', path: '/auth/login', summary: 'Sign in (Google credential, or username and password); sets the session cookie', auth: 'none',
    responses: { 200: 'Signed in: {success, redirect_url}', 400: 'Neither a credential nor a username and password', 401: 'Invalid credentials' },
    requestBody: { contentType: 'application/json', example: { username: 'admin_username', password: 'admin_password' } },
    async run(c, gql) {
      const { credential, username, password } = c.body as Record<string, unknown>;
      if (typeof credential !== 'string' && (typeof username !== 'string' || typeof password !== 'string')) throw invalid('credential', 'give a Google credential, or a username and a password');
      const r = await gql(`mutation($l: String, $p: String, $c: String) { webLogin(login: $l, password: $p, credential: $c) { token expiresIn } }`, typeof credential === 'string' ? { c: credential } : { l: username, p: password }, { authorization: null }).catch((err) => {
        if (err instanceof RestError && err.error.code === 'UNAUTHENTICATED') throw new RestError({ ...err.error, message: 'Invalid credentials' });
        throw err;
      });
      const secure = c.headers.get('x-forwarded-proto') === 'https' ? '; Secure' : '';
      const next = pages.safeNext(c.body.next);
      return { body: { success: true, redirect_url: next }, headers: { 'set-cookie': `${COOKIE}=${r.webLogin.token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${r.webLogin.expiresIn}${secure}` } };
    },
  },
  {
    method: 'GET', path: '/auth/logout', summary: 'Sign out; redirects to the login page (a request from another site is sent to the dashboard instead)', auth: 'cookie', responses: { 302: 'To /login' },
    async run(c, gql) {
      // A GET, as documented; but another site cannot sign the user out (a link or <img> there
      // arrives with Sec-Fetch-Site: cross-site): that is sent back to the dashboard.
      const site = c.headers.get('sec-fetch-site');
      if (site && !['same-origin', 'none'].includes(site)) return { status: 302, redirect: '/dashboard' };
      if (c.cookies[COOKIE]) await gql(`mutation { logout }`).catch(() => {});
      return { status: 302, redirect: '/login', headers: { 'set-cookie': `${COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0` } };
    },
  },
  {
    method: 'POST', path: '/api/generate', summary: 'Generate images or a video (multipart: prompt, model, image, mask)', auth: 'cookie',
    responses: { 200: 'The results', 202: 'Still running: poll /api/generation-status/{request_id}', 400: 'Missing or invalid fields for the model', 401: 'Not logged in', 402: 'Insufficient credits', 413: 'Image over 10 MB (video over 50 MB)', 429: 'Rate limited', 502: 'The model backend failed' },
    requestBody: { contentType: 'multipart/form-data', schema: { type: 'object', properties: { prompt: { type: 'string' }, model: { type: 'string', enum: ['flux', 'recraft', 'stable_diffusion', 'stable_video', 'flux_pro'] }, image: { type: 'string', format: 'binary' }, mask: { type: 'string', format: 'binary' } }, required: ['model'] } },
    async run(c, gql) {
      const model = typeof c.body.model === 'string' ? c.body.model : '';
      if (!model) throw invalid('model', 'is required');
      const prompt = typeof c.body.prompt === 'string' && c.body.prompt.trim() ? c.body.prompt : undefined;
      const m = (await gql(`query($id: String!) { me { id } model(id: $id) { id kind supportedEndpoints } }`, { id: model }).catch((err) => {
        if (err instanceof RestError && err.error.code === 'NOT_FOUND') throw invalid('model', 'Invalid model selected');
        throw err;
      }));
      if (!m.me) throw denied('Not logged in');
      for (const [name, file] of Object.entries(c.files)) {
        const max = file.type.startsWith('video/') ? MAX_VIDEO : MAX_IMAGE;
        if (file.size > max) throw new RestError({ message: `${name}: must be at most ${max / MB} MB`, code: 'PAYLOAD_TOO_LARGE', status: 413, field: name, extensions: {} });
      }
      const image = c.files.image ? await toData(c.files.image) : undefined;
      const mask = c.files.mask ? await toData(c.files.mask) : undefined;
      const can = (e: string) => m.model.supportedEndpoints.includes(e);
      let op: string;
      let input: Record<string, unknown>;
      if (can('img2video')) {
        if (!image) throw invalid('image', 'is required for this model');
        (op = 'generateVideo(input: $input)'), (input = { model, prompt, image: { data: image } });
      } else if (mask || (image && !can('txt2img')) || (can('inpaint') && !can('txt2img'))) {
        if (!image) throw invalid('image', 'is required for this model');
        if (!prompt) throw invalid('prompt', 'is required for this model');
        (op = 'editImage(input: $input)'), (input = { model, prompt, image: { data: image }, ...(mask ? { mask: { data: mask } } : {}) });
      } else if (image) {
        if (!prompt) throw invalid('prompt', 'is required for this model');
        (op = 'editImage(input: $input)'), (input = { model, prompt, image: { data: image } });
      } else {
        if (!prompt) throw invalid('prompt', 'is required for this model');
        (op = 'generateImage(input: $input)'), (input = { model, prompt });
      }
      const type = op.startsWith('generateVideo') ? 'GenerateVideoInput' : op.startsWith('editImage') ? 'EditImageInput' : 'GenerateImageInput';
      const created = (await gql(`mutation($input: ${type}!) { t: ${op} { requestId } }`, { input })).t;
      const done = await waitFor(gql, created.requestId, WAIT_MS);
      if (!done) return { status: 202, body: { request_id: created.requestId, status: 'pending' } };
      if (done.status !== 'succeeded') throw new RestError({ message: done.errorMessage ?? 'Generation failed', code: 'PROVIDER_ERROR', status: 502, extensions: {} });
      return { body: { request_id: created.requestId, results: done.assets.map(resultOut) } };
    },
  },
  {
    method: 'GET', path: '/api/generation-status/{request_id}', summary: 'Status of a generation request', auth: 'cookie',
    responses: { 200: 'completed with results, or pending', 401: 'Not logged in', 404: 'No such request of yours', 500: 'Generation likely failed or timed out' },
    async run(c, gql) {
      const t = (await gql(`query($r: String!) { t: taskByRequest(requestId: $r) { ${TASK} } }`, { r: c.params.request_id })).t;
      if (t.status === 'queued' || t.status === 'running') return { body: { status: 'pending' } };
      if (t.status !== 'succeeded') return { status: 500, body: { error: 'Generation likely failed or timed out', detail: t.errorMessage } };
      return { body: { status: 'completed', results: t.assets.map(resultOut) } };
    },
  },
  {
    method: 'GET', path: '/library', summary: 'Your asset library (HTML; type all|image|video, sort newest|oldest)', auth: 'cookie', query: { type: 'all, image or video', sort: 'newest or oldest' },
    responses: { 200: 'HTML page', 302: 'Not logged in: to /login', 400: 'Bad filter' },
    async run(c, gql) {
      const type = c.query.get('type') ?? 'all';
      const sort = c.query.get('sort') ?? 'newest';
      if (!['all', 'image', 'video'].includes(type)) throw invalid('type', 'must be all, image or video');
      if (!['newest', 'oldest'].includes(sort)) throw invalid('sort', 'must be newest or oldest');
      const r = await gql(`query($type: AssetTypeFilter, $sort: AssetSort) { me { username } assets(type: $type, sort: $sort, limit: 100) { total items { ${ASSET} } } }`, { type, sort });
      if (!r.me) throw denied();
      return { html: pages.library(r.me.username, r.assets.items, r.assets.total, type, sort) };
    },
  },
  {
    method: 'GET', path: '/asset/{asset_id}', summary: 'An asset (HTML: details, download, delete)', auth: 'cookie',
    responses: { 200: 'HTML page', 302: 'Not logged in: to /login', 404: 'No such asset of yours' },
    async run(c, gql) {
      const r = await gql(`query($id: ID!) { me { username } asset(id: $id) { ${ASSET} } }`, { id: assetId(c) });
      return { html: pages.asset(r.me.username, r.asset) };
    },
  },
  {
    method: 'GET', path: '/asset/{asset_id}/download', summary: 'Download an asset’s file', auth: 'cookie',
    responses: { 200: 'The file, as an attachment', 401: 'Not logged in', 404: 'No such asset of yours' },
    async run(c, gql) {
      const a = (await gql(`query($id: ID!) { asset(id: $id) { downloadUrl } }`, { id: assetId(c) })).asset;
      return { status: 302, redirect: a.downloadUrl };
    },
  },
  {
    method: 'GET', path: '/video/{short_key}', summary: 'A video by its short link (to its signed file URL)', auth: 'cookie',
    responses: { 302: 'To the video file', 401: 'Not logged in', 404: 'No such video of yours' },
    async run(c, gql) {
      const a = (await gql(`query($url: String!) { assetByUrl(url: $url) { url } }`, { url: `/video/${encodeURIComponent(c.params.short_key!)}` })).assetByUrl;
      return { status: 302, redirect: a.url };
    },
  },
  {
    method: 'DELETE', path: '/api/assets/{asset_id}', summary: 'Delete an asset', auth: 'cookie',
    responses: { 200: '{success, message}', 401: 'Not logged in', 404: '{success: false, error: "Asset not found"}' },
    async run(c, gql) {
      await gql(`mutation($id: ID!) { deleteAsset(id: $id) }`, { id: assetId(c) });
      return { body: { success: true, message: 'Asset deleted successfully' } };
    },
  },
  {
    method: 'GET', path: '/api/model-info/{model_id}', summary: 'What a model is, its use cases and tips', auth: 'cookie',
    responses: { 200: '{name, info}', 404: '{error: "Invalid model ID"}' },
    async run(c, gql) {
      const m = (await gql(`query($id: String!) { model(id: $id) { name info { whatIs useCases tips } } }`, { id: c.params.model_id }).catch((err) => {
        if (err instanceof RestError && err.error.code === 'NOT_FOUND') throw new RestError({ ...err.error, message: 'Invalid model ID' });
        throw err;
      })).model;
      return { body: { name: m.name, info: { what_is: m.info.whatIs, use_cases: m.info.useCases, tips: m.info.tips } } };
    },
  },
  {
    method: 'POST', path: '/api/delete-image', summary: 'Delete an image by its URL (legacy)', auth: 'cookie',
    responses: { 200: '{success: true}', 400: 'Not an asset URL', 401: 'Not logged in', 404: 'No such image of yours' },
    requestBody: { contentType: 'application/json', example: { url: '/static/generated/img_123.png' } },
    async run(c, gql) {
      if (typeof c.body.url !== 'string') throw invalid('url', 'is required');
      await gql(`mutation($url: String!) { deleteAssetByUrl(url: $url) }`, { url: c.body.url });
      return { body: { success: true } };
    },
  },
  {
    method: 'POST', path: '/api/clear-generation-state', summary: 'Cancel your unfinished generations (their credits are released)', auth: 'cookie',
    responses: { 200: '{success, message}', 401: 'Not logged in' },
    async run(_c, gql) {
      const n = (await gql(`mutation { cancelMyTasks }`)).cancelMyTasks;
      return { body: { success: true, message: 'Generation state cleared successfully', canceled: n } };
    },
  },
  // Pages.
  {
    method: 'GET', path: '/login', summary: 'Login page (HTML)', auth: 'none', responses: { 200: 'HTML page' },
    async run(c) {
      return { html: pages.login(c.query.get('next') ?? '/dashboard') };
    },
  },
  {
    method: 'GET', path: '/dashboard', summary: 'Dashboard: credits, generate, recent assets (HTML)', auth: 'cookie', responses: { 200: 'HTML page', 302: 'Not logged in: to /login' },
    async run(_c, gql) {
      const r = await gql(`query { me { username credits { available } } models { id name kind supportedEndpoints } assets(limit: 8) { total items { ${ASSET} } } }`);
      if (!r.me) throw denied();
      return { html: pages.dashboard(r.me, r.models.filter((m: any) => m.kind === 'image' || m.kind === 'video'), r.assets.items) };
    },
  },
];

async function toData(file: File) {
  return `data:${file.type || 'application/octet-stream'};base64,${Buffer.from(await file.arrayBuffer()).toString('base64')}`;
}

export const imagegen: Api = {
  name: 'AI Image Generator',
  base: '/',
  description: 'Seed 003: session cookie (POST /auth/login), multipart generation, the asset library as pages.',
  routes,
  credential: (c) => (c.cookies[COOKIE] ? `Bearer ${c.cookies[COOKIE]}` : c.authorization),
  // Cookies go with cross-site requests too: a change made with the cookie must come from this
  // site (Origin or Sec-Fetch-Site say so; tools like curl send neither).
  guard(c) {
    if (c.method === 'GET' || !c.cookies[COOKIE] && c.route?.path !== '/auth/login') return;
    const site = c.headers.get('sec-fetch-site');
    const origin = c.headers.get('origin');
    const host = c.headers.get('x-forwarded-host') ?? c.headers.get('host');
    const crossSite = (site && !['same-origin', 'none'].includes(site)) || (origin && origin !== 'null' && new URL(origin).host !== host) || origin === 'null';
    if (crossSite) throw new RestError({ message: 'Cross-site request refused', code: 'FORBIDDEN', status: 403, extensions: {} });
  },
  error,
};
