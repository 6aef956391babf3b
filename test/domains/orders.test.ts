// MyMoodAI orders (seed 001) on the demo provider: the documented eight-step workflow, the
// refusals it implies, styles, and ownership.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { graphql } from '../gql/index.js';
import { codeOf, startTestServer, type TestServer } from '../helpers/harness.js';
import { ADMIN_ENV, adminToken, newUser } from '../helpers/ops.js';
import { png, waitForTask } from '../helpers/tasks.js';

const Styles = graphql(`query Styles { styles { id name promptTemplate enabled } }`);
const CreateOrder = graphql(`mutation CreateOrder($input: OrderInput!) { createOrder(input: $input) { id databaseId kind parentId status styles { id } } }`);
const Upload = graphql(`mutation Upload($orderId: ID!, $image: String, $gender: Int) { uploadTrainingImage(orderId: $orderId, image: $image, gender: $gender) { selfieId gender selected mimeType width height } }`);
const Select = graphql(`mutation Select($orderId: ID!, $selfieId: Int!) { selectTrainingImage(orderId: $orderId, selfieId: $selfieId) { selfieId selected } }`);
const Run = graphql(`mutation Run($id: ID!) { runOrder(id: $id) { databaseId kindName status cost input } }`);
const OrderQuery = graphql(`
  query OrderQuery($id: ID!) {
    order(id: $id) { databaseId kind parentId status progress message trained mainImageId trainingImages { selfieId selected } avatars { databaseId kind url metadata } }
  }
`);
const Orders = graphql(`query Orders($kind: OrderKind, $parent: Int) { orders(kind: $kind, parent: $parent) { total items { databaseId kind parentId status } } }`);
const Models = graphql(`query PersonalModels { personalModels { total items { databaseId status trained } } }`);
const Avatars = graphql(`query Avatars($modelId: ID!, $page: Int, $pageSize: Int) { avatars(modelId: $modelId, page: $page, pageSize: $pageSize) { total page pageSize items { databaseId kind width height } } }`);
const CreateStyle = graphql(`mutation CreateStyle($input: StyleInput!) { createStyle(input: $input) { id name enabled } }`);
const UpdateStyle = graphql(`mutation UpdateStyle($id: Int!, $input: StyleInput!) { updateStyle(id: $id, input: $input) { id enabled } }`);
const DeleteStyle = graphql(`mutation DeleteStyle($id: Int!) { deleteStyle(id: $id) }`);

let t: TestServer;
before(async () => {
  // Tasks take a quarter of a second: long enough for a poll to see an order running.
  t = await startTestServer({ DEMO_DELAY_MS: '250', SIGNUP_CREDITS: '500', ...ADMIN_ENV });
});
after(() => t.close());

const jpegDataUri = async (r: number) => `data:image/jpeg;base64,${(await sharp({ create: { width: 96, height: 128, channels: 3, background: { r, g: 90, b: 140 } } }).jpeg().toBuffer()).toString('base64')}`;

/** Polls the order's status as a client of seed 001 would, until it is one of `statuses`. */
async function pollOrder(token: string, id: string, statuses: string[]) {
  const seen: { status: string; progress: number }[] = [];
  for (let i = 0; i < 400; i++) {
    const { order } = await t.ok(OrderQuery, { id }, { token });
    seen.push({ status: order!.status, progress: order!.progress });
    if (statuses.includes(order!.status)) return { order: order!, seen };
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`order ${id} stayed ${seen.at(-1)?.status}`);
}

