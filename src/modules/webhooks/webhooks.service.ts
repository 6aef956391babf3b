// Webhooks: endpoints that receive a user's events, signed the Standard Webhooks way
// (webhook-id, webhook-timestamp, webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>),
// delivered through the queue on Svix's schedule (at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
// 10 h by default), every attempt logged. Any answer but 2xx is a failure (redirects too). An
// endpoint failing for WEBHOOK_DISABLE_AFTER_MS is disabled, and that is announced.
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { z } from 'zod';
import type { Deps } from '../../context.js';
import { AppError, badField, parseInput } from '../../errors.js';
import { Prisma, type Webhook, type WebhookDelivery } from '../../generated/prisma/client.js';
import { addAll, RetryLater } from '../../jobs/queue.js';
import { BlockedAddressError, checkHost, guardedLookup } from './webhooks.guard.js';

export const EVENTS = [
  'ai.task.completed', 'ai.task.failed', 'quota.warning',
  'ai.task.started', 'ai.task.progress', 'order.completed', 'order.failed', 'webhook.disabled',
] as const;
export type WebhookEvent = (typeof EVENTS)[number];

type WebhookDeps = Pick<Deps, 'prisma' | 'config' | 'log' | 'webhookQueue'>;

const url = z.string().trim().min(1, 'is required').max(2000, 'must be at most 2000 characters');
const events = z.array(z.enum(EVENTS, { message: `must each be one of ${EVENTS.join(', ')}` })).min(1, 'needs at least one event').transform((e) => [...new Set(e)]);
const secret = z.string().min(8, 'must be at least 8 characters').max(200, 'must be at most 200 characters');
const createSchema = z.object({ url, events, secret: secret.nullable().optional(), active: z.boolean().nullable().optional(), description: z.string().max(500).nullable().optional() });
const updateSchema = createSchema.partial().extend({ events: events.optional() });
export type WebhookInput = z.input<typeof createSchema>;

const MAX_WEBHOOKS = 20;
const notFound = (field = 'id') => new AppError('NOT_FOUND', 'Webhook not found', { field });

