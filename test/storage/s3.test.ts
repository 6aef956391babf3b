// S3-compatible storage against a local S3 stand-in that verifies every request's signature.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createS3Storage } from '../../src/storage/s3.js';
import { graphql } from '../gql/index.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { newUser } from '../helpers/ops.js';
import { startS3StandIn } from '../helpers/standins/s3.js';
import { waitForTask } from '../helpers/tasks.js';

const creds = { bucket: 'genhub-assets', accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-secret-key-for-tests' };
let s3: Awaited<ReturnType<typeof startS3StandIn>>;
before(async () => {
  s3 = await startS3StandIn(creds);
});
after(() => s3.close());

const storage = (secret = creds.secretAccessKey) =>
  createS3Storage({ bucket: creds.bucket, region: 'eu-west-1', endpoint: s3.url, accessKeyId: creds.accessKeyId, secretAccessKey: secret, prefix: 'prod/', forcePathStyle: true });

test('put, get and delete objects with signed requests; a missing object is null', async () => {
  const st = storage();
  const data = Buffer.from('\x89PNG fake bytes for storage');
  await st.put('assets/1/a b.png', data);
  assert.deepEqual(s3.objects.get('prod/assets/1/a b.png')?.type, 'image/png');
  const got = await st.get('assets/1/a b.png');
  assert.deepEqual(got?.data, data);
  assert.equal(got?.contentType, 'image/png');
  assert.equal(await st.get('assets/1/none.png'), null);
  await st.delete('assets/1/a b.png');
  assert.equal(await st.get('assets/1/a b.png'), null);
  await assert.rejects(storage('wrong-secret').put('x.png', data), /signature mismatch|SignatureDoesNotMatch/);
  await assert.rejects(st.put('../escape.png', data), /invalid storage key/);
});

test('task results are kept in the bucket and served from it to their owner', async () => {
  const t: TestServer = await startTestServer({
    DEMO_DELAY_MS: '0',
    S3_BUCKET: creds.bucket,
    S3_ENDPOINT: s3.url,
    S3_REGION: 'eu-west-1',
    S3_ACCESS_KEY_ID: creds.accessKeyId,
    S3_SECRET_ACCESS_KEY: creds.secretAccessKey,
    S3_PREFIX: 'app/',
  });
  try {
    const u = await newUser(t);
    const made = await t.ok(graphql(`mutation S3Image { generateImage(input: { model: "sd15", prompt: "stored in s3", width: 64, height: 64 }) { id databaseId } }`), {}, { token: u.token });
    await waitForTask(t, made.generateImage.databaseId);
    const r = await t.ok(graphql(`query S3Task($id: ID!) { task(id: $id) { status assets { url thumbnailUrl } } }`), { id: made.generateImage.id }, { token: u.token });
    assert.equal(r.task.status, 'succeeded');
    const keys = [...s3.objects.keys()].filter((k) => k.startsWith('app/assets/'));
    assert.equal(keys.length, 2, 'the image and its thumbnail');
    const res = await fetch(t.url + r.task.assets[0]!.url);
    assert.equal(res.status, 200);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), s3.objects.get(keys.find((k) => k.endsWith('.png'))!)!.data);
  } finally {
    await t.close();
  }
});