test('seed 001 example workflow: create a model, upload selfies, select one, run, poll until completed, order on the model, run it, list the avatars', async () => {
  const u = await newUser(t);
  const { styles } = await t.ok(Styles, {});
  const ids = styles.map((s) => s.id);
  assert.ok([112, 5, 2572].every((id) => ids.includes(id)), 'the documented example style ids exist');

  // 1. Create a model (parent = 0).
  const model = (await t.ok(CreateOrder, { input: { styles: [112, 5, 2572], gender: 1, parent: 0 } }, { token: u.token })).createOrder;
  assert.equal(model.kind, 'training');
  assert.equal(model.parentId, 0);
  assert.equal(model.status, 'created');
  // 2. Upload selfies: a data URI and plain base64.
  const s1 = (await t.ok(Upload, { orderId: model.id, image: await jpegDataUri(10), gender: 1 }, { token: u.token })).uploadTrainingImage;
  assert.equal(s1.mimeType, 'image/jpeg');
  assert.deepEqual([s1.width, s1.height], [96, 128]);
  const s2 = (await t.ok(Upload, { orderId: model.id, image: (await png(80, 80)).toString('base64') }, { token: u.token })).uploadTrainingImage;
  assert.equal(s2.mimeType, 'image/png');
  assert.equal(s2.gender, 1, 'the order’s gender when none is given');
  // 3. Select one as the main training image.
  const sel = (await t.ok(Select, { orderId: model.id, selfieId: s2.selfieId }, { token: u.token })).selectTrainingImage;
  assert.equal(sel.selected, true);
  // 4. Run the order: training.
  const train = (await t.ok(Run, { id: model.id }, { token: u.token })).runOrder;
  assert.equal(train.kindName, 'model.train');
  assert.equal((train.input as { trainingKeys: string[] }).trainingKeys.length, 2);
  assert.match((train.input as { trainingKeys: string[] }).trainingKeys[0]!, /\.png$/, 'the main image first');
  // 5. Poll the status until completed.
  const trained = await pollOrder(u.token, model.id, ['completed', 'failed']);
  assert.equal(trained.order.status, 'completed');
  assert.equal(trained.order.progress, 100);
  assert.equal(trained.order.trained, true);
  assert.ok(trained.seen.some((s) => s.status === 'in_progress' || s.status === 'queued'), 'seen while running');
  const models = (await t.ok(Models, {}, { token: u.token })).personalModels;
  assert.deepEqual(models.items.map((m) => m.databaseId), [model.databaseId]);

  // 6. Create a new order with the trained model as parent.
  const gen = (await t.ok(CreateOrder, { input: { styles: [112, 5], gender: 1, parent: model.databaseId } }, { token: u.token })).createOrder;
  assert.equal(gen.kind, 'generation');
  assert.equal(gen.parentId, model.databaseId);
  // 7. Run it: avatar generation.
  const run = (await t.ok(Run, { id: gen.id }, { token: u.token })).runOrder;
  assert.equal(run.kindName, 'avatar.generate');
  const prompts = (run.input as { styles: { id: number; prompt: string }[] }).styles;
  assert.deepEqual(prompts.map((s) => s.id), [5, 112]);
  assert.ok(prompts.every((s) => s.prompt.includes('a man')), 'the style templates name the subject');
  const done = await pollOrder(u.token, gen.id, ['completed', 'failed']);
  assert.equal(done.order.status, 'completed');
  // 8. List the generated avatars: one per style, paged.
  assert.equal(done.order.avatars.length, 2);
  const page1 = (await t.ok(Avatars, { modelId: model.id, page: 1, pageSize: 1 }, { token: u.token })).avatars;
  const page2 = (await t.ok(Avatars, { modelId: String(model.databaseId), page: 2, pageSize: 1 }, { token: u.token })).avatars;
  assert.equal(page1.total, 2);
  assert.deepEqual([...page1.items, ...page2.items].map((a) => a.databaseId), done.order.avatars.map((a) => a.databaseId));
  assert.ok(page1.items.every((a) => a.kind === 'image'));
  const onModel = (await t.ok(Orders, { parent: model.databaseId }, { token: u.token })).orders;
  assert.deepEqual(onModel.items.map((o) => [o.databaseId, o.status]), [[gen.databaseId, 'completed']]);
  const all = (await t.ok(Orders, {}, { token: u.token })).orders;
  assert.equal(all.total, 2);

  // The avatar image itself is served to its owner.
  const res = await fetch(t.url + done.order.avatars[0]!.url);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^image\//);
});

