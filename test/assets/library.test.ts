// The asset library: listing by type and order, downloads, deleting by id and by URL, and
// nobody else's assets seen or touched.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { graphql } from '../gql/index.js';
import { codeOf, startTestServer, type TestServer } from '../helpers/harness.js';
import { newUser } from '../helpers/ops.js';
import { png, waitForTask } from '../helpers/tasks.js';

const LibraryImage = graphql(`mutation LibraryImage($input: GenerateImageInput!) { generateImage(input: $input) { databaseId } }`);
const LibraryVideo = graphql(`mutation LibraryVideo($input: GenerateVideoInput!) { generateVideo(input: $input) { databaseId } }`);
const LibraryAssets = graphql(`
  query LibraryAssets($type: AssetTypeFilter, $sort: AssetSort, $offset: Int, $limit: Int) {
    assets(type: $type, sort: $sort, offset: $offset, limit: $limit) {
      total offset limit
      items { id databaseId kind fileName mimeType size url thumbnailUrl downloadUrl }
    }
  }
`);
const LibraryConnection = graphql(`
  query LibraryConnection($type: AssetTypeFilter, $sort: AssetSort, $first: Int, $after: String) {
    assetsConnection(type: $type, sort: $sort, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { databaseId kind } }
    }
  }
`);
const LibraryAsset = graphql(`query LibraryAsset($id: ID!) { asset(id: $id) { databaseId url } }`);
const LibraryDelete = graphql(`mutation LibraryDelete($id: ID!) { deleteAsset(id: $id) }`);
const LibraryDeleteByUrl = graphql(`mutation LibraryDeleteByUrl($url: String!) { deleteAssetByUrl(url: $url) }`);
const LibraryRate = graphql(`mutation LibraryRate($assetId: ID!) { rateResult(assetId: $assetId, isLike: true, feedback: "keep") { isLike } }`);

let t: TestServer;
/** The library's owner: two image tasks and a video task. */
let owner: Awaited<ReturnType<typeof newUser>>;

before(async () => {
  t = await startTestServer({ DEMO_DELAY_MS: '20', SIGNUP_CREDITS: '100' });
  owner = await newUser(t);
  await images(owner.token, 'a red fox in snow', 2);
  const video = await t.ok(LibraryVideo, { input: { model: 'stable_video', image: { data: (await png(64, 64)).toString('base64') }, seconds: 1, fps: 4, width: 64, height: 64 } }, { token: owner.token });
  assert.equal((await waitForTask(t, video.generateVideo.databaseId)).status, 'succeeded');
  await images(owner.token, 'a lighthouse at dusk', 1);
  // Creation times that are not the id order: the video is the oldest, and the first task's two
  // images are created at the same instant (the id decides).
  const rows = await t.app.deps.prisma.asset.findMany({ where: { userId: owner.user.databaseId }, orderBy: { id: 'asc' } });
  await t.app.deps.prisma.asset.updateMany({ where: { userId: owner.user.databaseId, kind: 'video' }, data: { createdAt: new Date('2020-01-01T00:00:00Z') } });
  await t.app.deps.prisma.asset.updateMany({ where: { id: { in: [rows[0]!.id, rows[1]!.id] } }, data: { createdAt: new Date('2024-06-01T00:00:00Z') } });
});
after(() => t.close());

/** Generates `count` sdxl images and returns their asset rows. */
async function images(token: string, prompt: string, count: number) {
  const made = await t.ok(LibraryImage, { input: { model: 'sdxl', prompt, width: 64, height: 64, count } }, { token });
  const done = await waitForTask(t, made.generateImage.databaseId);
  assert.equal(done.status, 'succeeded', done.errorMessage ?? '');
  return t.app.deps.prisma.asset.findMany({ where: { taskId: done.id }, orderBy: { id: 'asc' } });
}

const fetchOf = async (path: string, headers: Record<string, string> = {}) => {
  const res = await fetch(path.startsWith('http') ? path : t.url + path, { headers });
  return { status: res.status, type: res.headers.get('content-type'), disposition: res.headers.get('content-disposition'), data: Buffer.from(await res.arrayBuffer()) };
};
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const ids = (items: { databaseId: number }[]) => items.map((a) => a.databaseId);
const basename = (key: string) => key.split('/').at(-1)!;

