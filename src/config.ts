// Every environment variable the server reads, parsed and typed once.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { backendSchema, routeSchema } from './providers/config.js';
import { DEFAULT_TIER_LIMITS, TIERS, type Tier, type TierLimits } from './modules/limits/tiers.js';

const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off', ''])
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('0.0.0.0'),
  /**
   * Prometheus metrics at /metrics on a port of their own (API and worker processes alike); off
   * when unset. Keep the port private: it has no authentication.
   */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** The address the metrics port listens on: this machine only unless set (e.g. 0.0.0.0 in a container). */
  METRICS_HOST: z.string().default('127.0.0.1'),
  /** Where the embedded database, the generated JWT secret and local files live. */
  DATA_DIR: z.string().default('./.data'),
  /** PostgreSQL; unset means the embedded database (PGlite) in DATA_DIR. */
  DATABASE_URL: z.string().url().optional(),
  /** Apply pending migrations at start when DATABASE_URL is set (always done in embedded mode). */
  MIGRATE_ON_START: bool.default(false),
  /** Prepare each statement once per pooled connection (off behind a pooler that cannot keep them, e.g. PgBouncer in transaction mode before 1.21). */
  DATABASE_PREPARED_STATEMENTS: bool.default(true),
  /** Seconds any one statement on PostgreSQL may run (a lock wait included) before it is canceled; 0: no limit. */
  DATABASE_STATEMENT_TIMEOUT: z.coerce.number().min(0).default(30),
  /** Redis; set, it switches to BullMQ queues, Redis pub/sub and Redis-backed rate limits. */
  REDIS_URL: z.string().optional(),
  /** Prefix for every Redis key and channel, so several deployments can share one Redis. */
  REDIS_PREFIX: z.string().default('genhub:'),
  JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters').optional(),
  ACCESS_TOKEN_TTL: z.coerce.number().int().positive().default(15 * 60),
  REFRESH_TOKEN_TTL: z.coerce.number().int().positive().default(30 * 24 * 3600),
  /** Credits every new account receives (0 turns the grant off). */
  SIGNUP_CREDITS: z.coerce.number().int().min(0).default(100),
  ADMIN_EMAIL: z.string().email().optional(),
  ADMIN_PASSWORD: z.string().optional(),
  ADMIN_USERNAME: z.string().default('admin'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** GraphiQL at /graphql; defaults to on outside production. */
  GRAPHIQL: bool.optional(),
  /** Schema introspection; defaults to off in production. */
  GRAPHQL_INTROSPECTION: bool.optional(),
  /**
   * Trusted documents: a JSON file mapping operation ids (e.g. sha256 hashes) to GraphQL
   * operations, run when a request names one (extensions.persistedQuery.sha256Hash or documentId).
   */
  PERSISTED_OPERATIONS_FILE: z.string().optional(),
  /** With PERSISTED_OPERATIONS_FILE: refuse every other operation (the REST layer's own still run). */
  PERSISTED_OPERATIONS_ONLY: bool.default(false),
  /** Comma-separated origins allowed by CORS; empty allows none but same-origin. */
  CORS_ORIGINS: z.string().default(''),
  AVATAR_MAX_BYTES: z.coerce.number().int().positive().default(5 * 1024 * 1024),
  /** Seconds a SIGTERM waits for open requests before closing. */
  SHUTDOWN_GRACE: z.coerce.number().positive().default(10),
  /** graphql-armor limits, checked before a query runs. */
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().positive().default(12),
  GRAPHQL_MAX_ALIASES: z.coerce.number().int().positive().default(20),
  GRAPHQL_MAX_TOKENS: z.coerce.number().int().positive().default(5000),
  GRAPHQL_MAX_COST: z.coerce.number().int().positive().default(10000),
  ARGON2_MEMORY_KIB: z.coerce.number().int().positive().default(19456),
  /** API requests per minute per user (or per IP address when anonymous), in every tier. */
  RATE_LIMIT_API_PER_MINUTE: z.coerce.number().int().positive().default(600),
  /**
   * Per-tier AI limits over the defaults, as JSON: {"free":{"perMinute":10,"daily":50,"weekly":350,"monthly":1500},…};
   * null is unlimited.
   */
  TIER_LIMITS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (!v) return {};
      try {
        return tierLimitsSchema.parse(JSON.parse(v));
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `must be JSON like {"free":{"perMinute":10}}: ${(err as Error).message}` });
        return z.NEVER;
      }
    }),
  /** Take the client address from X-Forwarded-For (behind a reverse proxy). */
  TRUST_PROXY: bool.default(false),
  /** Hours an Idempotency-Key and its stored response are kept. */
  IDEMPOTENCY_TTL_HOURS: z.coerce.number().int().min(24).max(24 * 30).default(24),
  /** Tasks one worker process runs at once. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(4),
  /** Runs of a task before it fails for good (retryable backend errors, workers that died). */
  TASK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(3),
  /** First retry delay in ms; doubles with each attempt. */
  TASK_BACKOFF_MS: z.coerce.number().int().min(0).default(2000),
  /** Ms a worker holds a task before another may take it over (its process died). */
  TASK_LOCK_MS: z.coerce.number().int().min(1000).default(30000),
  /**
   * Ms between sweeps that queue again the tasks the queue lost (a crash between commit and
   * enqueue, a Redis restart without its data); a queued task is taken as lost once it has waited
   * this long.
   */
  TASK_SWEEP_MS: z.coerce.number().int().min(1000).default(30000),
  /** Seconds a task may take from creation before it is canceled, unless the request says otherwise. */
  TASK_DEADLINE: z.coerce.number().int().min(1).max(7 * 86400).default(3600),
  /** Milliseconds the demo provider spends on a task, in progress stages. */
  DEMO_DELAY_MS: z.coerce.number().int().min(0).max(600_000).default(2000),
  /** Named AI backends, as JSON: {"sd":{"type":"sdwebui","url":"http://gpu:7860"},"llm":{"type":"openai","url":"http://ollama:11434/v1"}}. */
  PROVIDERS: jsonSetting(z.record(z.string(), backendSchema)),
  /** Which backend runs which model, as JSON: {"sdxl":{"provider":"sd","model":"sd_xl_base_1.0"}}. */
  MODEL_PROVIDERS: jsonSetting(z.record(z.string(), routeSchema)),
  /** Largest uploaded image (task inputs). */
  UPLOAD_MAX_BYTES: z.coerce.number().int().positive().default(10 * 1024 * 1024),
  /** Set to keep files in an S3-compatible bucket instead of DATA_DIR/files. */
  S3_BUCKET: z.string().optional(),
  S3_REGION: z.string().default('us-east-1'),
  /** The S3-compatible server (MinIO, R2…); unset means AWS. */
  S3_ENDPOINT: z.string().url().optional(),
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  S3_PREFIX: z.string().default(''),
  /** Bucket in the URL path (default when S3_ENDPOINT is set). */
  S3_FORCE_PATH_STYLE: bool.optional(),
  /** Seconds a signed asset URL stays valid. */
  ASSET_URL_TTL: z.coerce.number().int().min(60).default(3600),
  /** WeChat OAuth (AIDeer's code login): the API base, and the app's id and secret. */
  WECHAT_API_URL: z.string().url().default('https://api.weixin.qq.com'),
  WECHAT_APP_ID: z.string().optional(),
  WECHAT_APP_SECRET: z.string().optional(),
  /** Google sign-in (the Image Generator's credential login): the OAuth client id ID tokens must name, and Google's JWKS. */
  GOOGLE_CLIENT_ID: z.string().optional(),
  GOOGLE_JWKS_URL: z.string().url().default('https://www.googleapis.com/oauth2/v3/certs'),
  /** Seconds a web session (the Image Generator's cookie) lasts: 24 hours, as seed 003 documents. */
  WEB_SESSION_TTL: z.coerce.number().int().min(60).default(86400),
  /** AIDeer's /utils endpoints (init, admin, drop) answer only when this is on. Never in production. */
  DEBUG: bool.default(false),
  /** Delays before each webhook attempt, comma-separated (ms, or with s/m/h): Svix's schedule by default. */
  WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .default('0,5s,5m,30m,2h,5h,10h,10h')
    .transform((v, ctx) => {
      const out = v.split(',').map((p) => {
        const m = /^\s*(\d+)\s*(ms|s|m|h)?\s*$/.exec(p);
        return m ? Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 'ms') as 'ms'] : NaN;
      });
      if (!out.length || out.some((n) => !Number.isFinite(n))) {
        ctx.addIssue({ code: 'custom', message: 'must be delays like 0,5s,5m,30m,2h' });
        return z.NEVER;
      }
      return out;
    }),
  /** Milliseconds to wait for a webhook receiver's answer. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
  /** An endpoint failing this long (ms, every attempt since) is disabled. Default 5 days. */
  WEBHOOK_DISABLE_AFTER_MS: z.coerce.number().int().min(0).default(5 * 86_400_000),
  /** Hosts or IPs webhooks may reach even though they are private, loopback or link-local (comma-separated). */
  WEBHOOK_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean)),
});