/** Checks a webhook URL: http(s), no credentials, and a host that may be reached. */
export async function checkUrl(config: Deps['config'], raw: string, field = 'input.url'): Promise<string> {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw badField(field, 'is not a URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw badField(field, 'must be an http or https URL');
  if (u.username || u.password) throw badField(field, 'must not contain credentials');
  try {
    await checkHost(u.hostname, config.WEBHOOK_ALLOWED_HOSTS);
  } catch (err) {
    if (err instanceof BlockedAddressError) throw badField(field, `is not allowed: ${err.message} (webhooks go to public addresses only)`);
    throw badField(field, `cannot be resolved: ${(err as Error).message}`);
  }
  return u.toString();
}

/** A new signing secret: `whsec_` + base64 of 24 random bytes. */
export const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

/** The HMAC key of a secret: the bytes after `whsec_` (base64), or the text of any other secret. */
export const keyOf = (s: string) => (s.startsWith('whsec_') ? Buffer.from(s.slice(6), 'base64') : Buffer.from(s, 'utf8'));

/** The Standard Webhooks signature header value. */
export const sign = (secretText: string, id: string, timestamp: number, body: string) =>
  `v1,${createHmac('sha256', keyOf(secretText)).update(`${id}.${timestamp}.${body}`).digest('base64')}`;

export async function ownWebhook(deps: Pick<Deps, 'prisma'>, userId: number, id: string, field = 'id'): Promise<Webhook> {
  const w = await deps.prisma.webhook.findUnique({ where: { id } });
  if (!w || w.userId !== userId) throw notFound(field);
  return w;
}

export async function createWebhook(deps: WebhookDeps, userId: number, raw: WebhookInput): Promise<Webhook> {
  const input = parseInput(createSchema, raw, ['input']);
  const target = await checkUrl(deps.config, input.url);
  if ((await deps.prisma.webhook.count({ where: { userId } })) >= MAX_WEBHOOKS) {
    throw new AppError('CONFLICT', `At most ${MAX_WEBHOOKS} webhooks per account`, { field: 'input', reason: 'too_many_webhooks' });
  }
  return deps.prisma.webhook.create({
    data: { id: `wh_${randomUUID().replace(/-/g, '')}`, userId, url: target, events: input.events, secret: input.secret ?? newSecret(), active: input.active ?? true, description: input.description ?? null },
  });
}

export async function updateWebhook(deps: WebhookDeps, userId: number, id: string, raw: Partial<WebhookInput>): Promise<Webhook> {
  const input = parseInput(updateSchema, raw, ['input']);
  await ownWebhook(deps, userId, id);
  const target = input.url !== undefined ? await checkUrl(deps.config, input.url) : undefined;
  const reactivated = input.active === true;
  return deps.prisma.webhook.update({
    where: { id },
    data: {
      ...(target !== undefined ? { url: target } : {}),
      ...(input.events !== undefined ? { events: input.events } : {}),
      ...(input.secret ? { secret: input.secret } : {}),
      ...(input.active !== undefined && input.active !== null ? { active: input.active } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      // Turned on again: a fresh start.
      ...(reactivated ? { disabledAt: null, disabledReason: null, failingSince: null } : {}),
    },
  });
}

export async function deleteWebhook(deps: Pick<Deps, 'prisma'>, userId: number, id: string): Promise<boolean> {
  const r = await deps.prisma.webhook.deleteMany({ where: { id, userId } });
  if (r.count === 0) throw notFound();
  return true;
}

/**
 * The ids of the user's active webhooks for `type` (what dispatch looks up), as a subquery for a
 * statement that already has the user: `userId` is its SQL expression, e.g. `tasks.user_id`.
 */
export const hookIdsSql = (userId: string, type: string) =>
  Prisma.sql`ARRAY(SELECT w.id FROM webhooks w WHERE w.user_id = ${Prisma.raw(userId)} AND w.active AND ${type} = ANY(w.events))`;

/**
 * Queues a delivery of an event to every active webhook of the user that subscribed to it.
 * The body is `{ id, event, type, timestamp, data }` (seed 004's `event` and `data`, and the
 * Standard Webhooks `type` and `timestamp`).
 */
export async function dispatch(deps: WebhookDeps, userId: number, event: { id: string; type: string; data: Record<string, unknown>; createdAt: string }, known?: string[]) {
  const hooks = known ? known.map((id) => ({ id })) : await deps.prisma.webhook.findMany({ where: { userId, active: true, events: { has: event.type } }, select: { id: true } });
  if (!hooks.length) return;
  const payload = { id: event.id, event: event.type, type: event.type, timestamp: event.createdAt, data: event.data } as Prisma.InputJsonValue;
  const rows = hooks.map((h) => ({ id: `msg_${randomUUID().replace(/-/g, '')}`, webhookId: h.id }));
  // Only for hooks that still exist: one deleted since it was read (ids can come from the
  // statement that changed the task) drops out instead of failing the others' deliveries.
  const made = await deps.prisma.$queryRaw<{ id: string }[]>`
    INSERT INTO webhook_deliveries (id, webhook_id, event_type, payload, next_attempt_at)
    SELECT v.id, v.webhook_id, ${event.type}, ${JSON.stringify(payload)}::jsonb, now()
    FROM unnest(${rows.map((r) => r.id)}::text[], ${rows.map((r) => r.webhookId)}::text[]) AS v(id, webhook_id)
    JOIN webhooks w ON w.id = v.webhook_id
    RETURNING id`;
  // Not waited for: the deliveries are committed, and the sweeper queues again one the queue did
  // not take (Redis unreachable), so a request that triggers an event is not held by the queue.
  for (const r of made) void deps.webhookQueue.add(r.id).catch((err) => deps.log.warn({ err: (err as Error).message, delivery: r.id }, 'queueing a webhook delivery failed; the sweeper will retry'));
}

interface Answer {
  status: number | null;
  excerpt: string | null;
  error: string | null;
  ms: number;
}

/** POSTs the body to the webhook's URL: no redirects followed, a deadline, blocked addresses refused at connect. */
function post(deps: Pick<Deps, 'config'>, target: string, headers: Record<string, string>, body: string): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve) => {
    const u = new URL(target);
    const mod = u.protocol === 'https:' ? https : http;
    let done = false;
    const finish = (a: Omit<Answer, 'ms'>) => {
      if (done) return;
      done = true;
      resolve({ ...a, ms: Math.round(performance.now() - started) });
    };
    const req = mod.request(
      u,
      {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'genhub-webhooks/1' },
        lookup: guardedLookup(deps.config.WEBHOOK_ALLOWED_HOSTS) as never,
        timeout: deps.config.WEBHOOK_TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < 2048) chunks.push(c);
          size += c.length;
        });
        res.on('end', () => finish({ status: res.statusCode ?? null, excerpt: Buffer.concat(chunks).toString('utf8').slice(0, 500), error: null }));
        res.on('error', (err) => finish({ status: res.statusCode ?? null, excerpt: null, error: err.message }));
      },
    );
    const deadline = setTimeout(() => req.destroy(new Error(`no answer within ${deps.config.WEBHOOK_TIMEOUT_MS} ms`)), deps.config.WEBHOOK_TIMEOUT_MS);
    req.on('timeout', () => req.destroy(new Error(`no answer within ${deps.config.WEBHOOK_TIMEOUT_MS} ms`)));
    req.on('error', (err) => finish({ status: null, excerpt: null, error: err.message }));
    req.on('close', () => clearTimeout(deadline));
    req.end(body);
  });
}

