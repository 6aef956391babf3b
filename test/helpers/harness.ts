// Starts the whole server in-process on a free port with an isolated database, and runs
// codegen-typed GraphQL operations against it over real HTTP.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type DocumentNode } from 'graphql';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { openTestDatabase } from './database.js';

export interface GqlError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; field?: string; fields?: { path: string[]; message: string }[]; [k: string]: unknown };
}

export interface GqlResult<T> {
  status: number;
  data: T | null | undefined;
  errors: GqlError[] | undefined;
}

export interface TestServer {
  url: string;
  wsUrl: string;
  app: App;
  /** Runs an operation; `token` becomes `Authorization: Bearer <token>`. */
  gql<T, V>(doc: TypedDocumentNode<T, V> | DocumentNode, variables?: V, opts?: { token?: string; headers?: Record<string, string> }): Promise<GqlResult<T>>;
  /** Like gql, but fails the test on any error and returns data. */
  ok<T, V>(doc: TypedDocumentNode<T, V>, variables?: V, opts?: { token?: string }): Promise<T>;
  close(): Promise<void>;
}

export async function startTestServer(env: Record<string, string> = {}, opts: { log?: Logger } = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'genhub-test-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    JWT_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ARGON2_MEMORY_KIB: '4096',
    REDIS_PREFIX: `genhub-test:${process.pid}:${randomBytes(3).toString('hex')}:`,
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    ...env,
  });
  const db = await openTestDatabase();
  const app = await createApp(config, { db, log: opts.log ?? createLogger(config.LOG_LEVEL) });
  const url = await app.http.listen(0, '127.0.0.1');

  const gql: TestServer['gql'] = async (doc, variables, opts = {}) => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...opts.headers,
      },
      body: JSON.stringify({ query: typeof doc === 'string' ? doc : print(doc as DocumentNode), variables }),
    });
    const body = (await res.json()) as { data?: any; errors?: GqlError[] };
    return { status: res.status, data: body.data, errors: body.errors };
  };

  return {
    url,
    wsUrl: url.replace(/^http/, 'ws') + '/graphql',
    app,
    gql,
    ok: async (doc, variables, opts) => {
      const r = await gql(doc, variables, opts);
      if (r.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
      return r.data!;
    },
    close: async () => {
      await app.close();
      await db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The first error's code, for assertions. */
export const codeOf = (r: GqlResult<unknown>) => r.errors?.[0]?.extensions?.code;
