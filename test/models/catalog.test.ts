// The model catalog: seeded, readable by signed-in users, edited by admins; costs computed from
// prices and parameters.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { costOf } from '../../src/modules/models/models.service.js';
import { graphql } from '../gql/index.js';
import { codeOf, startTestServer, type TestServer } from '../helpers/harness.js';
import { ADMIN_ENV, adminToken, newUser } from '../helpers/ops.js';

const Models = graphql(`
  query Models($kind: ModelKind, $all: Boolean) {
    models(kind: $kind, includeDisabled: $all) { id name kind maxTokens supportedEndpoints enabled pricing { perImage perSecond per1kTokens flat } }
  }
`);
const OneModel = graphql(`query OneModel($id: String!) { model(id: $id) { id name description info { whatIs useCases tips } } }`);
const ModelProvider = graphql(`query ModelProvider($id: String!) { model(id: $id) { id provider } }`);
const Estimate = graphql(`
  query Estimate($model: String!, $images: Int, $seconds: Float, $tokens: Int) {
    estimateCost(model: $model, images: $images, seconds: $seconds, tokens: $tokens) { model credits available sufficient }
  }
`);
const CreateModel = graphql(`mutation CreateModel($input: CreateModelInput!) { createModel(input: $input) { id name kind pricing { perImage } info { tips } } }`);
const UpdateModel = graphql(`mutation UpdateModel($id: String!, $input: UpdateModelInput!) { updateModel(id: $id, input: $input) { id enabled pricing { perImage } } }`);
const DeleteModel = graphql(`mutation DeleteModel($id: String!) { deleteModel(id: $id) }`);

let t: TestServer;
let admin: string;
let user: string;
before(async () => {
  t = await startTestServer(ADMIN_ENV);
  admin = await adminToken(t);
  user = (await newUser(t)).token;
});
after(() => t.close());

test('the seeded catalog covers every legacy API, with prices and model info', async () => {
  const all = await t.ok(Models, {}, { token: user });
  const ids = all.models.map((m) => m.id).sort();
  for (const id of ['sd15', 'sdxl', 'flux', 'recraft', 'stable_diffusion', 'stable_video', 'flux_pro', 'minimax', 'personal-trainer', 'personal-avatar']) {
    assert.ok(ids.includes(id), `${id} is seeded`);
  }
  const minimax = all.models.find((m) => m.id === 'minimax')!;
  assert.deepEqual(minimax, {
    id: 'minimax',
    name: 'Minimax AI',
    kind: 'text',
    maxTokens: 4096,
    supportedEndpoints: ['chat', 'generate'],
    enabled: true,
    pricing: { perImage: null, perSecond: null, per1kTokens: 1, flat: null },
  });
  const videos = await t.ok(Models, { kind: 'video' }, { token: user });
  assert.deepEqual(videos.models.map((m) => m.id), ['stable_video']);
  const flux = await t.ok(OneModel, { id: 'flux' }, { token: user });
  assert.equal(flux.model.name, 'FLUX.1 [dev]');
  assert.ok(flux.model.info.whatIs && flux.model.info.useCases && flux.model.info.tips);

  assert.equal(codeOf(await t.gql(Models, {})), 'UNAUTHENTICATED');
  const missing = await t.gql(OneModel, { id: 'nope' }, { token: user });
  assert.equal(codeOf(missing), 'NOT_FOUND');
  assert.equal(missing.errors![0]!.extensions!.field, 'id');
  assert.equal(codeOf(await t.gql(ModelProvider, { id: 'flux' }, { token: user })), 'FORBIDDEN');
  assert.equal((await t.ok(ModelProvider, { id: 'flux' }, { token: admin })).model.provider, 'demo');
});

test('costs: per image, per second of video, per 1k tokens rounded up, flat; at least 1 credit when priced', async () => {
  const est = async (v: { model: string; images?: number; seconds?: number; tokens?: number }) =>
    (await t.ok(Estimate, v, { token: user })).estimateCost;
  assert.deepEqual(await est({ model: 'sdxl', images: 4 }), { model: 'sdxl', credits: 8, available: 100, sufficient: true });
  assert.equal((await est({ model: 'stable_video', seconds: 2.5 })).credits, 5);
  assert.equal((await est({ model: 'minimax', tokens: 70 })).credits, 1, 'a few tokens still cost a credit');
  assert.equal((await est({ model: 'minimax', tokens: 4096 })).credits, 5, '4.096 rounds up');
  assert.equal((await est({ model: 'personal-trainer' })).credits, 20);
  const big = await est({ model: 'flux', images: 40 });
  assert.deepEqual({ credits: big.credits, sufficient: big.sufficient }, { credits: 120, sufficient: false });

  const bad = await t.gql(Estimate, { model: 'flux', images: -1 }, { token: user });
  assert.equal(bad.errors![0]!.extensions!.field, 'images');
  assert.equal((await t.gql(Estimate, { model: 'unknown' }, { token: user })).errors![0]!.extensions!.field, 'model');
});

