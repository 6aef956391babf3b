// Every task kind on the demo provider: results, assets, billing, history, feedback.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createClient } from 'graphql-ws';
import sharp from 'sharp';
import WebSocket from 'ws';
import { createTask } from '../../src/modules/tasks/tasks.service.js';
import { graphql } from '../gql/index.js';
import { codeOf, startTestServer, type TestServer } from '../helpers/harness.js';
import { manyUsers, newUser } from '../helpers/ops.js';
import { mask, multipart, png, waitForTask } from '../helpers/tasks.js';

const GenerateImage = graphql(`
  mutation GenerateImage($input: GenerateImageInput!, $key: String) {
    generateImage(input: $input, idempotencyKey: $key) { id databaseId status kindName cost queuePosition }
  }
`);
const EditImage = graphql(`mutation EditImage($input: EditImageInput!) { editImage(input: $input) { id databaseId status cost } }`);
const GenerateVideo = graphql(`mutation GenerateVideo($input: GenerateVideoInput!) { generateVideo(input: $input) { id databaseId cost } }`);
const Chat = graphql(`mutation Chat($input: ChatCompletionInput!) { createChatCompletion(input: $input) { id databaseId cost } }`);
const GenText = graphql(`mutation GenText($input: GenerateTextInput!) { generateText(input: $input) { id databaseId } }`);
const TaskQuery = graphql(`
  query TaskQuery($id: ID!) {
    task(id: $id) {
      id databaseId status progress kindName cost errorCode texts output
      model { id name }
      assets { id databaseId kind mimeType width height durationSec url thumbnailUrl metadata }
    }
  }
`);
const History = graphql(`
  query History($filter: TaskFilter, $limit: Int) { tasks(filter: $filter, limit: $limit) { total items { databaseId kindName status } } }
`);
const Credits = graphql(`query TaskCredits { me { credits { available reserved } } }`);
const Rate = graphql(`mutation Rate($assetId: ID!, $like: Boolean, $dislike: Boolean, $text: String) { rateResult(assetId: $assetId, isLike: $like, isDislike: $dislike, feedback: $text) { isLike isDislike feedback } }`);

let t: TestServer;
before(async () => {
  t = await startTestServer({ DEMO_DELAY_MS: '40', SIGNUP_CREDITS: '100' });
});
after(() => t.close());

const bytesOf = async (path: string, headers: Record<string, string> = {}) => {
  const res = await fetch(t.url + path, { headers });
  return { status: res.status, type: res.headers.get('content-type'), data: Buffer.from(await res.arrayBuffer()) };
};
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('image.generate: images of the asked size, signed URLs for the owner only, the cost captured', async () => {
  const u = await newUser(t);
  const made = await t.ok(GenerateImage, { input: { model: 'sdxl', prompt: 'a red fox in snow', width: 256, height: 192, count: 2, seed: 42 } }, { token: u.token });
  assert.equal(made.generateImage.status, 'queued');
  assert.equal(made.generateImage.kindName, 'image.generate');
  assert.equal(made.generateImage.cost, 4, '2 images × 2 credits');
  await waitForTask(t, made.generateImage.databaseId);
  const { task } = await t.ok(TaskQuery, { id: made.generateImage.id }, { token: u.token });
  assert.equal(task.status, 'succeeded');
  assert.equal(task.progress, 100);
  assert.equal(task.assets.length, 2);
  for (const a of task.assets) {
    assert.deepEqual([a.kind, a.mimeType, a.width, a.height], ['image', 'image/png', 256, 192]);
    const file = await bytesOf(a.url);
    assert.equal(file.status, 200);
    assert.equal(file.type, 'image/png');
    const meta = await sharp(file.data).metadata();
    assert.deepEqual([meta.width, meta.height], [256, 192]);
    const thumb = await bytesOf(a.thumbnailUrl!);
    assert.equal(thumb.type, 'image/webp');
    assert.ok((await sharp(thumb.data).metadata()).width! <= 256);
    assert.match(String((a.metadata as any).provider), /demo/i, 'the demo says it is a demo');
  }
  // Unsigned: only with the owner's credentials; another user gets a 404 like a missing file.
  const bare = `/assets/${task.assets[0]!.databaseId}`;
  assert.equal((await bytesOf(bare)).status, 404);
  assert.equal((await bytesOf(bare, { authorization: `Bearer ${u.token}` })).status, 200);
  const other = await newUser(t);
  assert.equal((await bytesOf(bare, { authorization: `Bearer ${other.token}` })).status, 404);
  assert.equal((await bytesOf(task.assets[0]!.url.replace(/sig=[^&]+/, 'sig=forged'))).status, 404);
  assert.equal((await bytesOf(`/assets/999999`)).status, 404);

  assert.deepEqual((await t.ok(Credits, {}, { token: u.token })).me.credits, { available: 96, reserved: 0 });
  const entries = await t.app.deps.prisma.creditEntry.findMany({ where: { userId: u.user.databaseId }, orderBy: { id: 'asc' } });
  assert.deepEqual(entries.map((e) => [e.kind, e.amount]), [['grant', 100], ['hold', -4], ['capture', 0]]);
  const usage = await t.app.deps.prisma.usageRecord.findMany({ where: { userId: u.user.databaseId } });
  assert.deepEqual(usage.map((x) => [x.modelId, x.cost, x.endpoint]), [['sdxl', 4, 'image.generate']]);

  // The same prompt and seed make the same picture.
  const again = await t.ok(GenerateImage, { input: { model: 'sdxl', prompt: 'a red fox in snow', width: 256, height: 192, count: 1, seed: 42 } }, { token: u.token });
  await waitForTask(t, again.generateImage.databaseId);
  const second = await t.ok(TaskQuery, { id: again.generateImage.id }, { token: u.token });
  assert.equal(sha((await bytesOf(second.task.assets[0]!.url)).data), sha((await bytesOf(task.assets[0]!.url)).data));
});