test('assets: only the viewer\'s, filtered by type, newest or oldest first (creation time, then id), paged', async () => {
  const rows = await t.app.deps.prisma.asset.findMany({ where: { userId: owner.user.databaseId } });
  const oldest = [...rows].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id - b.id).map((a) => a.id);
  const video = rows.find((a) => a.kind === 'video')!.id;
  const byId = [...rows].sort((a, b) => a.id - b.id).map((a) => a.id);
  assert.equal(rows.length, 4);

  const all = await t.ok(LibraryAssets, {}, { token: owner.token });
  assert.deepEqual([all.assets.total, all.assets.offset, all.assets.limit], [4, 0, 20]);
  assert.deepEqual(ids(all.assets.items), [...oldest].reverse(), 'newest first by default');
  assert.equal(ids(all.assets.items).at(-1), video, 'by creation time, not by id');
  assert.deepEqual(ids(all.assets.items).slice(1, 3), [byId[1], byId[0]], 'same creation time: higher id first');
  const old = await t.ok(LibraryAssets, { sort: 'oldest' }, { token: owner.token });
  assert.deepEqual(ids(old.assets.items), oldest);
  assert.equal(ids(old.assets.items)[0], video);

  const imgs = await t.ok(LibraryAssets, { type: 'image' }, { token: owner.token });
  assert.equal(imgs.assets.total, 3);
  assert.deepEqual(imgs.assets.items.map((a) => a.kind), ['image', 'image', 'image']);
  assert.deepEqual(ids(imgs.assets.items), [...oldest].reverse().filter((id) => id !== video));
  const oldImgs = await t.ok(LibraryAssets, { type: 'image', sort: 'oldest' }, { token: owner.token });
  assert.deepEqual(ids(oldImgs.assets.items), oldest.filter((id) => id !== video));
  const vids = await t.ok(LibraryAssets, { type: 'video' }, { token: owner.token });
  assert.deepEqual([vids.assets.total, ids(vids.assets.items)], [1, [video]]);
  const explicit = await t.ok(LibraryAssets, { type: 'all', sort: 'newest' }, { token: owner.token });
  assert.deepEqual(ids(explicit.assets.items), ids(all.assets.items));

  // Pages add up to the whole list; the total is the whole count on every page.
  const p1 = await t.ok(LibraryAssets, { limit: 3 }, { token: owner.token });
  const p2 = await t.ok(LibraryAssets, { limit: 3, offset: 3 }, { token: owner.token });
  const p3 = await t.ok(LibraryAssets, { limit: 3, offset: 6 }, { token: owner.token });
  assert.deepEqual([p1.assets.items.length, p2.assets.items.length, p3.assets.items.length], [3, 1, 0]);
  assert.deepEqual([p1.assets.total, p2.assets.total, p3.assets.total], [4, 4, 4]);
  assert.deepEqual([p2.assets.offset, p2.assets.limit], [3, 3]);
  assert.deepEqual([...ids(p1.assets.items), ...ids(p2.assets.items)], ids(all.assets.items));
  const bad = await t.gql(LibraryAssets, { limit: 101 }, { token: owner.token });
  assert.deepEqual([codeOf(bad), bad.errors![0]!.extensions!.field], ['BAD_USER_INPUT', 'limit']);
  assert.equal(codeOf(await t.gql(LibraryAssets, {})), 'UNAUTHENTICATED');
});