/** A setting holding JSON checked by `inner`; unset is {}. */
function jsonSetting<T extends z.ZodType>(inner: T) {
  return z
    .string()
    .optional()
    .transform((v, ctx): z.infer<T> => {
      if (!v) return {} as z.infer<T>;
      let parsed: unknown;
      try {
        parsed = JSON.parse(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `must be JSON: ${(err as Error).message}` });
        return z.NEVER;
      }
      const r = inner.safeParse(parsed);
      if (!r.success) {
        ctx.addIssue({ code: 'custom', message: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
        return z.NEVER;
      }
      return r.data;
    });
}

const limit = z.number().int().positive().nullable();
const tierLimitsSchema = z
  .object(
    Object.fromEntries(
      ['free', 'basic', 'pro', 'enterprise'].map((t) => [
        t,
        z.object({ perMinute: limit, daily: limit, weekly: limit, monthly: limit }).partial().strict().optional(),
      ]),
    ),
  )
  .strict();

export type Env = z.infer<typeof schema>;

export interface Config extends Omit<Env, 'JWT_SECRET' | 'GRAPHIQL'> {
  jwtSecret: Uint8Array;
  graphiql: boolean;
  production: boolean;
  dataDir: string;
  corsOrigins: string[];
  introspection: boolean;
  /** Trusted documents by id, from PERSISTED_OPERATIONS_FILE. */
  persistedOperations: Map<string, string> | null;
  tierLimits: Record<Tier, TierLimits>;
}

export class ConfigError extends Error {}

/** Parses an environment (process.env by default). Throws ConfigError naming every bad variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined)));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const env = parsed.data;
  const production = env.NODE_ENV === 'production';
  const dataDir = resolve(env.DATA_DIR);
  return {
    ...env,
    production,
    dataDir,
    graphiql: env.GRAPHIQL ?? !production,
    tierLimits: Object.fromEntries(
      TIERS.map((t) => [t, { ...DEFAULT_TIER_LIMITS[t], ...((env.TIER_LIMITS as Record<string, Partial<TierLimits>>)[t] ?? {}) }]),
    ) as Record<Tier, TierLimits>,
    corsOrigins: env.CORS_ORIGINS.split(',').map((s) => s.trim()).filter(Boolean),
    introspection: env.GRAPHQL_INTROSPECTION ?? !production,
    persistedOperations: env.PERSISTED_OPERATIONS_FILE
      ? loadPersisted(env.PERSISTED_OPERATIONS_FILE)
      : env.PERSISTED_OPERATIONS_ONLY
        ? (() => {
            throw new ConfigError('invalid configuration:\n  PERSISTED_OPERATIONS_ONLY: needs PERSISTED_OPERATIONS_FILE');
          })()
        : null,
    jwtSecret: new TextEncoder().encode(env.JWT_SECRET ?? jwtSecretFromDataDir(dataDir, production)),
  };
}

/** Embedded mode: the secret is generated once and kept in DATA_DIR, so tokens survive restarts. */
function jwtSecretFromDataDir(dataDir: string, production: boolean): string {
  if (production) throw new ConfigError('invalid configuration:\n  JWT_SECRET: required in production');
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}

/** A trusted-documents file: {"<id>": "<operation>", …}. */
function loadPersisted(file: string): Map<string, string> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`invalid configuration:\n  PERSISTED_OPERATIONS_FILE: ${(err as Error).message}`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw) || Object.values(raw).some((v) => typeof v !== 'string')) {
    throw new ConfigError('invalid configuration:\n  PERSISTED_OPERATIONS_FILE: must be a JSON object of id → operation text');
  }
  return new Map(Object.entries(raw as Record<string, string>));
}