test('image.edit: img2img from an upload, inpainting with a mask; each model\'s required fields enforced', async () => {
  const u = await newUser(t);
  const source = await png(128, 128);
  const q = `mutation ($input: EditImageInput!) { editImage(input: $input) { databaseId cost } }`;
  const r = await multipart(t, q, { input: { model: 'stable_diffusion', prompt: 'make it sunset', image: { file: null }, width: 128, height: 128 } }, { 'variables.input.image.file': { data: source, name: 'photo.png' } }, u.token);
  assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
  const edited = await waitForTask(t, r.body.data.editImage.databaseId);
  assert.equal(edited.status, 'succeeded', edited.errorMessage ?? '');

  const b64 = (await png(128, 128, { r: 200, g: 30, b: 30 })).toString('base64');
  const m = `data:image/png;base64,${(await mask(128, 128)).toString('base64')}`;
  const inpaint = await t.ok(EditImage, { input: { model: 'flux_pro', prompt: 'a blue bird', image: { data: b64 }, mask: { data: m }, width: 128, height: 128 } }, { token: u.token });
  const done = await waitForTask(t, inpaint.editImage.databaseId);
  assert.equal(done.status, 'succeeded', done.errorMessage ?? '');
  const asset = await t.app.deps.prisma.asset.findFirstOrThrow({ where: { taskId: done.id } });
  const pixels = await sharp((await t.app.deps.storage.get(asset.storageKey))!.data).raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number) => Array.from(pixels.data.subarray((y * 128 + x) * pixels.info.channels, (y * 128 + x) * pixels.info.channels + 3));
  assert.deepEqual(at(2, 2), [200, 30, 30], 'outside the mask the image is unchanged');
  assert.notDeepEqual(at(64, 64), [200, 30, 30], 'inside the mask it is repainted');

  // Inpainting needs the mask; a text-to-image model cannot edit; a non-image is refused by content.
  const noMask = await t.gql(EditImage, { input: { model: 'flux_pro', prompt: 'x', image: { data: b64 } } }, { token: u.token });
  assert.equal(noMask.errors![0]!.extensions!.field, 'input.mask');
  const wrongModel = await t.gql(EditImage, { input: { model: 'flux', prompt: 'x', image: { data: b64 } } }, { token: u.token });
  assert.equal(wrongModel.errors![0]!.extensions!.field, 'model');
  const notImage = await t.gql(EditImage, { input: { model: 'stable_diffusion', prompt: 'x', image: { data: Buffer.from('hello, not a picture').toString('base64') } } }, { token: u.token });
  assert.equal(notImage.errors![0]!.extensions!.field, 'input.image.data');
  const noPrompt = await t.gql(EditImage, { input: { model: 'stable_diffusion', prompt: '  ', image: { data: b64 } } }, { token: u.token });
  assert.equal(noPrompt.errors![0]!.extensions!.field, 'input.prompt');
  const both = await t.gql(EditImage, { input: { model: 'stable_diffusion', prompt: 'x', image: { data: b64, assetId: String(asset.id) } } }, { token: u.token });
  assert.equal(both.errors![0]!.extensions!.field, 'input.image');
  // Reusing one's own asset works; someone else's is not found.
  const reuse = await t.ok(EditImage, { input: { model: 'stable_diffusion', prompt: 'again', image: { assetId: String(asset.id) }, width: 64, height: 64 } }, { token: u.token });
  assert.equal((await waitForTask(t, reuse.editImage.databaseId)).status, 'succeeded');
  const other = await newUser(t);
  const stolen = await t.gql(EditImage, { input: { model: 'stable_diffusion', prompt: 'mine now', image: { assetId: String(asset.id) } } }, { token: other.token });
  assert.equal(codeOf(stolen), 'NOT_FOUND');
});