/**
 * One attempt of a delivery (the queue's handler). Success ends it; a failure is logged and,
 * while the schedule lasts, tried again after the next delay (RetryLater); then it has failed.
 */
export async function deliver(deps: WebhookDeps & Pick<Deps, 'pubsub'>, deliveryId: string): Promise<void> {
  const d = await deps.prisma.webhookDelivery.findUnique({ where: { id: deliveryId }, include: { webhook: true } });
  if (!d || d.status !== 'pending') return;
  const hook = d.webhook;
  if (!hook.active) {
    await deps.prisma.webhookDelivery.update({ where: { id: d.id }, data: { status: 'failed', completedAt: new Date(), nextAttemptAt: null } });
    return;
  }
  const attemptNo = d.attemptCount + 1;
  const body = JSON.stringify(d.payload);
  const timestamp = Math.floor(Date.now() / 1000);
  // IP literals never reach the lookup guard: checked here (names are checked at connect).
  const blocked = await checkHost(new URL(hook.url).hostname, deps.config.WEBHOOK_ALLOWED_HOSTS).then(
    () => null,
    (err: Error) => (err instanceof BlockedAddressError ? err.message : null),
  );
  const answer: Answer = blocked
    ? { status: null, excerpt: null, error: `refused: ${blocked}`, ms: 0 }
    : await post(deps, hook.url, { 'webhook-id': d.id, 'webhook-timestamp': String(timestamp), 'webhook-signature': sign(hook.secret, d.id, timestamp, body) }, body);
  const success = answer.status !== null && answer.status >= 200 && answer.status < 300;
  const schedule = deps.config.WEBHOOK_RETRY_SCHEDULE;
  const nextDelay = success ? null : (schedule[attemptNo] ?? null);
  const now = new Date();
  await deps.prisma.$transaction([
    deps.prisma.webhookAttempt.create({
      data: { deliveryId: d.id, attemptNo, statusCode: answer.status, success, latencyMs: answer.ms, responseExcerpt: answer.excerpt, error: answer.error ?? (success ? null : `HTTP ${answer.status}`) },
    }),
    deps.prisma.webhookDelivery.update({
      where: { id: d.id },
      data: {
        attemptCount: attemptNo,
        status: success ? 'succeeded' : nextDelay === null ? 'failed' : 'pending',
        nextAttemptAt: nextDelay === null ? null : new Date(now.getTime() + nextDelay),
        completedAt: success || nextDelay === null ? now : null,
      },
    }),
    success
      ? deps.prisma.webhook.update({ where: { id: hook.id }, data: { lastDeliveryAt: now, failingSince: null } })
      : deps.prisma.webhook.updateMany({ where: { id: hook.id, failingSince: null }, data: { failingSince: now } }),
  ]);
  if (!success) {
    deps.log.info({ webhook: hook.id, delivery: d.id, attempt: attemptNo, status: answer.status, error: answer.error }, 'webhook attempt failed');
    await disableIfFailingTooLong(deps, hook.id);
    if (nextDelay !== null) throw new RetryLater(nextDelay, `webhook attempt ${attemptNo} failed`);
  }
}

