// A redis-server of a test's (or bench's) own, which it may stop and kill: the shared one must not be.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { until } from './wait.js';

export const haveRedisServer = () => spawnSync('redis-server', ['--version']).status === 0;

/** Starts redis-server on 127.0.0.1:`port` with `args` (e.g. persistence) and resolves once it answers PING. */
export async function startRedisServer(port: number, args: string[], timeoutMs = 10_000): Promise<ChildProcess> {
  const p = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', ...args], { stdio: 'ignore' });
  const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {});
  try {
    await until(
      'redis-server answering',
      async () => {
        try {
          if (probe.status !== 'ready') await probe.connect();
          return (await probe.ping()) === 'PONG';
        } catch {
          probe.disconnect();
          return false;
        }
      },
      timeoutMs,
    );
  } finally {
    probe.disconnect();
  }
  return p;
}
