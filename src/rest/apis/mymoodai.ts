// MyMoodAI (seed 001), at /rest/api: `Authorization: Bearer <API key>` (a session token works too);
// errors `{"status": "error", "message": "..."}`.
import { type Api, denied, invalid, type OpError, type RestCall, type Route } from '../core.js';

const STATUS: Record<string, number> = {
  BAD_USER_INPUT: 400, GRAPHQL_VALIDATION_FAILED: 400, UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404,
  INSUFFICIENT_CREDITS: 402, CONFLICT: 409, PAYLOAD_TOO_LARGE: 413, RATE_LIMITED: 429, METHOD_NOT_ALLOWED: 405,
};
function error(e: OpError) {
  const status = STATUS[e.code] ?? 500;
  const message = status === 401 ? 'Unauthorized access.' : status === 500 ? 'Internal server error.' : e.message;
  return { status, body: { status: 'error', message, ...(e.field ? { field: e.field } : {}), ...(e.reason ? { reason: e.reason } : {}) } };
}

/** A path id: a positive whole number, or a 400 naming it. */
function idOf(c: RestCall, name: string) {
  const v = c.params[name]!;
  if (!/^\d{1,9}$/.test(v) || Number(v) < 1) throw invalid(name, 'must be a positive whole number');
  return Number(v);
}

function orderBody(c: RestCall, generation: boolean) {
  const { styles, gender, parent } = c.body as { styles?: unknown; gender?: unknown; parent?: unknown };
  if (!Array.isArray(styles) || styles.some((s) => !Number.isInteger(s))) throw invalid('styles', 'must be a list of style ids');
  const g = gender === undefined || gender === null || gender === '' ? null : Number(gender);
  if (g !== null && !Number.isInteger(g)) throw invalid('gender', 'must be a whole number');
  const p = parent === undefined || parent === null ? 0 : Number(parent);
  if (!Number.isInteger(p) || p < 0) throw invalid('parent', 'must be 0 or the id of a trained model');
  if (generation && p === 0) throw invalid('parent', 'must be the id of a trained model (use /order/create/model for a training order)');
  if (!generation && p !== 0) throw invalid('parent', 'must be 0 for a training order (use /order/create with a model as parent)');
  return { styles, gender: g, parent: p };
}

const ORDER = 'databaseId parentId status progress message createdAt';
const orderOut = (o: any) => ({ id: o.databaseId, parent: o.parentId, status: o.status, created_at: o.createdAt });
const absolute = (c: RestCall, url: string) => `${c.headers.get('x-forwarded-proto') ?? 'http'}://${c.headers.get('host') ?? 'localhost'}${url}`;

