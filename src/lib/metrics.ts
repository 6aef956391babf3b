// Prometheus metrics (prom-client) on a port of their own, for API and worker processes alike:
// the process's own (CPU, memory, event loop delay, GC), HTTP requests by route group, tasks
// created and finished, and gauges read when scraped (queue depth, open subscriptions, tasks
// queued and running in the database). Made only when METRICS_PORT is set: otherwise nothing is
// counted and the hot paths pay nothing.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { within } from './promise.js';

/** The route groups requests are counted by (a label of few values, never a raw path). */
export type RouteGroup = 'graphql' | 'rest' | 'files' | 'health';

export interface Metrics {
  readonly registry: Registry;
  /** One finished HTTP request (subscriptions over SSE are not requests: see `gauge`). */
  request(route: RouteGroup, method: string, status: number, seconds: number): void;
  taskCreated(kind: string): void;
  /** A task that reached `status` here, after running `seconds` when it ran. */
  taskFinished(kind: string, status: string, seconds: number | null): void;
  /** A gauge whose value is read at each scrape; `read` may return per-label values. */
  gauge(name: string, help: string, read: () => number | Promise<number> | Promise<Record<string, number>>, label?: string): void;
  /** Serves GET /metrics; returns its URL. */
  listen(port: number, host: string): Promise<string>;
  close(): Promise<void>;
}

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

/**
 * Node's own metrics, once per process: prom-client starts a GC observer and an event-loop delay
 * monitor for them that nothing stops, so a second app in the process (tests) shares these.
 */
let processRegistry: Registry | undefined;
function processMetrics(labels: Record<string, string>): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    processRegistry.setDefaultLabels(labels);
    collectDefaultMetrics({ register: processRegistry, prefix: 'genhub_' });
  }
  return processRegistry;
}

/** How long a gauge read at scrape time may take (its database or Redis may not answer). */
const READ_MS = 1000;

export function createMetrics(labels: { role: string }): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  const own = processMetrics(labels);
  const requests = new Counter({ name: 'genhub_http_requests_total', help: 'HTTP requests answered, by route group, method and status', labelNames: ['route', 'method', 'status'], registers: [registry] });
  const durations = new Histogram({
    name: 'genhub_http_request_duration_seconds',
    help: 'Time from a request to the end of its answer, by route group',
    labelNames: ['route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  const created = new Counter({ name: 'genhub_tasks_created_total', help: 'Tasks created, by kind', labelNames: ['kind'], registers: [registry] });
  const finished = new Counter({ name: 'genhub_tasks_finished_total', help: 'Tasks finished in this process, by kind and status', labelNames: ['kind', 'status'], registers: [registry] });
  const runTimes = new Histogram({
    name: 'genhub_task_run_seconds',
    help: 'Run time of the tasks that succeeded in this process, by kind',
    labelNames: ['kind'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900],
    registers: [registry],
  });
  let server: Server | undefined;

  return {
    registry,
    request(route, method, status, seconds) {
      requests.inc({ route, method: METHODS.has(method) ? method : 'other', status: String(status) });
      durations.observe({ route }, seconds);
    },
    taskCreated: (kind) => created.inc({ kind }),
    taskFinished(kind, status, seconds) {
      finished.inc({ kind, status });
      if (status === 'succeeded' && seconds !== null) runTimes.observe({ kind }, seconds);
    },
    gauge(name, help, read, label) {
      new Gauge({
        name,
        help,
        labelNames: label ? [label] : [],
        registers: [registry],
        async collect() {
          // A gauge that cannot be read now (its database or Redis away or not answering) has no
          // value in this scrape rather than failing or holding it.
          const v = await within(Promise.resolve(read()), READ_MS, `${name}: no answer`).catch(() => null);
          this.reset();
          // (Without labels reset() leaves 0, which would read as a value: NaN says unknown.)
          if (typeof v === 'number') this.set(v);
          else if (v === null && !label) this.set(NaN);
          else if (v && label) for (const [k, n] of Object.entries(v)) this.set({ [label]: k }, n);
        },
      });
    },
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server = createServer((req, res) => {
          if ((req.url ?? '/').split('?')[0] !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
            res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
            return;
          }
          // The two texts one after the other, each with its registry's labels (a merged registry
          // would drop them).
          Promise.all([own.metrics(), registry.metrics()]).then(
            ([a, b]) => res.writeHead(200, { 'content-type': registry.contentType }).end(req.method === 'HEAD' ? undefined : a + b),
            (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
          );
        });
        server.once('error', reject);
        server.listen(port, host, () => {
          const a = server!.address() as AddressInfo;
          resolve(`http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}/metrics`);
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        registry.clear();
        if (!server?.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
