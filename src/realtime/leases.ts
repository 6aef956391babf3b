// Exclusive, expiring leases: "only one of these at a time", e.g. one open stream per task. In
// one process (embedded mode) a map; with Redis, a key set with NX and an expiry that the holder
// keeps extending, so a lease is shared by every API instance and freed within its TTL when its
// holder dies. Redis unreachable: the process's own map still holds (fails open across instances).
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

export type Release = () => Promise<void>;

export interface Leases {
  /** Takes the lease named `key`, or null when someone holds it. Release it when done. */
  acquire(key: string, ttlMs?: number): Promise<Release | null>;
}

const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const DROP = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export function createLeases(opts: { redis?: Redis; prefix?: string; log?: { warn(o: object, m: string): void } } = {}): Leases {
  const local = new Set<string>();
  const { redis, prefix = '', log } = opts;
  return {
    async acquire(key, ttlMs = 30_000) {
      if (local.has(key)) return null;
      local.add(key);
      const name = `${prefix}lease:${key}`;
      const token = randomUUID();
      let shared = false;
      if (redis) {
        try {
          if ((await redis.set(name, token, 'PX', ttlMs, 'NX')) !== 'OK') {
            local.delete(key);
            return null;
          }
          shared = true;
        } catch (err) {
          log?.warn({ err: (err as Error).message, key }, 'lease not shared: redis unavailable');
          // A Redis that stopped answering may still apply the SET once it does: taken back then,
          // so that no instance sees a lease nobody holds until it expires.
          redis.eval(DROP, 1, name, token).catch(() => {});
        }
      }
      const timer = shared
        ? setInterval(() => void redis!.eval(EXTEND, 1, name, token, String(ttlMs)).catch(() => {}), Math.max(1000, Math.floor(ttlMs / 3)))
        : null;
      timer?.unref();
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        if (timer) clearInterval(timer);
        local.delete(key);
        if (shared) await redis!.eval(DROP, 1, name, token).catch(() => {});
      };
    },
  };
}
