// Pub/sub for subscriptions: in memory in one process, Redis when REDIS_URL is set so every API
// instance sees every event.
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub } from 'graphql-yoga';
import { Redis } from 'ioredis';
import type { UserEvent } from '../modules/events/events.service.js';
import type { TaskEvent, TaskSnapshot, TokenEvent } from '../modules/tasks/tasks.events.js';

export type Topics = {
  /** The account of a user changed (profile, role, tier, credits…). */
  'user:updated': [userId: number, payload: { userId: number }];
  /** A domain event of a user's account (see modules/events). */
  'user:event': [userId: number, payload: UserEvent];
  /** A task changed (status, progress, result). */
  'task:updated': [taskId: number, payload: TaskSnapshot];
  /** The same changes, for every task of a user. */
  'user:tasks': [userId: number, payload: TaskEvent];
  /** Generated text as it arrives. */
  'task:token': [taskId: number, payload: TokenEvent];
  /** Asks the worker running a task to stop it. */
  'task:cancel': [payload: { taskId: number }];
};

export type PubSub = ReturnType<typeof createPubSub<Topics>>;

export interface RealtimeBus {
  pubsub: PubSub;
  close(): Promise<void>;
}

export function createBus(redisUrl?: string, prefix = 'genhub:'): RealtimeBus {
  if (!redisUrl) return { pubsub: createPubSub<Topics>(), close: async () => {} };
  // Auto-pipelining batches the many small PUBLISH commands of progress and token events.
  const publishClient = new Redis(redisUrl, { keyPrefix: prefix, lazyConnect: false, enableAutoPipelining: true });
  const subscribeClient = new Redis(redisUrl, { keyPrefix: prefix, lazyConnect: false });
  const eventTarget = createRedisEventTarget({ publishClient, subscribeClient });
  return {
    pubsub: createPubSub<Topics>({ eventTarget }),
    close: async () => {
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
  };
}