test('assetsConnection: the same order in Relay pages, with totalCount', async () => {
  const all = ids((await t.ok(LibraryAssets, {}, { token: owner.token })).assets.items);
  const first = await t.ok(LibraryConnection, { first: 3 }, { token: owner.token });
  assert.equal(first.assetsConnection.totalCount, 4);
  assert.equal(first.assetsConnection.pageInfo.hasNextPage, true);
  const rest = await t.ok(LibraryConnection, { first: 3, after: first.assetsConnection.pageInfo.endCursor }, { token: owner.token });
  assert.equal(rest.assetsConnection.pageInfo.hasNextPage, false);
  assert.deepEqual([...first.assetsConnection.edges, ...rest.assetsConnection.edges].map((e) => e.node.databaseId), all);

  const oldest = await t.ok(LibraryConnection, { sort: 'oldest', first: 10 }, { token: owner.token });
  assert.deepEqual(oldest.assetsConnection.edges.map((e) => e.node.databaseId), [...all].reverse());
  const videos = await t.ok(LibraryConnection, { type: 'video', first: 10 }, { token: owner.token });
  assert.equal(videos.assetsConnection.totalCount, 1);
  assert.deepEqual(videos.assetsConnection.edges.map((e) => e.node.kind), ['video']);
  const images = await t.ok(LibraryConnection, { type: 'image', sort: 'oldest', first: 2 }, { token: owner.token });
  assert.equal(images.assetsConnection.totalCount, 3);
  const more = await t.ok(LibraryConnection, { type: 'image', sort: 'oldest', first: 2, after: images.assetsConnection.pageInfo.endCursor }, { token: owner.token });
  assert.deepEqual([...images.assetsConnection.edges, ...more.assetsConnection.edges].map((e) => e.node.kind), ['image', 'image', 'image']);
});

test('downloadUrl: the original bytes as an attachment under the file name; url shows them inline', async () => {
  const { assets } = await t.ok(LibraryAssets, {}, { token: owner.token });
  assert.deepEqual(new Set(assets.items.map((a) => a.kind)), new Set(['image', 'video']));
  for (const a of assets.items) {
    const shown = await fetchOf(a.url);
    assert.equal(shown.status, 200);
    assert.equal(shown.type, a.mimeType);
    assert.equal(shown.disposition, `inline; filename="${a.fileName}"`);
    assert.match(a.downloadUrl, /^\/assets\/\d+\?exp=\d+&sig=[\w-]+&download=1$/);
    const got = await fetchOf(a.downloadUrl);
    assert.equal(got.status, 200);
    assert.equal(got.type, a.mimeType, 'the content type as stored');
    assert.equal(got.disposition, `attachment; filename="${a.fileName}"`);
    assert.equal(got.data.length, a.size);
    assert.equal(sha(got.data), sha(shown.data));
    const row = await t.app.deps.prisma.asset.findUniqueOrThrow({ where: { id: a.databaseId } });
    assert.equal(sha(got.data), sha((await t.app.deps.storage.get(row.storageKey))!.data), 'the stored file, unchanged');
    const thumb = await fetchOf(a.thumbnailUrl!);
    assert.equal(thumb.type, 'image/webp');
    assert.equal(thumb.disposition, `inline; filename="${a.fileName.replace(/\.[^.]*$/, '')}.thumb.webp"`);
  }
  // With the owner's credentials instead of a signature, too; a forged signature is a 404.
  const a = assets.items[0]!;
  const bare = await fetchOf(`/assets/${a.databaseId}?download=1`, { authorization: `Bearer ${owner.token}` });
  assert.equal(bare.disposition, `attachment; filename="${a.fileName}"`);
  assert.equal((await fetchOf(a.downloadUrl.replace(/sig=[^&]+/, 'sig=forged'))).status, 404);

  // A name outside ASCII: a quoted fallback and the UTF-8 name in filename* (RFC 6266).
  const [own] = await images(owner.token, 'renard', 1);
  await t.app.deps.prisma.asset.update({ where: { id: own!.id }, data: { fileName: 'renard à "la" neige.png' } });
  const named = (await t.ok(LibraryAsset, { id: String(own!.id) }, { token: owner.token })).asset;
  const res = await fetchOf(`${named.url}&download=1`);
  assert.equal(res.disposition, `attachment; filename="renard _ _la_ neige.png"; filename*=UTF-8''renard%20%C3%A0%20%22la%22%20neige.png`);
  await t.ok(LibraryDelete, { id: String(own!.id) }, { token: owner.token });
});

