// API key use (a count and the last time) is recorded in memory and written once a second in one
// statement for every key used, instead of an UPDATE of the key's row on every request (which
// serialised all requests of one key on that row's lock). Reads add what is not written yet; a
// process that dies loses at most a second of counts, never a request.
import type { PrismaClient } from '../../generated/prisma/client.js';

export interface KeyUsage {
  record(keyId: string, at?: Date): void;
  /** What this process has counted and not written yet. */
  pending(keyId: string): { count: number; lastUsedAt: Date } | undefined;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function createKeyUsage(prisma: PrismaClient, log: { warn(o: object, m: string): void }, everyMs = 1000): KeyUsage {
  let counts = new Map<string, { count: number; lastUsedAt: Date }>();
  // The batch being written: still counted by pending() until its statement has committed.
  let inFlight = new Map<string, { count: number; lastUsedAt: Date }>();
  let writing: Promise<void> = Promise.resolve();
  const flush = () => {
    writing = writing.then(async () => {
      if (!counts.size) return;
      const batch = counts;
      inFlight = batch;
      counts = new Map();
      const ids = [...batch.keys()];
      const n = ids.map((id) => batch.get(id)!.count);
      const at = ids.map((id) => batch.get(id)!.lastUsedAt.toISOString());
      try {
        await prisma.$executeRaw`
          UPDATE api_keys k SET usage_count = k.usage_count + v.n, last_used_at = GREATEST(COALESCE(k.last_used_at, v.at), v.at)
          FROM unnest(${ids}::text[], ${n}::int[], ${at}::timestamptz[]) AS v(id, n, at) WHERE k.id = v.id`;
      } catch (err) {
        log.warn({ err, keys: ids.length }, 'could not record API key use; kept for the next write');
        for (const [id, u] of batch) {
          const now = counts.get(id);
          counts.set(id, { count: u.count + (now?.count ?? 0), lastUsedAt: now && now.lastUsedAt > u.lastUsedAt ? now.lastUsedAt : u.lastUsedAt });
        }
      } finally {
        inFlight = new Map();
      }
    });
    return writing;
  };
  const timer = setInterval(() => void flush(), everyMs);
  timer.unref();
  return {
    record(keyId, at = new Date()) {
      const u = counts.get(keyId);
      if (u) {
        u.count++;
        if (at > u.lastUsedAt) u.lastUsedAt = at;
      } else counts.set(keyId, { count: 1, lastUsedAt: at });
    },
    pending(keyId) {
      const a = counts.get(keyId);
      const b = inFlight.get(keyId);
      if (!a || !b) return a ?? b;
      return { count: a.count + b.count, lastUsedAt: a.lastUsedAt > b.lastUsedAt ? a.lastUsedAt : b.lastUsedAt };
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
