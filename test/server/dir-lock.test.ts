// The embedded database's lock file (src/lib/dir-lock.ts): held by a running process, taken over
// from a process that no longer runs, released only by its owner.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DirectoryInUseError, lockFile } from '../../src/lib/dir-lock.js';

const dir = mkdtempSync(join(tmpdir(), 'genhub-lock-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A process that runs until killed, and its exit. */
function idleProcess() {
  const proc = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  const exited = new Promise((r) => proc.once('exit', r));
  return { pid: proc.pid!, kill: async () => (proc.kill('SIGKILL'), await exited) };
}

const pidIn = (path: string) => Number.parseInt(readFileSync(path, 'utf8'), 10);

test('a new lock file names this process and host, and its release removes it', () => {
  const path = join(dir, 'a.lock');
  const release = lockFile(path);
  const [pid, host] = readFileSync(path, 'utf8').split('\n');
  assert.equal(Number(pid), process.pid);
  assert.equal(host, hostname());
  assert.deepEqual(readdirSync(dir), ['a.lock'], 'nothing else is left beside it');
  release();
  assert.equal(existsSync(path), false);
  release(); // twice: nothing to do
});

test('a lock held by a running process is refused, naming it; once that process is gone it is taken over', async () => {
  const path = join(dir, 'b.lock');
  const other = idleProcess();
  try {
    writeFileSync(path, `${other.pid}\n`);
    assert.throws(
      () => lockFile(path),
      (err: unknown) => err instanceof DirectoryInUseError && err.pid === other.pid && err.message.includes(`process ${other.pid}`) && err.message.includes(path),
    );
    assert.equal(readFileSync(path, 'utf8'), `${other.pid}\n`, 'the holder keeps its file');
  } finally {
    await other.kill();
  }
  // Killed without releasing: the file stays, and the next process takes it at once.
  const release = lockFile(path);
  assert.equal(pidIn(path), process.pid);
  release();
});

test('a file with this process id (an earlier holder with the same id), or no id, is stale', () => {
  for (const content of [`${process.pid}\n`, '', 'garbage']) {
    const path = join(dir, 'c.lock');
    writeFileSync(path, content);
    const release = lockFile(path);
    assert.equal(pidIn(path), process.pid, JSON.stringify(content));
    release();
  }
});

test('the release leaves a file that another process holds by then', async () => {
  const path = join(dir, 'd.lock');
  const release = lockFile(path);
  const other = idleProcess();
  try {
    writeFileSync(path, `${other.pid}\n`);
    release();
    assert.equal(readFileSync(path, 'utf8'), `${other.pid}\n`);
  } finally {
    await other.kill();
  }
});

test('a second lock in the same process is refused, and the first release still removes the file', () => {
  const path = join(dir, 'e.lock');
  const release = lockFile(path);
  assert.throws(() => lockFile(path), (err: unknown) => err instanceof DirectoryInUseError && err.pid === process.pid);
  release();
  assert.equal(existsSync(path), false);
});

test("a running process's id from an earlier boot is stale", async () => {
  const path = join(dir, 'f.lock');
  const other = idleProcess();
  try {
    writeFileSync(path, `${other.pid}\n${hostname()}\nsome-earlier-boot\n`);
    const release = lockFile(path);
    assert.equal(pidIn(path), process.pid);
    release();
  } finally {
    await other.kill();
  }
});

test("another host's lock is held while its owner touches it, and stale after a minute without", () => {
  const path = join(dir, 'g.lock');
  writeFileSync(path, `1\nsome-other-container\nits-boot\n`);
  assert.throws(
    () => lockFile(path),
    (err: unknown) => err instanceof DirectoryInUseError && err.host === 'some-other-container' && err.message.includes('on host some-other-container'),
  );
  const old = new Date(Date.now() - 61_000);
  utimesSync(path, old, old);
  const release = lockFile(path);
  assert.equal(pidIn(path), process.pid);
  release();
});

test('the owner touches its file while it holds it, and stops once released', async () => {
  const path = join(dir, 'h.lock');
  const release = lockFile(path, { heartbeatMs: 50 });
  const old = new Date(Date.now() - 61_000);
  utimesSync(path, old, old);
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(Date.now() - statSync(path).mtimeMs < 1_000, 'touched again');
  release();
  writeFileSync(path, 'someone else\n');
  utimesSync(path, old, old);
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(Date.now() - statSync(path).mtimeMs > 60_000, 'not touched after the release');
  rmSync(path);
});