test('refusals with clear errors: unknown styles, bad selfies, running without selfies, generating on an unfinished model, running twice', async () => {
  const u = await newUser(t);
  const unknown = await t.gql(CreateOrder, { input: { styles: [112, 999999], parent: 0 } }, { token: u.token });
  assert.equal(codeOf(unknown), 'BAD_USER_INPUT');
  assert.equal(unknown.errors![0]!.extensions!.field, 'input.styles');
  assert.match(unknown.errors![0]!.message, /Invalid style IDs provided: 999999/);
  assert.equal((await t.gql(CreateOrder, { input: { styles: [], parent: 0 } }, { token: u.token })).errors![0]!.extensions!.field, 'input.styles');
  assert.equal((await t.gql(CreateOrder, { input: { styles: [5], gender: 7 } }, { token: u.token })).errors![0]!.extensions!.field, 'input.gender');

  const model = (await t.ok(CreateOrder, { input: { styles: [5] } }, { token: u.token })).createOrder;
  const noImages = await t.gql(Run, { id: model.id }, { token: u.token });
  assert.equal(codeOf(noImages), 'BAD_USER_INPUT');
  assert.equal(noImages.errors![0]!.extensions!.field, 'trainingImages');

  const gif = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
  const webp = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } }).webp().toBuffer();
  const truncated = (await png(64, 64)).subarray(0, 40);
  for (const [image, pattern] of [
    [gif.toString('base64'), /JPEG or PNG/],
    [`data:image/png;base64,${webp.toString('base64')}`, /JPEG or PNG/], // named PNG, is WebP
    [truncated.toString('base64'), /could not be decoded/],
    ['not base64 at all!', /base64/],
    [Buffer.alloc(10 * 1024 * 1024 + 10, 1).toString('base64'), /at most 10485760 bytes/],
  ] as const) {
    const r = await t.gql(Upload, { orderId: model.id, image }, { token: u.token });
    assert.ok(['BAD_USER_INPUT', 'PAYLOAD_TOO_LARGE'].includes(codeOf(r) as string), JSON.stringify(r.errors));
    assert.match(r.errors![0]!.extensions!.field as string, /^image/);
    assert.match(r.errors![0]!.message, pattern);
  }
  assert.equal((await t.ok(OrderQuery, { id: model.id }, { token: u.token })).order!.trainingImages.length, 0, 'nothing stored from refused uploads');
  assert.equal(codeOf(await t.gql(Select, { orderId: model.id, selfieId: 999999 }, { token: u.token })), 'NOT_FOUND');

  // A generation order needs a finished model.
  const early = await t.gql(CreateOrder, { input: { styles: [5], parent: model.databaseId } }, { token: u.token });
  assert.equal(codeOf(early), 'CONFLICT');
  assert.equal(early.errors![0]!.extensions!.reason, 'model_not_ready');
  assert.equal(codeOf(await t.gql(CreateOrder, { input: { styles: [5], parent: 999999 } }, { token: u.token })), 'NOT_FOUND');

  // Selfies go to training orders only; a running or finished order takes no more and cannot run again.
  await t.ok(Upload, { orderId: model.id, image: await jpegDataUri(200) }, { token: u.token });
  const run = (await t.ok(Run, { id: model.id }, { token: u.token })).runOrder;
  const again = await t.gql(Run, { id: model.id }, { token: u.token });
  assert.equal(codeOf(again), 'CONFLICT');
  await waitForTask(t, run.databaseId);
  const late = await t.gql(Upload, { orderId: model.id, image: await jpegDataUri(201) }, { token: u.token });
  assert.equal(codeOf(late), 'CONFLICT');
  assert.equal(late.errors![0]!.extensions!.reason, 'order_completed');
  const gen = (await t.ok(CreateOrder, { input: { styles: [5], parent: model.databaseId } }, { token: u.token })).createOrder;
  const toGen = await t.gql(Upload, { orderId: gen.id, image: await jpegDataUri(202) }, { token: u.token });
  assert.equal(toGen.errors![0]!.extensions!.field, 'orderId');
});

