// Runs webhook deliveries from their queue, and re-queues overdue ones every 30 s.
import type { Deps } from '../../context.js';
import { deliver, sweepDeliveries } from './webhooks.service.js';

export function startWebhookWorker(deps: Deps) {
  deps.webhookQueue.process((id) => deliver(deps, id), 8);
  const sweep = () => sweepDeliveries(deps).catch((err) => deps.log.warn({ err }, 'webhook sweep failed'));
  const timer = setInterval(sweep, 30_000);
  timer.unref();
  void sweep();
  return {
    async close() {
      clearInterval(timer);
      await deps.webhookQueue.stopFetching();
    },
  };
}
