// Pub/sub for subscriptions: in memory in one process, Redis when REDIS_URL is set so every API
// instance sees every event.
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub } from 'graphql-yoga';
import { Redis } from 'ioredis';

export type Topics = {
  /** The account of a user changed (profile, role, tier, credits…). */
  'user:updated': [userId: number, payload: { userId: number }];
};

export type PubSub = ReturnType<typeof createPubSub<Topics>>;

export interface RealtimeBus {
  pubsub: PubSub;
  close(): Promise<void>;
}

export function createBus(redisUrl?: string, prefix = 'genhub:'): RealtimeBus {
  if (!redisUrl) return { pubsub: createPubSub<Topics>(), close: async () => {} };
  const publishClient = new Redis(redisUrl, { keyPrefix: prefix, lazyConnect: false });
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
