import { GraphQLError } from 'graphql';
import { Prisma } from '../generated/prisma/client.js';

/** The columns of a unique-constraint violation (P2002), or null for any other error. */
export function uniqueViolation(err: unknown): string[] | null {
  if (!(err instanceof Prisma.PrismaClientKnownRequestError) || err.code !== 'P2002') return null;
  const meta = err.meta as Record<string, any> | undefined;
  const target = meta?.target ?? meta?.driverAdapterError?.cause?.constraint?.fields;
  if (Array.isArray(target)) return target.map(String);
  if (typeof target === 'string') return [target];
  return [];
}

/** True when a record to update or delete was not found (P2025). */
export const isRecordNotFound = (err: unknown) =>
  err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2025';

// PostgreSQL's "connection lost / server going away" SQLSTATEs: admin_shutdown, crash_shutdown,
// cannot_connect_now, and the whole connection-exception class 08.
const UNAVAILABLE_SQLSTATE = /^(57P01|57P02|57P03|08\d{3})$/;
// Prisma's own codes for an unreachable or vanished database server.
const UNAVAILABLE_PRISMA = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
const UNAVAILABLE_MESSAGE =
  /Connection terminated|terminating connection due to administrator command|Server has closed the connection|Can't reach database server|ECONNREFUSED|ECONNRESET|Connection is closed|Client has encountered a connection error|Stream isn't writeable|Reached the max retries per request/i;

/** An error and the ones it wraps (GraphQL's originalError, cause), each once. */
function* chain(err: unknown): Generator<any> {
  const seen = new Set<unknown>();
  for (let e: any = err; e && typeof e === 'object' && !seen.has(e); e = e.originalError ?? e.cause) {
    seen.add(e);
    yield e;
  }
}

/**
 * True when an error (or one it wraps) says the database or Redis could not be reached or dropped
 * the connection: the request may succeed if sent again, unlike a bug.
 */
export function isUnavailable(err: unknown): boolean {
  for (const e of chain(err)) {
    if (typeof e.code === 'string' && (UNAVAILABLE_PRISMA.has(e.code) || UNAVAILABLE_SQLSTATE.test(e.code))) return true;
    const driver = e.meta?.driverAdapterError?.cause;
    if (typeof driver?.code === 'string' && UNAVAILABLE_SQLSTATE.test(driver.code)) return true;
    if (['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections'].includes(driver?.kind)) return true;
    // A GraphQL error's message is ours (and may echo the client's input): only the drivers' are read.
    if (!(e instanceof GraphQLError) && typeof e.message === 'string' && UNAVAILABLE_MESSAGE.test(e.message)) return true;
  }
  return false;
}

// Prisma's codes for a database that refuses us: authentication failed, does not exist, access denied.
const REFUSED_PRISMA = new Set(['P1000', 'P1003', 'P1010']);
// The same from PostgreSQL itself: invalid_catalog_name and the class 28 (authorization).
const REFUSED_SQLSTATE = /^(3D000|28\d{3})$/;

/**
 * At start-up: why the database (or Redis) could not be used, in one line, when the cause is
 * outside the code (unreachable, no such database, credentials refused); otherwise null.
 */
export function connectionProblem(err: unknown): string | null {
  const e = err as { code?: unknown; message?: unknown; meta?: { driverAdapterError?: { cause?: { originalMessage?: string } } } } | null;
  const refused = [...chain(err)].some((c) => typeof c.code === 'string' && (REFUSED_PRISMA.has(c.code) || REFUSED_SQLSTATE.test(c.code)));
  if (!refused && !isUnavailable(err)) return null;
  const message = typeof e?.message === 'string' ? e.message.trim().split('\n').at(-1)!.trim() : String(err);
  return e?.meta?.driverAdapterError?.cause?.originalMessage ?? message;
}
