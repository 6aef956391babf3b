// Pub/sub for subscriptions: in memory in one process, Redis when REDIS_URL is set so every API
// instance sees every event.
//
// Written here rather than taken from graphql-yoga's createPubSub + redis-event-target: those
// give each subscriber a Repeater fed through an EventTarget, with a CustomEvent per event and
// listener. With 10,000 idle subscriptions in one process (BENCHMARKS.md, P5) and 10,000 events/s
// (P4) that cost is the largest part of a subscription's memory and of an event's CPU. Here a
// subscriber is one small iterator in a Set per topic; an instance holds one Redis subscription
// per topic however many of its clients follow it, and parses each message once.
//
// A task's change is one message, on its owner's channel (`user:tasks:<user>`): the followers of
// one task (subscribeTask) listen there and get the task out of it. Workers publish every change
// of every task whether anyone listens or not, so this halves what they send for each change
// (P3); an API instance following one task of a user receives that user's other task events too,
// and drops them by a map lookup.
import { logConnectionErrors } from '../lib/connection-log.js';
import { Redis, type RedisOptions } from 'ioredis';
import type { UserEvent } from '../modules/events/events.service.js';
import type { TaskEvent, TaskSnapshot, TokenEvent } from '../modules/tasks/tasks.events.js';

export type Topics = {
  /** The account of a user changed (profile, role, tier, credits…). */
  'user:updated': [userId: number, payload: { userId: number }];
  /** A domain event of a user's account of a type a subscription offers (LIVE_EVENTS in modules/events). */
  'user:event': [userId: number, payload: UserEvent];
  /**
   * A task of a user changed (status, progress, result). One message per change: a process
   * hands each task's changes to its followers itself (subscribeTask).
   */
  'user:tasks': [userId: number, payload: TaskEvent];
  /** Generated text as it arrives. */
  'task:token': [taskId: number, payload: TokenEvent];
  /** Asks the worker running a task to stop it. */
  'task:cancel': [payload: { taskId: number }];
};

type Payload<K extends keyof Topics> = Topics[K] extends [unknown, infer P] ? P : Topics[K] extends [infer P] ? P : never;
type IdOf<K extends keyof Topics> = Topics[K] extends [infer I, unknown] ? [id: I] : [];

/** Events buffered for a subscriber that does not read them; past this it is ended with an error. */
const MAX_BUFFER = 1024;

export interface Subscription<T> extends AsyncIterableIterator<T> {
  /**
   * Resolves once the subscription receives events (at once in memory; when Redis confirms it).
   * Rejects when Redis refused it; the subscription then ends with that error.
   */
  readonly ready: Promise<void>;
}

export interface PubSub {
  publish<K extends keyof Topics>(topic: K, ...args: Topics[K]): void;
  /** Listens from this call on (not from the first `next()`). Ends when `return()` is called. */
  subscribe<K extends keyof Topics>(topic: K, ...id: IdOf<K>): Subscription<Payload<K>>;
  /**
   * The changes of task `taskId` of user `ownerId`: the tasks of its owner's `user:tasks` events
   * that are this one. The process listens to the owner's channel and picks them out, so a change
   * is published once, not once for the task and once for its owner.
   */
  subscribeTask(taskId: number, ownerId: number): Subscription<TaskSnapshot>;
  /** How many channels this process listens to (over Redis: subscriptions). */
  size(): number;
}

export interface RealtimeBus {
  pubsub: PubSub;
  close(): Promise<void>;
}

/** An iterator's end, shared by the event iterators (never written to). */
export const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

class Subscriber<T> implements Subscription<T> {
  private buffer: T[] = [];
  private waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | null = null;
  private failure: Error | null = null;
  private done = false;

  constructor(
    private readonly leave: (s: Subscriber<T>) => void,
    readonly ready: Promise<void>,
  ) {}

  push(value: T) {
    if (this.done) return;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w.resolve({ value, done: false });
    } else if (this.buffer.length < MAX_BUFFER) {
      this.buffer.push(value);
    } else {
      this.failure = new Error('The subscriber fell too far behind its events');
      this.buffer = [];
      this.end();
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffer.length) return Promise.resolve({ value: this.buffer.shift()!, done: false });
    if (this.failure) {
      const f = this.failure;
      this.failure = null;
      return Promise.reject(f);
    }
    if (this.done) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  /** Ends the subscription: the next `next()` rejects with `err`, then it is done. */
  fail(err: Error) {
    if (this.done) return;
    this.buffer = [];
    this.failure = err;
    this.end();
  }