test('costOf sums the prices that apply and rounds up float noise correctly', () => {
  const model = (p: Record<string, number | null>) =>
    ({
      pricePerImage: null,
      pricePerSecond: null,
      pricePer1kTokens: null,
      priceFlat: null,
      ...Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v === null ? null : { toNumber: () => v }])),
    }) as any;
  assert.equal(costOf(model({ pricePerImage: 0.1 }), { images: 30 }), 3, '0.1 × 30 is 3, not 4');
  assert.equal(costOf(model({ pricePerImage: 0.1 }), { images: 31 }), 4);
  assert.equal(costOf(model({ priceFlat: 2, pricePerSecond: 0.5 }), { seconds: 3 }), 4);
  assert.equal(costOf(model({}), { images: 3 }), 0, 'a model without prices is free');
  assert.equal(costOf(model({ pricePer1kTokens: 0.002 }), { tokens: 70 }), 1);
});

test('admins add, edit, disable and delete models; users cannot', async () => {
  const input = {
    id: 'my-model',
    name: 'My model',
    kind: 'image' as const,
    supportedEndpoints: ['txt2img'],
    pricePerImage: 1.5,
    info: { tips: 'Be specific.' },
  };
  assert.equal(codeOf(await t.gql(CreateModel, { input }, { token: user })), 'FORBIDDEN');
  const made = await t.ok(CreateModel, { input }, { token: admin });
  assert.deepEqual(made.createModel, { id: 'my-model', name: 'My model', kind: 'image', pricing: { perImage: 1.5 }, info: { tips: 'Be specific.' } });
  assert.equal((await t.gql(CreateModel, { input }, { token: admin })).errors![0]!.extensions!.field, 'input.id');
  const badId = await t.gql(CreateModel, { input: { ...input, id: 'Bad Id!' } }, { token: admin });
  assert.equal(badId.errors![0]!.extensions!.field, 'input.id');
  const badPrice = await t.gql(CreateModel, { input: { ...input, id: 'other', pricePerImage: -1 } }, { token: admin });
  assert.equal(badPrice.errors![0]!.extensions!.field, 'input.pricePerImage');
  const badEndpoint = await t.gql(CreateModel, { input: { ...input, id: 'other', supportedEndpoints: ['teleport'] } }, { token: admin });
  assert.equal(badEndpoint.errors![0]!.extensions!.field, 'input.supportedEndpoints.0');

  const edited = await t.ok(UpdateModel, { id: 'my-model', input: { pricePerImage: 2, enabled: false } }, { token: admin });
  assert.deepEqual(edited.updateModel, { id: 'my-model', enabled: false, pricing: { perImage: 2 } });
  assert.equal(codeOf(await t.gql(UpdateModel, { id: 'my-model', input: { enabled: true } }, { token: user })), 'FORBIDDEN');
  // Disabled: gone for users, still there for admins.
  assert.equal(codeOf(await t.gql(OneModel, { id: 'my-model' }, { token: user })), 'NOT_FOUND');
  assert.ok(!(await t.ok(Models, { all: true }, { token: user })).models.some((m) => m.id === 'my-model'));
  assert.ok((await t.ok(Models, { all: true }, { token: admin })).models.some((m) => m.id === 'my-model'));
  assert.equal(codeOf(await t.gql(UpdateModel, { id: 'nope', input: { enabled: true } }, { token: admin })), 'NOT_FOUND');

  assert.equal(codeOf(await t.gql(DeleteModel, { id: 'my-model' }, { token: user })), 'FORBIDDEN');
  assert.equal((await t.ok(DeleteModel, { id: 'my-model' }, { token: admin })).deleteModel, true);
  assert.equal(codeOf(await t.gql(DeleteModel, { id: 'my-model' }, { token: admin })), 'NOT_FOUND');
});