/** Disables an endpoint that has failed without a success for the configured time, and announces it. */
async function disableIfFailingTooLong(deps: WebhookDeps & Pick<Deps, 'pubsub'>, id: string) {
  const since = new Date(Date.now() - deps.config.WEBHOOK_DISABLE_AFTER_MS);
  const [hook] = await deps.prisma.webhook.updateManyAndReturn({
    where: { id, active: true, failingSince: { lte: since } },
    data: { active: false, disabledAt: new Date(), disabledReason: 'Every delivery failed for too long' },
  });
  if (!hook) return;
  deps.log.warn({ webhook: id, url: hook.url }, 'webhook disabled after failing');
  const { emit } = await import('../events/events.service.js');
  await emit(deps as Deps, hook.userId, 'webhook.disabled', {
    webhook_id: hook.id,
    url: hook.url,
    failing_since: hook.failingSince?.toISOString(),
    reason: hook.disabledReason,
    user_id: hook.userId,
    timestamp: new Date().toISOString(),
  });
}

/** Sends a delivery again now, whatever became of it (a new attempt in its log). */
export async function replay(deps: WebhookDeps, userId: number, deliveryId: string): Promise<WebhookDelivery> {
  const d = await deps.prisma.webhookDelivery.findUnique({ where: { id: deliveryId }, include: { webhook: { select: { userId: true, active: true } } } });
  if (!d || d.webhook.userId !== userId) throw new AppError('NOT_FOUND', 'Delivery not found', { field: 'id' });
  if (!d.webhook.active) throw new AppError('CONFLICT', 'The webhook is disabled; enable it first', { field: 'id', reason: 'webhook_inactive' });
  const row = await deps.prisma.webhookDelivery.update({ where: { id: d.id }, data: { status: 'pending', nextAttemptAt: new Date(), completedAt: null } });
  // Pending and due: if the queue is unreachable now, the sweeper queues it later.
  await deps.webhookQueue.add(d.id).catch((err: Error) => deps.log.warn({ err: err.message, delivery: d.id }, 'queueing a webhook delivery failed; the sweeper will retry'));
  return row;
}

/** Re-queues pending deliveries whose attempt is overdue (a lost job, a Redis restart). */
export async function sweepDeliveries(deps: WebhookDeps) {
  const late = await deps.prisma.webhookDelivery.findMany({
    where: { status: 'pending', nextAttemptAt: { lt: new Date(Date.now() - 60_000) } },
    select: { id: true, nextAttemptAt: true },
    take: 500,
  });
  const { failed, reason } = await addAll(deps.webhookQueue, late.map((d) => d.id));
  if (failed) deps.log.warn({ err: reason, failed, of: late.length }, 'webhook sweep could not queue deliveries; trying again at the next sweep');
}
