// P4's publisher, in a process of its own as workers are: publishes each task's progress on Redis
// the way a worker does (the task row with its new progress), `rate` events per second per task
// for `seconds`, each task at its own phase within the interval in slices of 5 ms (a burst of
// every event at the same instant would measure queueing of the burst). progressMessage carries
// the time of publishing (performance.timeOrigin + now(): the machine's clock, as the receiving
// process reads it). Prints when it began and the number published.
//
// Usage (from subscription-latency.ts): node --import tsx bench/progress-publisher.ts <tasks.json> <redis prefix> <rate> <seconds>
import { readFileSync } from 'node:fs';
import { createBus } from '../src/realtime/pubsub.js';
import { REDIS } from './common.js';

const [file, prefix, rateArg, secondsArg] = process.argv.slice(2);
const tasks = JSON.parse(readFileSync(file!, 'utf8')) as { id: number; userId: number }[];
const rate = Number(rateArg);
const seconds = Number(secondsArg);

const bus = createBus(REDIS, prefix);
const interval = 1000 / rate;
const slices = Math.max(1, Math.floor(interval / 5));
const t0 = performance.now();
// When publishing began, on the machine's clock (the bench splits its warm-up off by it).
console.log(`start ${performance.timeOrigin + t0}`);
let published = 0;
for (let tick = 0; tick < seconds * rate; tick++) {
  for (let s = 0; s < slices; s++) {
    const due = t0 + tick * interval + (s * interval) / slices;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    for (let i = s; i < tasks.length; i += slices) {
      const task = tasks[i]!;
      bus.pubsub.publish('user:tasks', task.userId, { type: 'progress', task: { ...task, progress: tick % 100, progressMessage: String(performance.timeOrigin + performance.now()) } as never });
      published++;
    }
  }
}
// Let the last pipeline go out.
await new Promise((r) => setTimeout(r, 100));
await bus.close();
console.log(`published ${published}`);
