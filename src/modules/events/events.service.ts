// Domain events of a user's account (quota warnings, task and order events…), published for
// subscriptions on every instance. Webhook delivery hangs off the same call.
import type { Deps } from '../../context.js';

export type EventType = 'quota.warning' | 'ai.task.started' | 'ai.task.completed' | 'ai.task.failed';

export interface UserEvent {
  /** Unique per event, for receivers that de-duplicate. */
  id: string;
  type: EventType;
  userId: number;
  data: Record<string, unknown>;
  createdAt: string;
}

export async function emit(deps: Pick<Deps, 'pubsub' | 'log'>, userId: number, type: EventType, data: Record<string, unknown>) {
  const event: UserEvent = { id: `evt_${crypto.randomUUID()}`, type, userId, data, createdAt: new Date().toISOString() };
  deps.log.debug({ userId, type }, 'event');
  deps.pubsub.publish('user:event', userId, event);
  return event;
}