const routes: Route[] = [
  {
    method: 'POST', path: '/order/create/model', summary: 'Create a training order (parent 0)', auth: 'bearer',
    responses: { 200: 'Created', 400: 'Invalid style ids or fields', 401: 'Unauthorized' },
    requestBody: { contentType: 'application/json', example: { styles: [112, 5, 2572], gender: 1, parent: 0 } },
    async run(c, gql) {
      const o = (await gql(`mutation($input: OrderInput!) { createOrder(input: $input) { ${ORDER} } }`, { input: orderBody(c, false) })).createOrder;
      return { body: { id: o.databaseId, status: o.status, message: 'Model order created successfully' } };
    },
  },
  {
    method: 'POST', path: '/order/create', summary: 'Create a generation order on a trained model', auth: 'bearer',
    responses: { 200: 'Created', 400: 'Invalid style ids or fields', 401: 'Unauthorized', 404: 'No such model of yours', 409: 'The model has not finished training' },
    requestBody: { contentType: 'application/json', example: { styles: [112, 5, 2572], gender: 1, parent: 321 } },
    async run(c, gql) {
      const o = (await gql(`mutation($input: OrderInput!) { createOrder(input: $input) { ${ORDER} } }`, { input: orderBody(c, true) })).createOrder;
      return { body: { id: o.databaseId, status: o.status, message: 'Order created successfully' } };
    },
  },
  {
    method: 'GET', path: '/order/list', summary: 'All your orders', auth: 'bearer',
    responses: { 200: 'The orders', 401: 'Unauthorized' },
    async run(_c, gql) {
      return { body: (await gql(`query { orders(limit: 100) { items { ${ORDER} } } }`)).orders.items.map(orderOut) };
    },
  },
  {
    method: 'POST', path: '/order/{order_id}/training-images/upload', summary: 'Upload a selfie (base64 or data URI; JPEG or PNG; ≤ 10 MB)', auth: 'bearer',
    responses: { 200: 'Uploaded', 400: 'Not a JPEG or PNG, undecodable, or the order is not a training order', 401: 'Unauthorized', 404: 'No such order of yours', 409: 'The order has already run', 413: 'Larger than 10 MB' },
    requestBody: { contentType: 'application/json', example: { gender: '1', image: 'data:image/jpeg;base64,/9j/4AAQ…' } },
    async run(c, gql) {
      if (typeof c.body.image !== 'string' || !c.body.image) throw invalid('image', 'is required (base64 or a data URI)');
      const gender = c.body.gender === undefined || c.body.gender === null || c.body.gender === '' ? null : Number(c.body.gender);
      if (gender !== null && !Number.isInteger(gender)) throw invalid('gender', 'must be a whole number');
      const r = await gql(`mutation($o: ID!, $i: String, $g: Int) { uploadTrainingImage(orderId: $o, image: $i, gender: $g) { selfieId } }`, { o: String(idOf(c, 'order_id')), i: c.body.image, g: gender });
      return { body: { status: 'success', message: 'Training image uploaded', selfie_id: r.uploadTrainingImage.selfieId } };
    },
  },
  {
    method: 'GET', path: '/order/{order_id}/training-images/list', summary: 'The selfies of an order', auth: 'bearer',
    responses: { 200: 'The selfies', 400: 'Bad order id', 401: 'Unauthorized', 404: 'No such order of yours' },
    async run(c, gql) {
      const o = (await gql(`query($id: ID!) { order(id: $id) { trainingImages { selfieId gender selected } } }`, { id: String(idOf(c, 'order_id')) })).order;
      return { body: o.trainingImages.map((i: any) => ({ selfie_id: i.selfieId, gender: i.gender, selected: i.selected })) };
    },
  },
  {
    method: 'GET', path: '/order/{order_id}/training-images/{selfie_id}/select', summary: 'Make a selfie the main training image', auth: 'bearer',
    responses: { 200: 'Selected', 400: 'Bad ids', 401: 'Unauthorized', 404: 'No such order or selfie of yours' },
    async run(c, gql) {
      await gql(`mutation($o: ID!, $s: Int!) { selectTrainingImage(orderId: $o, selfieId: $s) { selfieId } }`, { o: String(idOf(c, 'order_id')), s: idOf(c, 'selfie_id') });
      return { body: { status: 'success', message: 'Selfie selected as main image' } };
    },
  },
  {
    method: 'GET', path: '/order/{order_id}/run', summary: 'Start training or generation', auth: 'bearer',
    responses: { 200: 'Started', 400: 'No selfies uploaded', 401: 'Unauthorized', 402: 'Insufficient credits', 404: 'No such order of yours', 409: 'Already running or completed', 429: 'Rate limited' },
    async run(c, gql) {
      await gql(`mutation($id: ID!) { runOrder(id: $id) { databaseId } }`, { id: String(idOf(c, 'order_id')) });
      return { body: { status: 'running', message: 'Order has started processing.' } };
    },
  },
  {
    method: 'GET', path: '/order/{order_id}/status', summary: 'Status, progress and message of an order', auth: 'bearer',
    responses: { 200: 'The status', 400: 'Bad order id', 401: 'Unauthorized', 404: 'No such order of yours' },
    async run(c, gql) {
      const o = (await gql(`query($id: ID!) { order(id: $id) { kind status progress message trainingImages { selfieId } } }`, { id: String(idOf(c, 'order_id')) })).order;
      const message =
        o.message ?? (o.status === 'created' ? (o.kind === 'training' && !o.trainingImages.length ? 'Waiting for training images.' : 'Ready to run.') : o.status);
      const described = o.status === 'in_progress' ? `${o.kind === 'training' ? 'Training' : 'Generation'} is ${o.progress}% complete.` : message;
      return { body: { status: o.status, progress: o.progress, message: described } };
    },
  },
  {
    method: 'GET', path: '/model/list', summary: 'Your models (training orders)', auth: 'bearer',
    responses: { 200: 'The models', 401: 'Unauthorized' },
    async run(_c, gql) {
      const r = await gql(`query { orders(kind: training, limit: 100) { items { ${ORDER} } } }`);
      return { body: r.orders.items.map((o: any) => ({ id: o.databaseId, status: o.status, created_at: o.createdAt })) };
    },
  },
  {
    method: 'GET', path: '/model/{order_id}/avatars/{page_id}', summary: 'Avatars made from a model, 20 per page (pages from 1)', auth: 'bearer',
    responses: { 200: 'A page of avatars', 400: 'Bad ids', 401: 'Unauthorized', 404: 'No such model of yours' },
    async run(c, gql) {
      const r = await gql(`query($m: ID!, $p: Int) { avatars(modelId: $m, page: $p, pageSize: 20) { items { databaseId url } } }`, { m: String(idOf(c, 'order_id')), p: idOf(c, 'page_id') });
      return { body: r.avatars.items.map((a: any) => ({ avatar_id: a.databaseId, image_url: absolute(c, a.url) })) };
    },
  },
  {
    method: 'GET', path: '/model/{order_id}/order/list', summary: 'Generation orders made on a model', auth: 'bearer',
    responses: { 200: 'The orders', 400: 'Bad id', 401: 'Unauthorized', 404: 'No such model of yours' },
    async run(c, gql) {
      const id = idOf(c, 'order_id');
      const r = await gql(`query($id: ID!, $p: Int) { order(id: $id) { databaseId } orders(parent: $p, limit: 100) { items { ${ORDER} } } }`, { id: String(id), p: id });
      return { body: r.orders.items.map(orderOut) };
    },
  },
  {
    method: 'GET', path: '/styles/list', summary: 'Available styles', auth: 'bearer',
    responses: { 200: 'The styles', 401: 'Unauthorized' },
    async run(_c, gql) {
      const r = await gql(`query { me { id } styles { id name description } }`);
      if (!r.me) throw denied();
      return { body: r.styles.map((s: any) => ({ style_id: s.id, name: s.name, description: s.description })) };
    },
  },
];

export const mymoodai: Api = {
  name: 'MyMoodAI',
  base: '/rest/api',
  description: 'Seed 001: personal models from selfies, then avatars. Authorization: Bearer <API key>.',
  routes,
  error,
};