test('video.generate: an animated clip with a thumbnail, charged per second', async () => {
  const u = await newUser(t);
  const made = await t.ok(GenerateVideo, { input: { model: 'stable_video', image: { data: (await png(96, 96)).toString('base64') }, seconds: 1.5, fps: 4, width: 96, height: 96 } }, { token: u.token });
  assert.equal(made.generateVideo.cost, 3, '1.5 s × 2 credits');
  await waitForTask(t, made.generateVideo.databaseId);
  const { task } = await t.ok(TaskQuery, { id: made.generateVideo.id }, { token: u.token });
  assert.equal(task.status, 'succeeded');
  const [video] = task.assets;
  assert.equal(video!.kind, 'video');
  assert.equal(video!.durationSec, 1.5);
  const file = await bytesOf(video!.url);
  const meta = await sharp(file.data, { pages: -1 }).metadata();
  assert.equal(meta.pages, 6, '1.5 s at 4 fps');
  assert.ok(video!.thumbnailUrl);
  const missing = await t.gql(GenerateVideo, { input: { model: 'stable_video', image: {} } }, { token: u.token });
  assert.equal(missing.errors![0]!.extensions!.field, 'input.image');
});

test('text.chat streams its tokens in order; the stored reply is their concatenation; usage is charged by tokens', async () => {
  const u = await newUser(t);
  const client = createClient({ url: t.wsUrl, webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${u.token}` }, lazy: false });
  try {
    // Hold the worker back until the subscription is live: a long queue ahead is not needed, the
    // demo waits DEMO_DELAY_MS before its first token.
    const made = await t.ok(Chat, { input: { model: 'minimax', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'What is the weather like?' }], maxTokens: 200 } }, { token: u.token });
    const pieces: { seq: number; delta: string }[] = [];
    const sub = client.iterate<any>({ query: 'subscription ($id: ID!) { taskTokens(id: $id) { seq delta choice } }', variables: { id: made.createChatCompletion.id } });
    const reading = (async () => {
      for await (const m of sub) pieces.push(m.data.taskTokens);
    })();
    const done = await waitForTask(t, made.createChatCompletion.databaseId);
    await new Promise((r) => setTimeout(r, 100));
    await sub.return?.();
    await reading.catch(() => {});
    const { task } = await t.ok(TaskQuery, { id: made.createChatCompletion.id }, { token: u.token });
    assert.equal(done.status, 'succeeded');
    assert.match(task.texts[0]!, /^\[demo\] Reply to: "What is the weather like\?"/);
    assert.ok(pieces.length > 3, `received ${pieces.length} tokens`);
    const seqs = pieces.map((p) => p.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'in order');
    // Tokens may start before the subscription: what arrived is the reply's tail, in order.
    const tail = pieces.map((p) => p.delta).join('');
    assert.ok(task.texts[0]!.endsWith(tail), 'the stored text ends with the streamed pieces');
    const usage = (task.output as any).usage;
    assert.ok(usage.promptTokens > 0 && usage.completionTokens > 0);
    assert.equal(task.cost, 1, 'a short chat costs a credit');
  } finally {
    await client.dispose();
  }
});

test('text.generate: n choices and stop sequences', async () => {
  const u = await newUser(t);
  const made = await t.ok(GenText, { input: { model: 'minimax', prompt: 'Write a story', n: 2, maxTokens: 50, seed: 3 } }, { token: u.token });
  const done = await waitForTask(t, made.generateText.databaseId);
  const texts = (done.output as any).texts;
  assert.equal(texts.length, 2);
  assert.notEqual(texts[0].text, texts[1].text);
  const stopWord = texts[0].text.split(' ')[8];
  const stopped = await t.ok(GenText, { input: { model: 'minimax', prompt: 'Write a story', maxTokens: 50, seed: 3, stop: [stopWord] } }, { token: u.token });
  const s = await waitForTask(t, stopped.generateText.databaseId);
  assert.ok(!(s.output as any).texts[0].text.includes(stopWord));
  const tooLong = await t.gql(GenText, { input: { model: 'minimax', prompt: 'x', maxTokens: 5000 } }, { token: u.token });
  assert.equal(tooLong.errors![0]!.extensions!.field, 'input.maxTokens');
});

test('model.train and avatar.generate: a personal model from photos, then avatars in styles', async () => {
  const u = await newUser(t);
  const user = await t.app.deps.prisma.user.findUniqueOrThrow({ where: { id: u.user.databaseId } });
  const keys: string[] = [];
  for (let i = 0; i < 3; i++) {
    const key = `inputs/${user.id}/selfie-${i}.png`;
    await t.app.deps.storage.put(key, await png(64, 64, { r: i * 60, g: 100, b: 100 }));
    keys.push(key);
  }
  const train = await createTask(t.app.deps, user, { kind: 'model.train', model: 'personal-trainer', input: { trainingKeys: keys } });
  assert.equal(train.cost, 20);
  const trained = await waitForTask(t, train.id);
  assert.equal(trained.status, 'succeeded');
  const ref = (trained.output as any).trainedModel.ref as string;
  assert.match(ref, /^demo-model-[0-9a-f]{12}$/);

  const styles = [
    { id: 1, name: 'Watercolor', prompt: 'a watercolor portrait' },
    { id: 2, name: 'Cyberpunk', prompt: 'a neon cyberpunk portrait' },
  ];
  const avatars = await createTask(t.app.deps, user, { kind: 'avatar.generate', model: 'personal-avatar', input: { trainedModelRef: ref, styles, count: 2, width: 64, height: 64 } });
  assert.equal(avatars.cost, 4, '2 styles × 2 images × 1 credit');
  const done = await waitForTask(t, avatars.id);
  assert.equal(done.status, 'succeeded');
  const assets = await t.app.deps.prisma.asset.findMany({ where: { taskId: done.id }, orderBy: { id: 'asc' } });
  assert.deepEqual(assets.map((a) => (a.metadata as any).styleId), [1, 1, 2, 2]);
  await assert.rejects(createTask(t.app.deps, user, { kind: 'model.train', model: 'personal-trainer', input: { trainingKeys: [] } }), (e: any) => e.extensions.field === 'input.photos');
});

test('history with filters, feedback on results, and nobody else sees them', async () => {
  const u = await newUser(t);
  const a = await t.ok(GenerateImage, { input: { model: 'sd15', prompt: 'one', width: 64, height: 64 } }, { token: u.token });
  const b = await t.ok(GenText, { input: { model: 'minimax', prompt: 'two', maxTokens: 10 } }, { token: u.token });
  await waitForTask(t, a.generateImage.databaseId);
  await waitForTask(t, b.generateText.databaseId);
  const all = await t.ok(History, {}, { token: u.token });
  assert.deepEqual(all.tasks.items.map((x) => x.kindName), ['text.generate', 'image.generate']);
  const images = await t.ok(History, { filter: { kind: ['image_generate'], status: ['succeeded'] } }, { token: u.token });
  assert.equal(images.tasks.total, 1);

  const { task } = await t.ok(TaskQuery, { id: a.generateImage.id }, { token: u.token });
  const assetId = task.assets[0]!.id;
  assert.deepEqual((await t.ok(Rate, { assetId, like: true, text: 'lovely' }, { token: u.token })).rateResult, { isLike: true, isDislike: false, feedback: 'lovely' });
  assert.deepEqual((await t.ok(Rate, { assetId, dislike: true }, { token: u.token })).rateResult, { isLike: false, isDislike: true, feedback: null }, 'one rating per result, updated');
  assert.equal((await t.gql(Rate, { assetId, like: true, dislike: true }, { token: u.token })).errors![0]!.extensions!.field, 'isDislike');

  const other = await newUser(t);
  assert.equal(codeOf(await t.gql(TaskQuery, { id: a.generateImage.id }, { token: other.token })), 'NOT_FOUND');
  assert.equal(codeOf(await t.gql(Rate, { assetId, like: true }, { token: other.token })), 'NOT_FOUND');
  assert.equal((await t.ok(History, {}, { token: other.token })).tasks.total, 0);
  assert.equal(codeOf(await t.gql(TaskQuery, { id: a.generateImage.id })), 'UNAUTHENTICATED');
});

test('not enough credits: INSUFFICIENT_CREDITS (402), and no task is left behind', async () => {
  const [poor] = await manyUsers(t, 1, 3);
  const r = await t.gql(GenerateImage, { input: { model: 'flux', prompt: 'expensive', count: 2, width: 64, height: 64 } }, { token: poor!.token });
  assert.equal(codeOf(r), 'INSUFFICIENT_CREDITS');
  assert.equal(r.status, 402);
  assert.equal(await t.app.deps.prisma.task.count({ where: { userId: poor!.id } }), 0);
  assert.deepEqual((await t.ok(Credits, {}, { token: poor!.token })).me.credits, { available: 3, reserved: 0 });
});

test('an idempotent task creation replayed returns the same task and holds once; AI rate-limit headers are sent', async () => {
  const u = await newUser(t);
  const vars = { input: { model: 'sd15', prompt: 'same request', width: 64, height: 64 }, key: 'task-once-1' };
  const res = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${u.token}` },
    body: JSON.stringify({ query: 'mutation ($input: GenerateImageInput!, $key: String) { generateImage(input: $input, idempotencyKey: $key) { databaseId } }', variables: vars }),
  });
  assert.equal(res.headers.get('x-ratelimit-endpoint'), 'ai');
  assert.equal(res.headers.get('x-ratelimit-limit'), '10', 'the free tier allows 10 AI requests a minute');
  const first = ((await res.json()) as any).data.generateImage.databaseId;
  const second = await t.ok(GenerateImage, vars, { token: u.token });
  assert.equal(second.generateImage.databaseId, first);
  assert.equal(await t.app.deps.prisma.task.count({ where: { userId: u.user.databaseId } }), 1);
  await waitForTask(t, first);
  assert.deepEqual((await t.ok(Credits, {}, { token: u.token })).me.credits, { available: 99, reserved: 0 });
  const changed = await t.gql(GenerateImage, { ...vars, input: { ...vars.input, prompt: 'another request' } }, { token: u.token });
  assert.equal(codeOf(changed), 'CONFLICT');
});