test('deleteAsset: gone from the library, its URLs 404 and its files removed; its feedback goes too', async () => {
  const u = await newUser(t);
  const rows = await images(u.token, 'three birds', 3);
  const doomed = rows[1]!;
  const { assets } = await t.ok(LibraryAssets, {}, { token: u.token });
  const item = assets.items.find((a) => a.databaseId === doomed.id)!;
  await t.ok(LibraryRate, { assetId: item.id }, { token: u.token });
  assert.equal(await t.app.deps.prisma.taskFeedback.count({ where: { assetId: doomed.id } }), 1);

  assert.equal((await t.ok(LibraryDelete, { id: item.id }, { token: u.token })).deleteAsset, true);
  const after = await t.ok(LibraryAssets, {}, { token: u.token });
  assert.equal(after.assets.total, 2);
  assert.ok(!ids(after.assets.items).includes(doomed.id));
  assert.equal((await fetchOf(item.url)).status, 404);
  assert.equal((await fetchOf(item.downloadUrl)).status, 404);
  assert.equal((await fetchOf(item.thumbnailUrl!)).status, 404);
  assert.equal(await t.app.deps.storage.get(doomed.storageKey), null);
  assert.equal(await t.app.deps.storage.get(doomed.thumbnailKey!), null);
  assert.equal(await t.app.deps.prisma.taskFeedback.count({ where: { assetId: doomed.id } }), 0);
  assert.equal(codeOf(await t.gql(LibraryAsset, { id: item.id }, { token: u.token })), 'NOT_FOUND');
  // The others are untouched; a numeric id works, and a storage failure does not undo the delete.
  assert.equal((await fetchOf(assets.items.find((a) => a.databaseId === rows[0]!.id)!.url)).status, 200);
  const { storage } = t.app.deps;
  const remove = storage.delete;
  storage.delete = async () => {
    throw new Error('storage is down');
  };
  try {
    assert.equal((await t.ok(LibraryDelete, { id: String(rows[0]!.id) }, { token: u.token })).deleteAsset, true);
  } finally {
    storage.delete = remove;
  }
  assert.equal(await t.app.deps.prisma.asset.count({ where: { id: rows[0]!.id } }), 0);
  const again = await t.gql(LibraryDelete, { id: item.id }, { token: u.token });
  assert.deepEqual([codeOf(again), again.errors![0]!.extensions!.field], ['NOT_FOUND', 'id']);
  const notAnId = await t.gql(LibraryDelete, { id: 'nope' }, { token: u.token });
  assert.deepEqual([codeOf(notAnId), notAnId.errors![0]!.extensions!.field], ['BAD_USER_INPUT', 'id']);
  assert.equal((await t.ok(LibraryAssets, {}, { token: u.token })).assets.total, 1);
});