test('ownership: another user’s order, model, selfies and avatars do not exist for you', async () => {
  const a = await newUser(t);
  const b = await newUser(t);
  const model = (await t.ok(CreateOrder, { input: { styles: [1] } }, { token: a.token })).createOrder;
  const selfie = (await t.ok(Upload, { orderId: model.id, image: await jpegDataUri(50) }, { token: a.token })).uploadTrainingImage;
  const run = (await t.ok(Run, { id: model.id }, { token: a.token })).runOrder;
  await waitForTask(t, run.databaseId);
  for (const r of [
    await t.gql(OrderQuery, { id: model.id }, { token: b.token }),
    await t.gql(Upload, { orderId: model.id, image: await jpegDataUri(51) }, { token: b.token }),
    await t.gql(Select, { orderId: model.id, selfieId: selfie.selfieId }, { token: b.token }),
    await t.gql(Run, { id: model.id }, { token: b.token }),
    await t.gql(CreateOrder, { input: { styles: [1], parent: model.databaseId } }, { token: b.token }),
    await t.gql(Avatars, { modelId: model.id }, { token: b.token }),
  ]) {
    assert.equal(codeOf(r), 'NOT_FOUND', JSON.stringify(r.errors));
  }
  assert.equal((await t.ok(Orders, {}, { token: b.token })).orders.total, 0);
  assert.equal((await t.ok(Models, {}, { token: b.token })).personalModels.total, 0);
  // B's own selfie cannot be selected on A's order either, nor A's on B's.
  const own = (await t.ok(CreateOrder, { input: { styles: [1] } }, { token: b.token })).createOrder;
  assert.equal(codeOf(await t.gql(Select, { orderId: own.id, selfieId: selfie.selfieId }, { token: b.token })), 'NOT_FOUND');
  assert.equal((await t.ok(OrderQuery, { id: model.id }, { token: a.token })).order!.trainingImages.length, 1);
});

test('styles: seeded, admin-editable; disabled styles are refused for new orders; styles in use cannot be deleted', async () => {
  const admin = await adminToken(t);
  const u = await newUser(t);
  assert.equal(codeOf(await t.gql(CreateStyle, { input: { name: 'x', promptTemplate: 'x of {subject}' } }, { token: u.token })), 'FORBIDDEN');
  const made = (await t.ok(CreateStyle, { input: { name: 'Pop Art', promptTemplate: 'a pop art portrait of {subject}' } }, { token: admin })).createStyle;
  assert.equal(made.enabled, true);
  assert.equal((await t.gql(CreateStyle, { input: { name: '', promptTemplate: 'x' } }, { token: admin })).errors![0]!.extensions!.field, 'input.name');
  const order = (await t.ok(CreateOrder, { input: { styles: [made.id] } }, { token: u.token })).createOrder;
  assert.deepEqual(order.styles.map((s) => s.id), [made.id]);
  const inUse = await t.gql(DeleteStyle, { id: made.id }, { token: admin });
  assert.equal(codeOf(inUse), 'CONFLICT');
  await t.ok(UpdateStyle, { id: made.id, input: { enabled: false } }, { token: admin });
  assert.ok(!(await t.ok(Styles, {}, { token: u.token })).styles.some((s) => s.id === made.id), 'disabled styles are not listed');
  assert.equal(codeOf(await t.gql(CreateOrder, { input: { styles: [made.id] } }, { token: u.token })), 'BAD_USER_INPUT');
  const spare = (await t.ok(CreateStyle, { input: { name: 'Spare', promptTemplate: '{subject}' } }, { token: admin })).createStyle;
  assert.equal((await t.ok(DeleteStyle, { id: spare.id }, { token: admin })).deleteStyle, true);
  assert.equal(codeOf(await t.gql(UpdateStyle, { id: spare.id, input: { name: 'back' } }, { token: admin })), 'NOT_FOUND');
});

test('two runs of one order at the same moment make one task; the other is refused', async () => {
  const u = await newUser(t);
  const model = (await t.ok(CreateOrder, { input: { styles: [5] } }, { token: u.token })).createOrder;
  await t.ok(Upload, { orderId: model.id, image: await jpegDataUri(77) }, { token: u.token });
  const runs = await Promise.all([0, 1, 2].map(() => t.gql(Run, { id: model.id }, { token: u.token })));
  const ok = runs.filter((r) => !r.errors);
  assert.equal(ok.length, 1, JSON.stringify(runs.map((r) => r.errors?.[0]?.extensions)));
  for (const r of runs.filter((x) => x.errors)) assert.equal(codeOf(r), 'CONFLICT');
  assert.equal(await t.app.deps.prisma.task.count({ where: { orderId: model.databaseId } }), 1);
  await waitForTask(t, ok[0]!.data!.runOrder.databaseId);
});