test('hostile input: NUL characters name the field; oversized ids and avatar paths outside avatars/ are 404s', async () => {
  const u = await newUser(t);
  const nul = await t.gql(GenerateImage, { input: { model: 'sd15', prompt: 'a\u0000b', width: 64, height: 64 } }, { token: u.token });
  assert.equal(codeOf(nul), 'BAD_USER_INPUT');
  assert.equal(nul.errors![0]!.extensions!.field, 'input.prompt');
  assert.equal((await fetch(`${t.url}/assets/99999999999`)).status, 404);
  const made = await t.ok(GenerateImage, { input: { model: 'sd15', prompt: 'secret', width: 64, height: 64 } }, { token: u.token });
  await waitForTask(t, made.generateImage.databaseId);
  const asset = await t.app.deps.prisma.asset.findFirstOrThrow({ where: { taskId: made.generateImage.databaseId } });
  const sneaky = await fetch(`${t.url}/avatars/..%2F${encodeURIComponent(asset.storageKey)}`);
  assert.equal(sneaky.status, 404);
  const other = await newUser(t);
  const viaNode = await t.gql(graphql(`query TaskNode($id: ID!) { node(id: $id) { id } }`), { id: made.generateImage.id }, { token: other.token });
  assert.equal(codeOf(viaNode), 'NOT_FOUND');
});