test('deleteAssetByUrl: a signed URL (relative or absolute, thumbnail too) or a legacy path ending in the file name', async () => {
  const u = await newUser(t);
  const rows = await images(u.token, 'four cats', 4);
  const { assets } = await t.ok(LibraryAssets, { sort: 'oldest' }, { token: u.token });
  const remaining = () => t.ok(LibraryAssets, { sort: 'oldest' }, { token: u.token }).then((r) => ids(r.assets.items));
  const del = (url: string) => t.gql(LibraryDeleteByUrl, { url }, { token: u.token });

  assert.equal((await del(assets.items[0]!.url)).data?.deleteAssetByUrl, true, 'the signed URL');
  assert.deepEqual(await remaining(), [rows[1]!.id, rows[2]!.id, rows[3]!.id]);
  assert.equal(await t.app.deps.storage.get(rows[0]!.storageKey), null);
  assert.equal((await del(t.url + assets.items[1]!.thumbnailUrl)).data?.deleteAssetByUrl, true, 'an absolute thumbnail URL');
  assert.equal((await del(`/static/generated/${rows[2]!.fileName}`)).data?.deleteAssetByUrl, true, 'the legacy form, by file name');
  assert.equal(await t.app.deps.storage.get(rows[2]!.storageKey), null);
  assert.deepEqual(await remaining(), [rows[3]!.id]);

  // Only a whole name matches, not a part of one.
  const partial = await del(`/static/generated/${basename(rows[3]!.storageKey).slice(4)}`);
  assert.deepEqual([codeOf(partial), partial.errors![0]!.extensions!.field], ['NOT_FOUND', 'url']);
  assert.equal((await del(`https://example.com/static/generated/${basename(rows[3]!.storageKey)}?v=2`)).data?.deleteAssetByUrl, true, 'by the stored name');
  assert.deepEqual(await remaining(), []);

  for (const url of ['/static/generated/img_123.png', assets.items[0]!.url, '/assets/999999999', '/assets/99999999999/thumbnail']) {
    const r = await del(url);
    assert.deepEqual([codeOf(r), r.errors![0]!.extensions!.field, r.errors![0]!.message], ['NOT_FOUND', 'url', 'Asset not found'], url);
  }
  for (const url of ['', '   ', '/static/generated/', 'javascript:alert(1)', 'http://[::1', '/static/a%ZZ.png', '/static/img\u0000.png', '/x/..%2F..%2Fetc%2Fpasswd%00']) {
    const r = await del(url);
    assert.deepEqual([codeOf(r), r.errors![0]!.extensions!.field], ['BAD_USER_INPUT', 'url'], JSON.stringify(url));
  }
});

test('another user cannot list, read, download, delete or delete by URL the owner\'s asset; it is still there afterwards', async () => {
  const other = await newUser(t);
  const { assets } = await t.ok(LibraryAssets, {}, { token: owner.token });
  const target = assets.items.find((a) => a.kind === 'image')!;
  const row = await t.app.deps.prisma.asset.findUniqueOrThrow({ where: { id: target.databaseId } });

  const theirs = await t.ok(LibraryAssets, {}, { token: other.token });
  assert.deepEqual([theirs.assets.total, theirs.assets.items], [0, []]);
  assert.equal((await t.ok(LibraryConnection, { first: 10 }, { token: other.token })).assetsConnection.totalCount, 0);
  assert.equal(codeOf(await t.gql(LibraryAsset, { id: target.id }, { token: other.token })), 'NOT_FOUND');
  for (const path of [`/assets/${target.databaseId}`, `/assets/${target.databaseId}?download=1`, `/assets/${target.databaseId}/thumbnail`]) {
    assert.equal((await fetchOf(path, { authorization: `Bearer ${other.token}` })).status, 404, path);
    assert.equal((await fetchOf(path)).status, 404, path);
  }

  // The same answer as for an asset that does not exist: existence is not revealed.
  const missing = await t.gql(LibraryDelete, { id: '999999999' }, { token: other.token });
  const stolen = await t.gql(LibraryDelete, { id: target.id }, { token: other.token });
  assert.deepEqual([codeOf(stolen), stolen.errors![0]!.extensions!.field], ['NOT_FOUND', 'id']);
  assert.equal(stolen.errors![0]!.message, missing.errors![0]!.message);
  const missingUrl = await t.gql(LibraryDeleteByUrl, { url: '/static/generated/img_404.png' }, { token: other.token });
  for (const url of [target.url, target.downloadUrl, `/static/generated/${row.fileName}`, `/static/generated/${basename(row.storageKey)}`]) {
    const r = await t.gql(LibraryDeleteByUrl, { url }, { token: other.token });
    assert.deepEqual([codeOf(r), r.errors![0]!.extensions!.field, r.errors![0]!.message], ['NOT_FOUND', 'url', missingUrl.errors![0]!.message], url);
  }

  assert.ok(await t.app.deps.prisma.asset.findUnique({ where: { id: target.databaseId } }));
  assert.ok(await t.app.deps.storage.get(row.storageKey));
  assert.equal((await fetchOf(target.url)).status, 200);
  assert.equal((await t.ok(LibraryAsset, { id: target.id }, { token: owner.token })).asset.databaseId, target.databaseId);
  assert.equal((await t.ok(LibraryAssets, {}, { token: owner.token })).assets.total, 4);
});
