// Tasks routed to real backends (local stand-ins speaking their protocols) through the whole
// engine: GraphQL → queue → worker → provider → assets and billing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { graphql } from '../gql/index.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { newUser } from '../helpers/ops.js';
import { startOpenAiStandIn } from '../helpers/standins/openai.js';
import { startReplicateStandIn } from '../helpers/standins/replicate.js';
import { startSdStandIn } from '../helpers/standins/sdwebui.js';
import { waitForTask } from '../helpers/tasks.js';

const Image = graphql(`mutation RoutedImage($input: GenerateImageInput!) { generateImage(input: $input) { databaseId } }`);
const ChatTask = graphql(`mutation RoutedChat($input: ChatCompletionInput!) { createChatCompletion(input: $input) { databaseId } }`);
const Result = graphql(`query RoutedResult($id: ID!) { task(id: $id) { status texts cost output assets { kind width height url } } }`);

let t: TestServer;
let sd: Awaited<ReturnType<typeof startSdStandIn>>;
let llm: Awaited<ReturnType<typeof startOpenAiStandIn>>;
let rep: Awaited<ReturnType<typeof startReplicateStandIn>>;
before(async () => {
  sd = await startSdStandIn({ stepMs: 5 });
  llm = await startOpenAiStandIn({ apiKey: 'sk-local' });
  rep = await startReplicateStandIn({ token: 'r8_local', readsToFinish: 2 });
  t = await startTestServer({
    PROVIDERS: JSON.stringify({
      gpu: { type: 'sdwebui', url: sd.url, pollMs: 20 },
      llm: { type: 'openai', url: `${llm.url}/v1`, apiKey: 'sk-local' },
      rep: { type: 'replicate', url: rep.url, apiKey: 'r8_local', pollMs: 20 },
    }),
    MODEL_PROVIDERS: JSON.stringify({
      sdxl: { provider: 'gpu', model: 'sd_xl_base_1.0.safetensors' },
      minimax: { provider: 'llm', model: 'qwen2.5:7b' },
      flux: { provider: 'rep', model: 'black-forest-labs/flux-dev' },
    }),
  });
});
after(async () => {
  await t.close();
  await Promise.all([sd.close(), llm.close(), rep.close()]);
});

test('sdxl runs on Stable Diffusion WebUI', async () => {
  const u = await newUser(t);
  const made = await t.ok(Image, { input: { model: 'sdxl', prompt: 'mountains', width: 128, height: 128, steps: 5 } }, { token: u.token });
  await waitForTask(t, made.generateImage.databaseId);
  const r = await t.ok(Result, { id: String(made.generateImage.databaseId) }, { token: u.token });
  assert.equal(r.task.status, 'succeeded');
  assert.deepEqual(r.task.assets.map((a) => [a.kind, a.width, a.height]), [['image', 128, 128]]);
  assert.equal(sd.log.find((l) => l.path === '/sdapi/v1/txt2img')!.body.override_settings.sd_model_checkpoint, 'sd_xl_base_1.0.safetensors');
  assert.equal((r.task.output as any).provider, 'Stable Diffusion WebUI');
});

test('minimax runs on an OpenAI-compatible server, billed by the tokens it reports', async () => {
  const u = await newUser(t);
  const made = await t.ok(ChatTask, { input: { model: 'minimax', messages: [{ role: 'user', content: 'Is it sunny' }], maxTokens: 64 } }, { token: u.token });
  await waitForTask(t, made.createChatCompletion.databaseId);
  const r = await t.ok(Result, { id: String(made.createChatCompletion.databaseId) }, { token: u.token });
  assert.equal(r.task.status, 'succeeded');
  assert.match(r.task.texts[0]!, /^Stand-in answer about Is it sunny/);
  assert.equal(llm.log.find((l) => l.path === '/v1/chat/completions')!.body.model, 'qwen2.5:7b');
  assert.equal(r.task.cost, 1);
});

test('flux runs on Replicate', async () => {
  const u = await newUser(t);
  const made = await t.ok(Image, { input: { model: 'flux', prompt: 'a harbour at dawn', width: 64, height: 64, count: 2 } }, { token: u.token });
  await waitForTask(t, made.generateImage.databaseId);
  const r = await t.ok(Result, { id: String(made.generateImage.databaseId) }, { token: u.token });
  assert.equal(r.task.status, 'succeeded');
  assert.equal(r.task.assets.length, 2);
  assert.equal(r.task.cost, 6);
  const task = await t.app.deps.prisma.task.findUniqueOrThrow({ where: { id: made.generateImage.databaseId } });
  assert.match(task.providerJobId!, /^pred\d+$/);
});
