// Logs a connection's errors without flooding the log while a service is away: ioredis reports
// every reconnection attempt (several a second), for each of a process's connections.
import type { EventEmitter } from 'node:events';

interface Log {
  warn(o: object, m: string): void;
  info(o: object, m: string): void;
}

/**
 * The first error at once, then at most one line per `everyMs` saying how many there were, and
 * one line when the connection is ready again (`ready` of `backOn`, the client itself by default).
 */
export function logConnectionErrors(client: EventEmitter, log: Log | undefined, fields: Record<string, unknown>, what: string, opts: { everyMs?: number; backOn?: EventEmitter } = {}) {
  const everyMs = opts.everyMs ?? 30_000;
  let errors = 0;
  let since = 0;
  let logged = 0;
  client.on('error', (err: Error) => {
    const now = Date.now();
    if (errors++ === 0) {
      since = logged = now;
      log?.warn({ ...fields, err: err.message }, `${what} error`);
    } else if (now - logged >= everyMs) {
      logged = now;
      log?.warn({ ...fields, err: err.message, errors, forMs: now - since }, `${what} still failing`);
    }
  });
  (opts.backOn ?? client).on('ready', () => {
    if (errors) log?.info({ ...fields, errors, forMs: Date.now() - since }, `${what} back`);
    errors = 0;
  });
}
