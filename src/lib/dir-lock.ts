// One process at a time on the embedded database's folder. PGlite is PostgreSQL in one process with
// no lock of its own that works across processes (the postmaster.pid it writes holds a fixed, fake
// process id), so a second process on the same folder (`npm run create-admin` while the server
// runs, a second `npm start`) would write pages the first one never reads and may overwrite.
//
// The lock is a file holding the owner's process id, checked as PostgreSQL checks its own
// postmaster.pid: a file whose process no longer runs (the owner was killed) is stale and taken
// over at once, so a restart after a crash does not wait. A lock library built on modification
// times (proper-lockfile and the like) would make that restart wait out its stale period, and
// could hand the lock to another process while the owner's event loop is blocked. As with
// PostgreSQL's file, two processes that find the same stale file at the same moment could both
// take it; what the lock is for (a second process started while one runs) is refused.
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';

export class DirectoryInUseError extends Error {
  constructor(
    readonly path: string,
    readonly pid: number,
  ) {
    super(`the embedded database is in use by process ${pid} (${path}); stop that process first, or delete the file if no such process is running`);
    this.name = 'DirectoryInUseError';
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

/**
 * Takes the lock file at `path` for this process, or throws DirectoryInUseError naming the
 * process that holds it. Returns the release, which removes the file if it is still ours.
 */
export function lockFile(path: string): () => void {
  // The file appears whole (written aside, then linked in place), so nobody reads it half-written.
  const mine = `${path}.${process.pid}`;
  writeFileSync(mine, `${process.pid}\n`);
  try {
    // A few tries: each after the removal of a stale file, in case another process took it meanwhile.
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(mine, path);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw err;
      }
      removeStale(path);
    }
  } finally {
    unlinkSync(mine);
  }
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    try {
      if (Number.parseInt(readFileSync(path, 'utf8'), 10) === process.pid) unlinkSync(path);
    } catch {
      // Already gone.
    }
  };
}

/** Removes the lock file unless a running process other than this one holds it. */
function removeStale(path: string): void {
  let owner = NaN;
  try {
    owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  // Our own id in the file was left by an earlier process that had it (a container's restart).
  if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && running(owner)) throw new DirectoryInUseError(path, owner);
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
