// What every operation can reach: the services' dependencies and the viewer.
import type { Metrics } from './lib/metrics.js';
import type { Config } from './config.js';
import type { PrismaClient, Sql } from './db.js';
import type { User } from './generated/prisma/client.js';
import type { Logger } from './logger.js';
import type { PasswordHasher } from './modules/auth/passwords.js';
import type { TokenSigner } from './modules/auth/tokens.js';
import type { Limits, RateState } from './modules/limits/limits.service.js';
import type { Queue } from './jobs/queue.js';
import type { ProviderRegistry } from './providers/registry.js';
import type { KeyUsage } from './modules/apikeys/key-usage.js';
import type { Leases } from './realtime/leases.js';
import type { PubSub } from './realtime/pubsub.js';
import type { Storage } from './storage/index.js';

export interface Deps {
  config: Config;
  prisma: PrismaClient;
  /** Prepared lookups on the pool, without Prisma's client (PostgreSQL only). */
  sql?: Sql;
  hasher: PasswordHasher;
  tokens: TokenSigner;
  pubsub: PubSub;
  storage: Storage;
  limits: Limits;
  /** Exclusive leases shared by every instance (e.g. one open stream per task). */
  leases: Leases;
  /** API key use, written in batches. */
  keyUsage: KeyUsage;
  /** The task queue. */
  queue: Queue;
  /** Webhook deliveries. */
  webhookQueue: Queue;
  registry: ProviderRegistry;
  log: Logger;
  /** Prometheus metrics; absent (and nothing counted) unless METRICS_PORT is set. */
  metrics?: Metrics;
}

export type Viewer =
  | { kind: 'anonymous' }
  | {
      kind: 'user';
      user: User;
      /** The login session of an access token; null for an API key. */
      sessionId: string | null;
      /** Set when the request authenticated with an API key: its id and permissions. */
      apiKey: { id: string; scopes: string[] } | null;
      /**
       * The credit balance read with the credential at the start of the request: a query (which
       * changes nothing) answers `credits` of its viewer from it instead of reading it again.
       */
      credits?: { available: number; reserved: number };
    };

export type UserViewer = Extract<Viewer, { kind: 'user' }>;

export interface RequestMeta {
  ip?: string;
  userAgent?: string;
  /** The Idempotency-Key header, for mutations that honour it. */
  idempotencyKey?: string;
}

export interface Context extends Deps {
  viewer: Viewer;
  meta: RequestMeta;
  /** Users this request has just signed in (login, register, refresh): their accounts are visible in the answer. */
  signedIn: Set<number>;
  /** The rate limit this request counted against, reported in X-RateLimit-* headers. */
  rate: { state?: RateState };
}

export const anonymous: Viewer = { kind: 'anonymous' };