  return(): Promise<IteratorResult<T>> {
    this.buffer = [];
    this.end();
    return Promise.resolve(DONE);
  }

  throw(err?: unknown): Promise<IteratorResult<T>> {
    this.buffer = [];
    this.end();
    return Promise.reject(err);
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  private end() {
    if (this.done) return;
    this.done = true;
    this.leave(this);
    const w = this.waiting;
    this.waiting = null;
    if (!w) return;
    if (this.failure) {
      w.reject(this.failure);
      this.failure = null;
    } else w.resolve(DONE);
  }
}

/**
 * The events of `source` that `keep` accepts. Unlike graphql-yoga's `filter` (a Repeater, which
 * does not start when return() comes before the first next()), return() always ends `source`:
 * graphql-ws does that to an operation completed while it was starting.
 */
export function filtered<T>(source: AsyncIterator<T>, keep: (value: T) => boolean): AsyncIterableIterator<T> {
  const it: AsyncIterableIterator<T> = {
    async next() {
      for (;;) {
        const r = await source.next();
        if (r.done || keep(r.value)) return r;
      }
    },
    async return() {
      await source.return?.();
      return DONE;
    },
    async throw(err?: unknown) {
      await source.return?.();
      throw err;
    },
    [Symbol.asyncIterator]: () => it,
  };
  return it;
}

const channelOf = (topic: string, id?: unknown) => (id === undefined ? topic : `${topic}:${id}`);

/** Subscribers of one channel of this process, or of one task's changes within a user's channel. */
type Channel = {
  subscribers: Set<Subscriber<unknown>>;
  wire: Wire;
  /** The task whose changes it gets; null for the subscribers of the channel itself. */
  taskId: number | null;
};

/** A channel this process listens to (on Redis: one subscription), and who in it is listening. */
type Wire = {
  name: string;
  ready: Promise<void>;
  /** Subscribers of the channel itself. */
  own: Channel | null;
  /** On a user's task channel: the subscribers of one task's changes, by task id. */
  tasks: Map<number, Channel> | null;
};

/** The subscribers of each channel of this process, and how events reach them. */
function createPubSub(transport: {
  /** Sends an event to every instance (this one included). */
  send(channel: string, payload: unknown): void;
  /** The first subscriber of a channel arrived: start receiving it. */
  listen(channel: string): Promise<void>;
  /** Its last subscriber left. */
  unlisten(channel: string): void;
}) {
  const wires = new Map<string, Wire>();
  const push = (c: Channel | null | undefined, payload: unknown) => {
    if (c) for (const s of c.subscribers) s.push(payload);
  };
  const deliver = (channel: string, payload: unknown) => {
    const w = wires.get(channel);
    if (!w) return;
    push(w.own, payload);
    if (!w.tasks) return;
    // Only user:tasks channels have task followers; a message of another shape (someone else's on
    // a shared Redis) reaches none of them.
    const task = (payload as Partial<TaskEvent> | null)?.task;
    if (task && typeof task.id === 'number') push(w.tasks.get(task.id), task);
  };

  /** The wire named `channel`, listened to from its first channel on. */
  const wireOf = (channel: string): Wire => {
    const known = wires.get(channel);
    if (known) return known;
    const w: Wire = { name: channel, ready: Promise.resolve(), own: null, tasks: null };
    // Not listening after all: the wire is forgotten (its next subscriber asks again) and every
    // subscriber on it ends with the error.
    w.ready = transport.listen(channel).catch((err: unknown) => {
      const error = err instanceof Error ? err : new Error(String(err));
      if (wires.get(channel) === w) wires.delete(channel);
      const on = [w.own, ...(w.tasks?.values() ?? [])];
      w.own = null;
      w.tasks = null;
      for (const c of on) for (const s of c?.subscribers ?? []) s.fail(error);
      throw error;
    });
    // Awaiting `ready` is optional: its rejection is not unhandled.
    w.ready.catch(() => {});
    wires.set(channel, w);
    return w;
  };

  /** Takes an emptied channel off its wire; false when it was already (a failed SUBSCRIBE took every channel off). */
  const detach = (c: Channel): boolean => {
    const w = c.wire;
    if (c.taskId === null) {
      if (w.own !== c) return false;
      w.own = null;
      return true;
    }
    return w.tasks?.get(c.taskId) === c && w.tasks.delete(c.taskId);
  };

  /** A new subscriber of `c`; the wire is let go when its last channel empties. */
  const join = (c: Channel) => {
    const s = new Subscriber<any>((gone) => {
      c.subscribers.delete(gone);
      if (c.subscribers.size > 0 || !detach(c)) return;
      const w = c.wire;
      if (!w.own && !w.tasks?.size && wires.get(w.name) === w) {
        wires.delete(w.name);
        transport.unlisten(w.name);
      }
    }, c.wire.ready);
    c.subscribers.add(s);
    return s;
  };

  const pubsub: PubSub = {
    publish(topic, ...args) {
      const [id, payload] = args.length === 2 ? args : [undefined, args[0]];
      transport.send(channelOf(topic, id), payload);
    },
    subscribe(topic, ...[id]) {
      const w = wireOf(channelOf(topic, id));
      return join((w.own ??= { subscribers: new Set(), wire: w, taskId: null }));
    },
    subscribeTask(taskId, ownerId) {
      const w = wireOf(channelOf('user:tasks', ownerId));
      const tasks = (w.tasks ??= new Map());
      let c = tasks.get(taskId);
      if (!c) tasks.set(taskId, (c = { subscribers: new Set(), wire: w, taskId }));
      return join(c) as Subscription<TaskSnapshot>;
    },
    size: () => wires.size,
  };
  return { pubsub, deliver };
}

/** In one process: events go straight to the subscribers. */
export function createMemoryPubSub(): PubSub {
  const ready = Promise.resolve();
  const bus: ReturnType<typeof createPubSub> = createPubSub({
    send: (channel, payload) => bus.deliver(channel, payload),
    listen: () => ready,
    unlisten: () => {},
  });
  return bus.pubsub;
}

/**
 * Resolves once the connection is past its set-up. While it is being set up (status "connect":
 * connected, its ready check not yet answered), ioredis writes a SUBSCRIBE at once instead of
 * queueing it, since Redis allows SUBSCRIBE while it loads. The connection is then in subscriber
 * mode when the ready check's INFO follows; Redis refuses it, ioredis drops the connection and
 * reconnects without the channel, and its events were lost (redis/ioredis#2037). In any other
 * state ioredis queues the command or refuses it itself.
 */
function setUp(client: Redis): Promise<void> {
  if (client.status !== 'connect') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      client.off('ready', done).off('close', done);
      resolve();
    };
    client.on('ready', done).on('close', done);
  });
}

