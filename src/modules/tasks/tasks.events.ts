// Live task events: every change of a task is published once, to its owner's topic; a process
// hands it to the task's own followers too (pubsub.subscribeTask). Payloads carry the task row
// itself, so subscribers need no database read per event.
import type { Deps } from '../../context.js';
import type { Task } from '../../generated/prisma/client.js';

export type TaskSnapshot = Task;
export type TaskEventType = 'created' | 'started' | 'progress' | 'succeeded' | 'failed' | 'canceled' | 'retrying';

export interface TaskEvent {
  type: TaskEventType;
  task: TaskSnapshot;
}

export interface TokenEvent {
  taskId: number;
  choice: number;
  /** Order of the piece within the task, from 0. */
  seq: number;
  delta: string;
  /** How many tokens the piece is (1 when absent). */
  tokens?: number;
  /** Set on the last event of a text task's stream: it has finished with this status. */
  end?: 'succeeded' | 'failed' | 'canceled';
}

const DATES = ['createdAt', 'startedAt', 'finishedAt', 'updatedAt', 'deadlineAt', 'cancelRequestedAt'] as const;

/** Over Redis dates arrive as strings: make a snapshot a Task row again. */
export function revive(t: TaskSnapshot): Task {
  const out = { ...t } as Record<string, unknown>;
  for (const k of DATES) if (typeof out[k] === 'string') out[k] = new Date(out[k] as string);
  return out as Task;
}

export function publishTask(deps: Pick<Deps, 'pubsub'>, type: TaskEventType, task: Task) {
  deps.pubsub.publish('user:tasks', task.userId, { type, task });
  // A text task's token stream ends with its outcome, after its last token (same connection, same order).
  if ((type === 'succeeded' || type === 'failed' || type === 'canceled') && (task.kind === 'text_chat' || task.kind === 'text_generate')) {
    deps.pubsub.publish('task:token', task.id, { taskId: task.id, choice: 0, seq: -1, delta: '', end: type });
  }
}
