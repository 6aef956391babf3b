// AIDeer (seed 002), at /api/v1: OAuth2 password token, WeChat code login and refresh, bearer
// access tokens, an admin role; FastAPI-style errors (422 for validation, 402 for credits).
import { type Api, denied, type Gql, invalid, type RestCall, RestError, type Route } from '../core.js';
import { fastapiError, snake } from './fastapi.js';

const USER = 'id: databaseId username name fullName email phoneNumber avatarUrl metadata role tier disabled createdAt updatedAt credits { available reserved }';
const userOut = (u: any) => ({
  id: u.id, username: u.username, name: u.name, full_name: u.fullName, email: u.email, phone_number: u.phoneNumber, avatar: u.avatarUrl,
  metadata: u.metadata, role: u.role, tier: u.tier, disabled: u.disabled, credits: u.credits?.available, created_at: u.createdAt, updated_at: u.updatedAt,
});
const tokens = (p: any) => ({ access_token: p.accessToken, refresh_token: p.refreshToken, token_type: 'bearer', expires_in: p.expiresIn });

const camel = (s: string) => s.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
/** The body's fields in camelCase, only those listed (undefined ones dropped). */
function pick(c: RestCall, names: string[]) {
  const out: Record<string, unknown> = {};
  for (const n of names) {
    const v = c.body[snake(n)] ?? c.body[n];
    if (v !== undefined) out[n] = v;
  }
  return out;
}
function intParam(c: RestCall, name: string, from: 'params' | 'query' = 'params', fallback?: number) {
  const v = from === 'params' ? c.params[name] : c.query.get(name);
  if ((v === null || v === undefined || v === '') && fallback !== undefined) return fallback;
  if (!/^\d{1,9}$/.test(v ?? '')) throw invalid(name, 'value is not a valid integer', 422);
  return Number(v);
}
const page = (c: RestCall) => ({ offset: intParam(c, 'offset', 'query', 0), limit: intParam(c, 'limit', 'query', 10) });

const CHAT = 'databaseId title modelId systemPrompt preset { databaseId } createdAt updatedAt';
const chatOut = (ch: any, messages?: any[]) => ({
  id: ch.databaseId, title: ch.title, model: ch.modelId, preset_id: ch.preset?.databaseId ?? null, system_prompt: ch.systemPrompt, created_at: ch.createdAt, updated_at: ch.updatedAt,
  ...(messages ? { messages: messages.map((m) => ({ id: m.databaseId, role: m.role, content: m.content, task_id: m.taskId, created_at: m.createdAt })) } : {}),
});
const PRESET = 'databaseId name description modelId parameters systemPrompt shared mine createdAt updatedAt';
const presetOut = (p: any) => ({ id: p.databaseId, name: p.name, description: p.description, model: p.modelId, parameters: p.parameters, system_prompt: p.systemPrompt, shared: p.shared, created_at: p.createdAt, updated_at: p.updatedAt });
const CODE = 'code amount maxUses usedCount remainingUses expiresAt redeemable createdAt';
const codeOut = (k: any) => ({ code: k.code, amount: k.amount, max_uses: k.maxUses, used_count: k.usedCount, remaining_uses: k.remainingUses, expires_at: k.expiresAt, redeemable: k.redeemable, created_at: k.createdAt });
const TASK = 'databaseId requestId kindName modelId status progress progressMessage cost texts errorCode errorMessage createdAt startedAt finishedAt assets { databaseId kind url thumbnailUrl mimeType }';
const taskOut = (t: any) => ({
  id: t.databaseId, request_id: t.requestId, kind: t.kindName, model: t.modelId, status: t.status, progress: t.progress, message: t.progressMessage, cost: t.cost,
  result: { texts: t.texts, assets: t.assets.map((a: any) => ({ id: a.databaseId, kind: a.kind, url: a.url, thumbnail_url: a.thumbnailUrl, mime_type: a.mimeType })) },
  error: t.errorMessage ? { code: t.errorCode, message: t.errorMessage } : null,
  created_at: t.createdAt, started_at: t.startedAt, finished_at: t.finishedAt,
});

