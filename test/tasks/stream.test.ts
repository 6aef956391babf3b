// followText: how a text task's token stream reaches its consumer — a run that starts again
// (retry, worker death) is not sent twice, a consumer that leaves is told what it took.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Task } from '../../src/generated/prisma/client.js';
import type { TokenEvent } from '../../src/modules/tasks/tasks.events.js';
import { followText } from '../../src/modules/tasks/tasks.stream.js';

const task = { id: 7, status: 'running', output: null } as unknown as Task;
const db = (text: string) => ({ prisma: { task: { findUniqueOrThrow: async () => ({ ...task, status: 'succeeded', output: { texts: [{ text, finishReason: 'stop' }] } }) } } }) as any;
async function* source(pieces: [number, string][], end = true): AsyncGenerator<TokenEvent> {
  for (const [seq, delta] of pieces) yield { taskId: 7, choice: 0, seq, delta };
  if (end) yield { taskId: 7, choice: 0, seq: 99, delta: '', end: 'succeeded' };
}
const deltas = async (it: AsyncGenerator<any>) => {
  const out: string[] = [];
  for await (const e of it) if (e.type === 'token') out.push(e.delta);
  return out;
};

test('a run that starts again sends only what goes beyond the text already sent', async () => {
  const pieces: [number, string][] = [[0, 'a'], [1, ' b'], [2, ' c'], [0, 'a'], [1, ' b'], [2, ' c'], [3, ' d'], [4, ' e']];
  const got = await deltas(followText(db('a b c d e'), task, source(pieces)));
  assert.equal(got.join(''), 'a b c d e');
  assert.deepEqual(got, ['a', ' b', ' c', ' d', ' e']);
});

test('a run that writes otherwise is not mixed in; the stored text decides', async () => {
  const got = await deltas(followText(db('a b x y'), task, source([[0, 'a'], [1, ' b'], [0, 'a'], [1, ' z'], [2, ' y']])));
  assert.deepEqual(got, ['a', ' b', ' x y'], 'the rest comes from the stored text');
});

test('a consumer that leaves is reported the tokens it took, not the one it was handed last', async () => {
  let left = -1;
  const it = followText(db('unused'), task, source([[0, 'one'], [1, ' two'], [2, ' three']], false), { onLeave: async (_t, n) => void (left = n) });
  assert.equal((await it.next()).value.type, 'created');
  assert.equal((await it.next()).value.delta, 'one');
  assert.equal((await it.next()).value.delta, ' two');
  await it.return(undefined);
  assert.equal(left, 1, 'the first piece was taken (the next was asked for); the second was handed out as it left');
});
