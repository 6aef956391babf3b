// Domain events of a user's account (quota warnings, task and order events…): queued for the
// user's webhooks, and published for subscriptions on every instance when a subscription offers
// their type.
import type { Deps } from '../../context.js';
import { filtered, type PubSub } from '../../realtime/pubsub.js';
import { dispatch, type WebhookEvent } from '../webhooks/webhooks.service.js';

export type EventType = WebhookEvent;

export interface UserEvent {
  /** Unique per event, for receivers that de-duplicate. */
  id: string;
  type: EventType;
  userId: number;
  data: Record<string, unknown>;
  createdAt: string;
}

/**
 * The event types a subscription offers (quotaWarnings). The others are for webhooks only: a
 * task's events reach subscribers as task changes (user:tasks), and publishing them here too cost
 * every task two Redis messages that no process listened to.
 */
export const LIVE_EVENTS: ReadonlySet<EventType> = new Set<EventType>(['quota.warning']);

/** A user's events of `type`, live: a type of LIVE_EVENTS (the others are never published). */
export function liveEvents(pubsub: PubSub, userId: number, type: EventType) {
  if (!LIVE_EVENTS.has(type)) throw new Error(`${type} events are not published: add the type to LIVE_EVENTS`);
  return filtered(pubsub.subscribe('user:event', userId), (e) => e.type === type);
}

/**
 * Publishes a user's event to subscriptions (LIVE_EVENTS) and queues it for the user's webhooks.
 * `hooks`, when the caller already read them (in the statement that changed the task), are the
 * user's active webhooks for this event type; otherwise they are looked up.
 */
export async function emit(deps: Pick<Deps, 'pubsub' | 'log' | 'prisma' | 'config' | 'webhookQueue'>, userId: number, type: EventType, data: Record<string, unknown>, hooks?: string[]) {
  const event: UserEvent = { id: `evt_${crypto.randomUUID()}`, type, userId, data, createdAt: new Date().toISOString() };
  deps.log.debug({ userId, type }, 'event');
  if (LIVE_EVENTS.has(type)) deps.pubsub.publish('user:event', userId, event);
  await dispatch(deps, userId, event, hooks).catch((err) => deps.log.error({ err, userId, type }, 'queueing webhook deliveries failed'));
  return event;
}