/** Opens a connection to Redis (tests give their own). */
export type Connect = (url: string, options: RedisOptions) => Redis;

export function createBus(
  redisUrl?: string,
  prefix = 'genhub:',
  connect: Connect = (url, options) => new Redis(url, options),
  log?: { warn(o: object, m: string): void; info(o: object, m: string): void },
): RealtimeBus {
  if (!redisUrl) return { pubsub: createMemoryPubSub(), close: async () => {} };
  // Auto-pipelining batches the many small PUBLISH commands of progress and token events.
  const publishClient = connect(redisUrl, { lazyConnect: false, enableAutoPipelining: true });
  // Channels are resubscribed by ioredis itself after a reconnect.
  const subscribeClient = connect(redisUrl, { lazyConnect: false });
  // Connection errors (Redis restarting, say) go to the log; ioredis reconnects by itself. Without a
  // listener ioredis prints each one to the console.
  for (const [client, use] of [[publishClient, 'publish'], [subscribeClient, 'subscribe']] as const) {
    logConnectionErrors(client, log, { client: use }, 'redis (pub/sub)');
  }
  const bus: ReturnType<typeof createPubSub> = createPubSub({
    send: (channel, payload) => void publishClient.publish(prefix + channel, JSON.stringify(payload)).catch(() => {}),
    listen: (channel) => setUp(subscribeClient).then(() => subscribeClient.subscribe(prefix + channel)).then(() => undefined),
    // After the connection's set-up too, like the SUBSCRIBE it undoes: sent at once while the
    // SUBSCRIBE waits, it would go first and leave the channel subscribed for nobody.
    unlisten: (channel) => void setUp(subscribeClient)
      .then(() => subscribeClient.unsubscribe(prefix + channel))
      .catch(() => {}),
  });
  subscribeClient.on('message', (channel: string, message: string) => {
    if (!channel.startsWith(prefix)) return;
    let payload: unknown;
    try {
      payload = JSON.parse(message);
    } catch {
      return;
    }
    bus.deliver(channel.slice(prefix.length), payload);
  });
  return {
    pubsub: bus.pubsub,
    close: async () => {
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
  };
}
