// A connection's errors in the log: the first, then a line per period with the count, then one
// when it is back; nothing more however often the client retries.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { logConnectionErrors } from '../../src/lib/connection-log.js';

test('the first error, a reminder per period with the count, and one line when it is back', async () => {
  const lines: { level: string; msg: string; o: Record<string, unknown> }[] = [];
  const log = { warn: (o: object, msg: string) => void lines.push({ level: 'warn', msg, o: o as Record<string, unknown> }), info: (o: object, msg: string) => void lines.push({ level: 'info', msg, o: o as Record<string, unknown> }) };
  const client = new EventEmitter();
  logConnectionErrors(client, log, { queue: 'tasks' }, 'queue redis', { everyMs: 200 });
  for (let i = 0; i < 50; i++) client.emit('error', new Error('connect ECONNREFUSED'));
  assert.deepEqual(lines.map((l) => [l.level, l.msg]), [['warn', 'queue redis error']]);
  assert.equal(lines[0]!.o.queue, 'tasks');
  await new Promise((r) => setTimeout(r, 250));
  client.emit('error', new Error('connect ECONNREFUSED'));
  assert.deepEqual(lines.map((l) => l.msg), ['queue redis error', 'queue redis still failing']);
  assert.equal(lines[1]!.o.errors, 51);
  client.emit('ready');
  assert.deepEqual(lines.map((l) => l.msg), ['queue redis error', 'queue redis still failing', 'queue redis back']);
  assert.equal(lines[2]!.o.errors, 51);
  // A ready without errors before it says nothing; the next failure is a first one again.
  client.emit('ready');
  client.emit('error', new Error('connect ECONNREFUSED'));
  assert.deepEqual(lines.map((l) => l.msg).slice(3), ['queue redis error']);
});