/** Seed 002's generic task body: `kind` (or `type`), `model`, then the kind's parameters in snake_case. */
const KINDS: Record<string, { mutation: string; input: string; fields: string[]; images?: string[] }> = {
  'image.generate': { mutation: 'generateImage', input: 'GenerateImageInput', fields: ['prompt', 'negativePrompt', 'width', 'height', 'steps', 'cfgScale', 'seed', 'sampler', 'count', 'presetId', 'deadlineSeconds'] },
  'image.edit': { mutation: 'editImage', input: 'EditImageInput', fields: ['prompt', 'negativePrompt', 'width', 'height', 'steps', 'cfgScale', 'seed', 'sampler', 'count', 'denoisingStrength', 'presetId', 'deadlineSeconds'], images: ['image', 'mask'] },
  'video.generate': { mutation: 'generateVideo', input: 'GenerateVideoInput', fields: ['prompt', 'seconds', 'fps', 'width', 'height', 'seed', 'presetId', 'deadlineSeconds'], images: ['image'] },
  'text.chat': { mutation: 'createChatCompletion', input: 'ChatCompletionInput', fields: ['messages', 'maxTokens', 'temperature', 'topP', 'seed', 'presetId', 'deadlineSeconds'] },
  'text.generate': { mutation: 'generateText', input: 'GenerateTextInput', fields: ['prompt', 'n', 'stop', 'maxTokens', 'temperature', 'topP', 'seed', 'presetId', 'deadlineSeconds'] },
};

const crud = (what: string) => ({ 200: `The ${what}`, 401: 'Not signed in', 403: 'Not allowed', 404: `No such ${what} of yours`, 422: 'Validation error' });

