// One process at a time on the embedded database's folder. PGlite is PostgreSQL in one process with
// no lock of its own that works across processes (the postmaster.pid it writes holds a fixed, fake
// process id), so a second process on the same folder (`npm run create-admin` while the server
// runs, a second `npm start`) would write pages the first one never reads and may overwrite.
//
// The lock is a file naming its owner: process id, host name and the machine's boot. It is
// checked as PostgreSQL checks its own postmaster.pid: on the same host and boot, a file whose
// process no longer runs (the owner was killed) is stale and taken over at once, so a restart
// after a crash does not wait; a file from an earlier boot is stale too (its process id may now
// be anybody's). A file from another host (another container on a shared volume, where process
// ids say nothing) counts as held while its owner keeps touching it: the owner refreshes its
// modification time every HEARTBEAT_MS, and such a file untouched for STALE_MS is stale. A lock
// library built on modification times alone (proper-lockfile and the like) would make every
// restart after a crash wait out that period. As with PostgreSQL's file, two processes that find
// the same stale file at the same moment could both take it; what the lock is for (a second
// process started while one runs) is refused.
import { linkSync, readFileSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';

const HEARTBEAT_MS = 10_000;
const STALE_MS = 60_000;

export class DirectoryInUseError extends Error {
  constructor(
    readonly path: string,
    readonly pid: number,
    readonly host?: string,
  ) {
    super(
      host
        ? `the embedded database is in use by process ${pid} on host ${host} (${path}); stop that process first, or delete the file if it no longer runs`
        : `the embedded database is in use by process ${pid} (${path}); stop that process first, or delete the file if no such process is running`,
    );
    this.name = 'DirectoryInUseError';
  }
}

/** This boot of the machine (Linux's boot id); empty where there is none, and then not checked. */
function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Paths this process holds: a second lock on one of them here is refused like anybody else's. */
const held = new Set<string>();

/**
 * Takes the lock file at `path` for this process, or throws DirectoryInUseError naming the
 * process that holds it. Returns the release, which removes the file if it is still ours.
 * `heartbeatMs` (tests) changes how often the file is touched.
 */
export function lockFile(path: string, { heartbeatMs = HEARTBEAT_MS } = {}): () => void {
  if (held.has(path)) throw new DirectoryInUseError(path, process.pid);
  const content = `${process.pid}\n${hostname()}\n${bootId()}\n`;
  // The file appears whole (written aside, then linked in place), so nobody reads it half-written.
  const mine = `${path}.${process.pid}`;
  writeFileSync(mine, content);
  try {
    // A few tries: each after the removal of a stale file, in case another process took it meanwhile.
    for (let attempt = 0; ; attempt++) {
      try {
        place(mine, path, content);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        if (attempt >= 3) throw inUse(path, readOwner(path));
      }
      removeStale(path);
    }
  } finally {
    unlinkSync(mine);
  }
  held.add(path);
  // Touched now and then, for processes on other hosts sharing the folder.
  const heartbeat = setInterval(() => {
    const now = new Date();
    try {
      utimesSync(path, now, now);
    } catch {
      // Gone or replaced: the release checks.
    }
  }, heartbeatMs);
  heartbeat.unref();
  let released = false;
  return () => {
    if (released) return;
    released = true;
    clearInterval(heartbeat);
    held.delete(path);
    try {
      if (readFileSync(path, 'utf8') === content) unlinkSync(path);
    } catch {
      // Already gone.
    }
  };
}

/** Puts the file written aside at `path`, failing with EEXIST if there is one. */
function place(aside: string, path: string, content: string): void {
  try {
    linkSync(aside, path);
  } catch (err) {
    // A file system without hard links: create it in place instead.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw err;
    writeFileSync(path, content, { flag: 'wx' });
  }
}

interface Owner {
  pid: number;
  host?: string;
  boot?: string;
}

function readOwner(path: string): Owner | null {
  try {
    const [pid, host, boot] = readFileSync(path, 'utf8').split('\n');
    return { pid: Number.parseInt(pid ?? '', 10), host: host || undefined, boot: boot || undefined };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

const inUse = (path: string, owner: Owner | null) => new DirectoryInUseError(path, owner?.pid ?? NaN, owner?.host !== undefined && owner.host !== hostname() ? owner.host : undefined);

/** Whether the owner named in a lock file may still be using the folder. */
function alive(path: string, owner: Owner): boolean {
  if (!Number.isInteger(owner.pid) || owner.pid <= 0) return false;
  if (owner.host !== undefined && owner.host !== hostname()) {
    try {
      return Date.now() - statSync(path).mtimeMs < STALE_MS;
    } catch {
      return false;
    }
  }
  const boot = bootId();
  if (owner.boot !== undefined && boot && owner.boot !== boot) return false;
  // Our own id, or our parent's (npm start), was an earlier process's that had it: a container's restart.
  if (owner.pid === process.pid || owner.pid === process.ppid) return false;
  return running(owner.pid);
}

/** Removes the lock file unless its owner may still be using the folder. */
function removeStale(path: string): void {
  const owner = readOwner(path);
  if (owner && alive(path, owner)) throw inUse(path, owner);
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
