// The local-folder storage (src/storage/index.ts), the embedded default: folders made on first
// use, overwrite, missing files, keys that would leave the folder, and a write that fails.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createLocalStorage } from '../../src/storage/index.js';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'genhub-storage-'));
});
after(() => rm(root, { recursive: true, force: true }));

test('put makes missing folders, writes the bytes, and overwrites; get returns them with their type; delete removes', async () => {
  const st = createLocalStorage(root);
  const text = Buffer.from('généré\n');
  await st.put('assets/7/deep/er/out.txt', text);
  assert.deepEqual(await readFile(join(root, 'assets/7/deep/er/out.txt')), text);
  assert.deepEqual(await st.get('assets/7/deep/er/out.txt'), { data: text, contentType: 'text/plain; charset=utf-8' });

  // Many writes into one new folder at once: each either finds it or makes it.
  await Promise.all(Array.from({ length: 50 }, (_, i) => st.put(`assets/8/f${i}.json`, Buffer.from(`{"i":${i}}`))));
  for (let i = 0; i < 50; i++) assert.equal((await st.get(`assets/8/f${i}.json`))?.data.toString(), `{"i":${i}}`);

  await st.put('assets/7/deep/er/out.txt', new Uint8Array([1, 2]));
  assert.deepEqual([...(await st.get('assets/7/deep/er/out.txt'))!.data], [1, 2], 'overwritten, not appended');
  assert.equal((await stat(join(root, 'assets/7/deep/er/out.txt'))).size, 2);

  await st.delete('assets/7/deep/er/out.txt');
  assert.equal(await st.get('assets/7/deep/er/out.txt'), null);
  await st.delete('assets/7/deep/er/out.txt'); // gone already: no error
  assert.equal(await st.get('assets/none.png'), null);
});

test('a key that leaves the folder is refused for put, get and delete', async () => {
  const st = createLocalStorage(root);
  for (const key of ['../escape.txt', 'assets/../../escape.txt', 'a/b/../../../escape.txt']) {
    await assert.rejects(st.put(key, Buffer.from('x')), /invalid storage key/, key);
    await assert.rejects(st.get(key), /invalid storage key/, key);
    await assert.rejects(st.delete(key), /invalid storage key/, key);
  }
});

test('a write that fails for another reason than a missing folder is that error (no folder is made)', async () => {
  const st = createLocalStorage(root);
  await st.put('plain/file.txt', Buffer.from('x'));
  // A file where a folder should be: not ENOENT, so not taken for a folder to make.
  await assert.rejects(st.put('plain/file.txt/child.txt', Buffer.from('y')), { code: 'ENOTDIR' });
  assert.equal((await st.get('plain/file.txt'))?.data.toString(), 'x');
});