const routes: Route[] = [
  // ── users ──
  {
    method: 'GET', path: '/users', summary: 'Admin: list users', auth: 'bearer', query: { offset: 'default 0', limit: 'default 10' },
    responses: { 200: 'The users', 401: 'Not signed in', 403: 'Admins only' },
    async run(c, gql) {
      const r = await gql(`query($offset: Int, $limit: Int) { users(offset: $offset, limit: $limit) { items { ${USER} } } }`, page(c));
      return { body: r.users.items.map(userOut) };
    },
  },
  {
    method: 'POST', path: '/users', summary: 'Admin: create a user', auth: 'bearer',
    responses: { 200: 'The user', 400: 'Username or email taken', 401: 'Not signed in', 403: 'Admins only', 422: 'Validation error' },
    requestBody: { contentType: 'application/json', example: { username: 'deer', email: 'deer@example.com', password: 'Passw0rdX', role: 'user' } },
    async run(c, gql) {
      const r = await gql(`mutation($input: AdminCreateUserInput!) { createUser(input: $input) { ${USER} } }`, { input: pick(c, ['username', 'email', 'password', 'name', 'fullName', 'phoneNumber', 'avatar', 'metadata', 'role', 'tier']) });
      return { body: userOut(r.createUser) };
    },
  },
  {
    method: 'GET', path: '/users/me', summary: 'The signed-in user', auth: 'bearer', responses: { 200: 'The user', 401: 'Not signed in' },
    async run(_c, gql) {
      const r = await gql(`query { me { ${USER} } }`);
      if (!r.me) throw denied('Not authenticated');
      return { body: userOut(r.me) };
    },
  },
  {
    method: 'PUT', path: '/users/me/password', summary: 'Change your password', auth: 'bearer',
    responses: { 200: 'Changed', 400: 'Wrong old password', 401: 'Not signed in', 404: 'Not found', 422: 'Validation error' },
    requestBody: { contentType: 'application/json', example: { old_password: 'Passw0rdX', new_password: 'N3wPassw0rd' } },
    async run(c, gql) {
      const b = pick(c, ['oldPassword', 'newPassword']);
      for (const f of ['oldPassword', 'newPassword']) if (typeof b[f] !== 'string') throw invalid(snake(f), 'field required', 422);
      await gql(`mutation($input: ChangePasswordInput!) { changePassword(input: $input) }`, { input: b }).catch((err: unknown) => {
        // A wrong old password is a bad request (400), not a malformed one (422).
        if (err instanceof RestError && err.error.field?.endsWith('oldPassword')) throw new RestError({ ...err.error, code: 'CONFLICT', status: 400, message: 'Incorrect old password' });
        throw err;
      });
      return { body: { detail: 'Password updated' } };
    },
  },
  avatarRoute('/users/me/avatar', 'Your avatar (307 to the image)', { 307: 'Redirect to the image', 401: 'Not signed in' }),
  {
    method: 'POST', path: '/users/me/avatar', summary: 'Upload your avatar (multipart field "file")', auth: 'bearer',
    responses: { 200: 'The user', 401: 'Not signed in', 404: 'Not found', 422: 'Not an image, or too large' },
    requestBody: { contentType: 'multipart/form-data', schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' } }, required: ['file'] } },
    async run(c, gql) {
      const file = c.files.file ?? c.files.avatar;
      if (!file) throw invalid('file', 'field required', 422);
      const r = await gql.upload(`mutation($file: File!) { uploadAvatar(file: $file) { ${USER} } }`, file);
      return { body: userOut(r.uploadAvatar) };
    },
  },
  {
    method: 'GET', path: '/users/me/credits', summary: 'Your credits and their ledger', auth: 'bearer', query: { offset: 'default 0', limit: 'default 10' },
    responses: { 200: 'Balance and entries', 401: 'Not signed in' },
    async run(c, gql) {
      const r = await gql(`query($offset: Int, $limit: Int) { me { credits { available reserved } creditEntries(offset: $offset, limit: $limit) { total items { id kind amount balanceAfter reason taskId createdAt } } } }`, page(c));
      if (!r.me) throw denied('Not authenticated');
      return {
        body: {
          available: r.me.credits.available, reserved: r.me.credits.reserved, total: r.me.creditEntries.total,
          entries: r.me.creditEntries.items.map((e: any) => ({ id: e.id, kind: e.kind, amount: e.amount, balance_after: e.balanceAfter, reason: e.reason, task_id: e.taskId, created_at: e.createdAt })),
        },
      };
    },
  },
  {
    method: 'POST', path: '/users/me/credits', summary: 'Redeem a code', auth: 'bearer',
    responses: { 200: 'Credited', 401: 'Not signed in', 422: 'Unknown, expired or used code' },
    requestBody: { contentType: 'application/json', example: { code: 'DEER-2024-ABCD' } },
    async run(c, gql) {
      if (typeof c.body.code !== 'string' || !c.body.code) throw invalid('code', 'field required', 422);
      const r = await gql(`mutation($code: String!) { redeemCode(code: $code) { code amount credits { available reserved } } }`, { code: c.body.code });
      return { body: { code: r.redeemCode.code, amount: r.redeemCode.amount, available: r.redeemCode.credits.available } };
    },
  },
  {
    method: 'GET', path: '/users/{user_id}', summary: 'A user (yourself, or any as admin)', auth: 'bearer', responses: { 200: 'The user', 401: 'Not signed in', 404: 'Not found', 422: 'Bad id' },
    async run(c, gql) {
      return { body: userOut(await userById(c, gql, USER)) };
    },
  },
  {
    method: 'PUT', path: '/users/{user_id}', summary: 'Update a user (yourself, or any as admin)', auth: 'bearer',
    responses: { 200: 'The user', 400: 'Username or email taken', 401: 'Not signed in', 403: 'Not allowed', 404: 'Not found', 422: 'Validation error' },
    requestBody: { contentType: 'application/json', example: { name: 'Deer', full_name: 'Deer Hunter' } },
    async run(c, gql) {
      const id = intParam(c, 'user_id');
      const me = (await gql(`query { me { databaseId role } }`)).me;
      if (!me) throw denied('Not authenticated');
      const profile = pick(c, ['username', 'email', 'name', 'fullName', 'phoneNumber', 'avatar', 'metadata']);
      if (me.databaseId === id && me.role !== 'admin') {
        for (const f of ['role', 'tier', 'disabled']) if (c.body[f] !== undefined) throw new RestError({ message: `Only admins change ${f}`, code: 'FORBIDDEN', status: 403, extensions: {} });
        return { body: userOut((await gql(`mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { ${USER} } }`, { input: profile })).updateProfile) };
      }
      const input = { ...profile, ...pick(c, ['role', 'tier', 'disabled']) };
      return { body: userOut((await gql(`mutation($id: ID!, $input: AdminUpdateUserInput!) { updateUser(id: $id, input: $input) { ${USER} } }`, { id: String(id), input })).updateUser) };
    },
  },
  {
    method: 'DELETE', path: '/users/{user_id}', summary: 'Admin: delete a user', auth: 'bearer', responses: { 200: 'Deleted', 401: 'Not signed in', 403: 'Admins only', 404: 'Not found', 422: 'Bad id' },
    async run(c, gql) {
      await gql(`mutation($id: ID!) { deleteUser(id: $id) }`, { id: String(intParam(c, 'user_id')) });
      return { body: { detail: 'User deleted' } };
    },
  },
  {
    method: 'PUT', path: '/users/{user_id}/password', summary: 'Admin: set a user’s password', auth: 'bearer',
    responses: { 200: 'Set', 401: 'Not signed in', 403: 'Admins only', 404: 'Not found', 422: 'Validation error' },
    requestBody: { contentType: 'application/json', example: { new_password: 'N3wPassw0rd' } },
    async run(c, gql) {
      const pw = c.body.new_password ?? c.body.password;
      if (typeof pw !== 'string') throw invalid('new_password', 'field required', 422);
      await gql(`mutation($id: ID!, $pw: String!) { resetUserPassword(id: $id, newPassword: $pw) }`, { id: String(intParam(c, 'user_id')), pw });
      return { body: { detail: 'Password reset' } };
    },
  },
  avatarRoute('/users/{user_id}/avatar', 'A user’s avatar (307 to the image)', { 307: 'Redirect to the image', 401: 'Not signed in', 404: 'No such user or no avatar', 422: 'Bad id' }),
  // ── session ──
  {
    method: 'POST', path: '/session/oauth2/token', summary: 'OAuth2 password flow: form username and password', auth: 'none',
    responses: { 200: 'Tokens', 401: 'Wrong username or password', 422: 'Validation error' },
    requestBody: { contentType: 'application/x-www-form-urlencoded', schema: { type: 'object', properties: { grant_type: { type: 'string', enum: ['password'] }, username: { type: 'string' }, password: { type: 'string' } }, required: ['username', 'password'] } },
    async run(c, gql) {
      for (const f of ['username', 'password']) if (typeof c.body[f] !== 'string' || !c.body[f]) throw invalid(f, 'field required', 422);
      if (c.body.grant_type !== undefined && c.body.grant_type !== 'password') throw invalid('grant_type', 'must be "password"', 422);
      const r = await gql(`mutation($input: LoginInput!) { login(input: $input) { accessToken refreshToken expiresIn } }`, { input: { login: c.body.username, password: c.body.password } }, { authorization: null });
      return { body: tokens(r.login) };
    },
  },
  {
    method: 'GET', path: '/session/wechat/token', summary: 'Sign in with a WeChat OAuth code', auth: 'none', query: { code: 'the code from WeChat' },
    responses: { 200: 'Tokens', 401: 'WeChat refused the code', 422: 'code missing', 500: 'WeChat unavailable or not configured' },
    async run(c, gql) {
      const code = c.query.get('code');
      if (!code) throw invalid('code', 'field required', 422);
      const r = await gql(`mutation($code: String!) { wechatLogin(code: $code) { accessToken refreshToken expiresIn } }`, { code }, { authorization: null });
      return { body: tokens(r.wechatLogin) };
    },
  },
  {
    method: 'GET', path: '/session/wechat/refresh', summary: 'New tokens for a refresh token (Authorization: Bearer <refresh token>)', auth: 'refresh',
    responses: { 200: 'Tokens', 401: 'Invalid or reused refresh token' },
    async run(c, gql) {
      const m = /^Bearer\s+(\S+)$/i.exec(c.authorization ?? '');
      if (!m) throw denied('Refresh token required');
      const r = await gql(`mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken expiresIn } }`, { t: m[1] }, { authorization: null });
      return { body: tokens(r.refreshToken) };
    },
  },
  // ── chats ──
  {
    method: 'GET', path: '/chats', summary: 'Your chats', auth: 'bearer', query: { offset: 'default 0', limit: 'default 10' },
    responses: { 200: 'The chats', 401: 'Not signed in', 403: 'Not allowed', 422: 'Bad paging' },
    async run(c, gql) {
      return { body: (await gql(`query($offset: Int, $limit: Int) { chats(offset: $offset, limit: $limit) { items { ${CHAT} } } }`, page(c))).chats.items.map((x: any) => chatOut(x)) };
    },
  },
  {
    method: 'POST', path: '/chats', summary: 'Create a chat', auth: 'bearer', responses: { 200: 'The chat', 401: 'Not signed in', 403: 'Not allowed', 422: 'Validation error' },
    requestBody: { contentType: 'application/json', example: { title: 'Travel plans', model: 'minimax', system_prompt: 'Be brief.' } },
    async run(c, gql) {
      return { body: chatOut((await gql(`mutation($input: ChatInput) { createChat(input: $input) { ${CHAT} } }`, { input: chatInput(c) })).createChat) };
    },
  },
  {
    method: 'GET', path: '/chats/{chat_id}', summary: 'A chat with its messages', auth: 'bearer', responses: crud('chat'),
    async run(c, gql) {
      const ch = (await gql(`query($id: ID!) { chat(id: $id) { ${CHAT} messages(limit: 100) { databaseId role content taskId createdAt } } }`, { id: String(intParam(c, 'chat_id')) })).chat;
      return { body: chatOut(ch, ch.messages) };
    },
  },
  {
    method: 'PUT', path: '/chats/{chat_id}', summary: 'Update a chat', auth: 'bearer', responses: crud('chat'),
    requestBody: { contentType: 'application/json', example: { title: 'Renamed' } },
    async run(c, gql) {
      return { body: chatOut((await gql(`mutation($id: ID!, $input: ChatInput!) { updateChat(id: $id, input: $input) { ${CHAT} } }`, { id: String(intParam(c, 'chat_id')), input: chatInput(c) })).updateChat) };
    },
  },
  {
    method: 'DELETE', path: '/chats/{chat_id}', summary: 'Delete a chat', auth: 'bearer', responses: crud('chat'),
    async run(c, gql) {
      await gql(`mutation($id: ID!) { deleteChat(id: $id) }`, { id: String(intParam(c, 'chat_id')) });
      return { body: { detail: 'Chat deleted' } };
    },
  },
  // ── presets ──
  {
    method: 'GET', path: '/presets', summary: 'Your presets and the shared ones', auth: 'bearer', query: { offset: 'default 0', limit: 'default 10' },
    responses: { 200: 'The presets', 401: 'Not signed in', 422: 'Bad paging' },
    async run(c, gql) {
      return { body: (await gql(`query($offset: Int, $limit: Int) { presets(offset: $offset, limit: $limit) { items { ${PRESET} } } }`, page(c))).presets.items.map(presetOut) };
    },
  },
  {
    method: 'POST', path: '/presets', summary: 'Create a preset', auth: 'bearer', responses: { 200: 'The preset', 401: 'Not signed in', 403: 'Only admins share presets', 422: 'Validation error' },
    requestBody: { contentType: 'application/json', example: { name: 'Tiny images', model: 'sd15', parameters: { width: 256, height: 256, steps: 20 } } },
    async run(c, gql) {
      return { body: presetOut((await gql(`mutation($input: CreatePresetInput!) { createPreset(input: $input) { ${PRESET} } }`, { input: pick(c, ['name', 'description', 'model', 'parameters', 'systemPrompt', 'shared']) })).createPreset) };
    },
  },
  {
    method: 'GET', path: '/presets/{preset_id}', summary: 'A preset', auth: 'bearer', responses: crud('preset'),
    async run(c, gql) {
      return { body: presetOut((await gql(`query($id: ID!) { preset(id: $id) { ${PRESET} } }`, { id: String(intParam(c, 'preset_id')) })).preset) };
    },
  },
  {
    method: 'PUT', path: '/presets/{preset_id}', summary: 'Update a preset', auth: 'bearer', responses: crud('preset'),
    requestBody: { contentType: 'application/json', example: { name: 'Small images' } },
    async run(c, gql) {
      return {
        body: presetOut((await gql(`mutation($id: ID!, $input: UpdatePresetInput!) { updatePreset(id: $id, input: $input) { ${PRESET} } }`, { id: String(intParam(c, 'preset_id')), input: pick(c, ['name', 'description', 'model', 'parameters', 'systemPrompt', 'shared']) })).updatePreset),
      };
    },
  },
  {
    method: 'DELETE', path: '/presets/{preset_id}', summary: 'Delete a preset', auth: 'bearer', responses: crud('preset'),
    async run(c, gql) {
      await gql(`mutation($id: ID!) { deletePreset(id: $id) }`, { id: String(intParam(c, 'preset_id')) });
      return { body: { detail: 'Preset deleted' } };
    },
  },
  // ── codes ──
  {
    method: 'GET', path: '/codes/{code}', summary: 'A redemption code (no sign-in needed)', auth: 'none', responses: { 200: 'The code', 422: 'Unknown code' },
    async run(c, gql) {
      return { body: codeOut((await gql(`query($code: String!) { redemptionCode(code: $code) { ${CODE} } }`, { code: c.params.code })).redemptionCode) };
    },
  },
  {
    method: 'DELETE', path: '/codes/{code}', summary: 'Admin: delete a code', auth: 'bearer', responses: { 200: 'Deleted', 401: 'Not signed in', 403: 'Admins only', 422: 'Unknown code' },
    async run(c, gql) {
      await gql(`mutation($code: String!) { deleteRedemptionCode(code: $code) }`, { code: c.params.code });
      return { body: { detail: 'Code deleted' } };
    },
  },
  {
    method: 'POST', path: '/codes', summary: 'Admin: create a code (or a batch with count)', auth: 'bearer', responses: { 200: 'The codes', 401: 'Not signed in', 403: 'Admins only', 422: 'Validation error' },
    requestBody: { contentType: 'application/json', example: { amount: 100, max_uses: 1, code: 'DEER-WELCOME-2024', expires_at: '2030-01-01T00:00:00Z' } },
    async run(c, gql) {
      const r = await gql(`mutation($input: CreateRedemptionCodesInput!) { createRedemptionCodes(input: $input) { ${CODE} } }`, { input: pick(c, ['amount', 'code', 'count', 'expiresAt', 'maxUses', 'note', 'prefix']) });
      return { body: r.createRedemptionCodes.length === 1 && c.body.count === undefined ? codeOut(r.createRedemptionCodes[0]) : r.createRedemptionCodes.map(codeOut) };
    },
  },
  // ── tasks ──
  {
    method: 'POST', path: '/tasks', summary: 'Create a task: kind (image.generate, image.edit, video.generate, text.chat, text.generate), model and its parameters', auth: 'bearer',
    responses: { 200: 'The task, queued', 401: 'Not signed in', 402: 'Insufficient credits', 403: 'Not allowed', 404: 'Unknown model or asset', 422: 'Validation error' },
    requestBody: { contentType: 'application/json', example: { kind: 'image.generate', model: 'sdxl', prompt: 'a deer in a misty forest', width: 512, height: 512 } },
    async run(c, gql) {
      const kind = String(c.body.kind ?? c.body.type ?? '');
      const spec = Object.hasOwn(KINDS, kind) ? KINDS[kind] : undefined;
      if (!spec) throw invalid('kind', `must be one of ${Object.keys(KINDS).join(', ')}`, 422);
      if (typeof c.body.model !== 'string') throw invalid('model', 'field required', 422);
      const params = typeof c.body.input === 'object' && c.body.input ? { ...c.body, ...(c.body.input as object) } : c.body;
      const input: Record<string, unknown> = { model: c.body.model, ...pick({ ...c, body: params }, spec.fields) };
      for (const img of spec.images ?? []) if (typeof params[img] === 'string') input[img] = { data: params[img] };
      const r = await gql(`mutation($input: ${spec.input}!) { t: ${spec.mutation}(input: $input) { ${TASK} } }`, { input });
      return { body: taskOut(r.t) };
    },
  },
  {
    method: 'GET', path: '/tasks/{task_id}', summary: 'A task of yours', auth: 'bearer', responses: { 200: 'The task', 401: 'Not signed in', 404: 'Not found', 422: 'Bad id' },
    async run(c, gql) {
      return { body: taskOut((await gql(`query($id: ID!) { task(id: $id) { ${TASK} } }`, { id: String(intParam(c, 'task_id')) })).task) };
    },
  },
  {
    method: 'DELETE', path: '/tasks/{task_id}', summary: 'Delete a finished or failed task', auth: 'bearer', responses: { 200: 'Deleted', 401: 'Not signed in', 404: 'Not found', 422: 'The task has not finished' },
    async run(c, gql) {
      await gql(`mutation($id: ID!) { deleteTask(id: $id) }`, { id: String(intParam(c, 'task_id')) });
      return { body: { detail: 'Task deleted' } };
    },
  },
  {
    method: 'GET', path: '/tasks/{task_id}/stream', summary: 'The task live (server-sent events) until it finishes; one connection per task', auth: 'bearer',
    responses: { 200: 'text/event-stream of task states', 401: 'Not signed in', 404: 'Not found', 422: 'Bad id, or a stream for this task is already open' },
    async run(c, gql) {
      const id = intParam(c, 'task_id');
      // One connection per task, across every API instance (an exclusive subscription).
      const source = gql.stream(`subscription($id: ID!) { taskUpdated(id: $id, exclusive: true) { ${TASK} } }`, { id: String(id) });
      const first = await source.next().catch((err) => {
        throw err instanceof RestError && err.error.reason === 'stream_open' ? new RestError({ ...err.error, status: 422 }) : err;
      });
      async function* events() {
        try {
          for (let r = first; !r.done; r = await source.next()) yield `event: task\ndata: ${JSON.stringify(taskOut(r.value.taskUpdated))}\n\n`;
        } finally {
          await source.return(undefined);
        }
      }
      return { events: events() };
    },
  },
  // ── utils (DEBUG only) ──
  utilRoute('/utils/init', 'Check the database and catalog', `mutation { debugInit }`, (d) => ({ detail: 'initialized', ok: d.debugInit })),
  utilRoute('/utils/admin', 'Make the "admin" account an admin with a new password', `mutation { debugAdmin { username password created } }`, (d) => d.debugAdmin),
  utilRoute('/utils/drop', 'Delete every account and its data', `mutation { debugDrop }`, (d) => ({ detail: 'dropped', users: d.debugDrop })),
];

/** The user of the path: yourself, or (admins) anyone; another user's account is simply not found. */
async function userById(c: RestCall, gql: Gql, fields: string) {
  const id = intParam(c, 'user_id');
  const r = await gql(`query { me { databaseId role } }`);
  if (!r.me) throw denied('Not authenticated');
  if (r.me.databaseId === id) return (await gql(`query { me { ${fields} } }`)).me;
  if (r.me.role !== 'admin') throw new RestError({ message: 'User not found', code: 'NOT_FOUND', status: 404, extensions: {} });
  return (await gql(`query($id: ID!) { user(id: $id) { ${fields} } }`, { id: String(id) })).user;
}

function chatInput(c: RestCall) {
  const input = pick(c, ['title', 'model', 'systemPrompt']);
  if (c.body.preset_id !== undefined) input.presetId = c.body.preset_id;
  return input;
}

function avatarRoute(path: string, summary: string, responses: Record<number, string>): Route {
  return {
    method: 'GET', path, summary, auth: 'bearer', responses,
    async run(c, gql) {
      const r = { u: c.params.user_id === undefined ? (await gql(`query { me { avatarUrl } }`)).me : await userById(c, gql, 'avatarUrl') };
      if (!r.u) throw denied('Not authenticated');
      if (!r.u.avatarUrl) throw new RestError({ message: 'No avatar', code: 'NOT_FOUND', status: 404, extensions: {} });
      return { status: 307, redirect: r.u.avatarUrl };
    },
  };
}

function utilRoute(path: string, summary: string, op: string, out: (d: any) => unknown): Route {
  return {
    method: 'GET', path, summary: `DEBUG only: ${summary}`, auth: 'none', responses: { 200: 'Done', 404: 'DEBUG is off' },
    async run(_c, gql) {
      return { body: out(await gql(op, {}, { authorization: null })) };
    },
  };
}

export const aideer: Api = {
  name: 'AIDeer',
  base: '/api/v1',
  description: 'Seed 002: OAuth2 password and WeChat login, chats, presets, codes, tasks with a live stream; FastAPI-style errors.',
  routes,
  error: (e, call) => fastapiError(e, call, { validationStatus: 422 }),
};
