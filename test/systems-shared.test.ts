import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../harness/clock.ts';
import { DeadlineGuard } from '../systems/deadline-guard.ts';
import { LinkedList, type ListLinks } from '../systems/linked-list.ts';
import { PullQueue, type QueuedRequest } from '../systems/pull-queue.ts';
import { SlidingQuantile } from '../systems/replication/sliding-quantile.ts';
import { batchInput, QueryBatcher } from '../systems/query-batcher.ts';
import { ANSWER_PATHS, answerPathIndex } from '../systems/system-stats.ts';
import { scriptedInstances } from './fixtures/scripted-instances.ts';

interface Req extends QueuedRequest {
  readonly name: string;
}
const req = (name: string): Req => ({ name, input: new Float32Array(2), batch: 1 });

function queueWith(clock: ManualClock, serviceMs: (id: string) => number, n = 2, downAt: Record<string, number> = {}) {
  const set = scriptedInstances({ clock, inputSize: 2, classes: 3, deployed: n, serviceFor: (id) => serviceMs(id), downAt });
  const log: string[] = [];
  let poolDown = 0;
  const queue = new PullQueue<Req>('deployed', set.deployed, clock, {
    started: (r, i) => log.push(`${clock.now()} start ${r.name} ${i.id}`),
    completed: (r, out, i, ms) => log.push(`${clock.now()} done ${r.name} ${i.id} ${ms} ${out.length}`),
    failed: (r, e, i, down) => log.push(`${clock.now()} fail ${r.name} ${i.id} ${down ? 'down' : 'error'}`),
    poolDown: () => poolDown++,
  });
  return { set, queue, log, poolDowns: () => poolDown };
}

test('pull queue: idle instances take requests in FIFO order, the longest-idle instance first', () => {
  const clock = new ManualClock();
  const { queue, log, set } = queueWith(clock, (id) => (id === 'deployed-0' ? 10 : 15));
  for (const n of ['a', 'b', 'c', 'd']) queue.push(req(n));
  assert.equal(queue.busy, 2);
  assert.equal(queue.length, 2);
  clock.advance(100);
  assert.deepEqual(log, [
    '0 start a deployed-0',
    '0 start b deployed-1',
    '10 done a deployed-0 10 3',
    '10 start c deployed-0',
    '15 done b deployed-1 15 3',
    '15 start d deployed-1',
    '20 done c deployed-0 10 3',
    '30 done d deployed-1 15 3',
  ]);
  assert.equal(queue.started, 4);
  for (const i of set.deployed) assert.equal(i.overlaps, 0);
  // Now deployed-0 has been idle longest (since 20): it takes the next request.
  queue.push(req('e'));
  assert.equal(log.at(-1), '100 start e deployed-0');
});

test('pull queue: remove() takes a queued request out, pushFront() puts one at the head', () => {
  const clock = new ManualClock();
  const { queue, log } = queueWith(clock, () => 10, 1);
  const a = req('a');
  const b = req('b');
  const c = req('c');
  const d = req('d');
  queue.push(a);
  queue.push(b);
  queue.push(c);
  assert.equal(queue.remove(b), true);
  assert.equal(queue.remove(b), false);
  assert.equal(queue.remove(a), false, 'a running request cannot be removed');
  assert.equal(queue.isRunning(a), true);
  queue.pushFront(d);
  assert.throws(() => queue.push(c), /added twice/);
  clock.advance(100);
  assert.deepEqual(
    log.filter((l) => l.includes('start')),
    ['0 start a deployed-0', '10 start d deployed-0', '20 start c deployed-0'],
  );
});

test('pull queue: a request is in one queue at a time; a finished, removed or dropped one can be added again', () => {
  const clock = new ManualClock();
  const first = queueWith(clock, () => 10, 1);
  const second = queueWith(clock, () => 10, 1);
  const a = req('a');
  const b = req('b');
  first.queue.push(a);
  first.queue.push(b);
  assert.throws(() => second.queue.push(a), /already in another queue/, 'running in the first queue');
  assert.throws(() => second.queue.push(b), /already in another queue/, 'waiting in the first queue');
  assert.throws(() => first.queue.pushFront(a), /added twice/, 'running: not again in the same queue');
  assert.equal(second.queue.isQueued(b), false);
  assert.equal(second.queue.isRunning(a), false);
  assert.equal(first.queue.remove(b), true);
  second.queue.push(b);
  assert.equal(second.queue.isRunning(b), true);
  clock.advance(10);
  assert.equal(first.queue.isRunning(a), false);
  assert.equal(first.queue.busy, 0);
  second.queue.push(a);
  assert.equal(second.queue.isRunning(a), true, 'b is done there: a starts at once');
  second.queue.close();
  assert.equal(second.queue.isRunning(a), false, 'close() lets go of the running request');
  first.queue.push(a);
  first.queue.push(b);
  assert.equal(first.queue.busy, 1);
  assert.equal(first.queue.length, 1);
  clock.advance(100);
  assert.deepEqual(
    first.log.filter((l) => l.includes('done')),
    ['10 done a deployed-0 10 3', '20 done a deployed-0 10 3', '30 done b deployed-0 10 3'],
  );
});

test('pull queue: an instance that goes down gets nothing more; poolDown fires once the last one is gone', () => {
  const clock = new ManualClock();
  const { queue, log, set, poolDowns } = queueWith(clock, () => 10, 2, { 'deployed-0': 5, 'deployed-1': 25 });
  queue.push(req('a'));
  queue.push(req('b'));
  queue.push(req('c'));
  clock.advance(6);
  assert.ok(log.includes('5 fail a deployed-0 down'));
  assert.equal(queue.alive, 1);
  clock.advance(24); // deployed-1: b 0-10, c 10-20; it goes down at 25 while idle: not known yet
  assert.equal(set.deployed[0].calls.length, 1, 'the down instance was sent nothing more');
  assert.ok(log.includes('10 start c deployed-1'));
  assert.ok(log.includes('20 done c deployed-1 10 3'));
  assert.equal(queue.alive, 1);
  assert.equal(poolDowns(), 0);
  queue.push(req('d'));
  clock.advance(1);
  assert.ok(log.includes('30 fail d deployed-1 down'));
  assert.equal(queue.alive, 0);
  assert.equal(queue.instancesDown, 2);
  assert.equal(poolDowns(), 1);
  queue.push(req('e'));
  clock.advance(100);
  assert.equal(queue.length, 1, 'with no instance alive, requests stay queued');
  assert.equal(poolDowns(), 1);
});

test('pull queue: close() drops queued requests and cancels running ones; nothing is reported after', () => {
  const clock = new ManualClock();
  const set = scriptedInstances({ clock, inputSize: 2, classes: 3, deployed: 1, serviceMs: 10 });
  const queue = new PullQueue<Req>('deployed', set.deployed, clock, {
    completed: () => assert.fail('closed queues report nothing'),
    failed: () => assert.fail('closed queues report nothing'),
  });
  queue.push(req('a'));
  queue.push(req('b'));
  queue.close();
  assert.equal(queue.length, 0);
  clock.advance(100);
  assert.equal(set.deployed[0].calls.length, 1);
  assert.equal(set.deployed[0].calls[0].result, 'cancelled');
  queue.push(req('c'));
  assert.equal(set.deployed[0].calls.length, 1);
});

test('pull queue: output of the wrong length is reported as an error, the instance stays', () => {
  const clock = new ManualClock();
  const set = scriptedInstances({ clock, inputSize: 2, classes: 3, deployed: 1, serviceMs: 10, compute: { deployed: () => new Float32Array(5) } });
  const failures: string[] = [];
  const queue = new PullQueue<Req>('deployed', set.deployed, clock, {
    completed: () => assert.fail('must not complete'),
    failed: (_r, e, _i, down) => failures.push(`${down} ${e.message}`),
  });
  queue.push(req('a'));
  clock.advance(10);
  assert.deepEqual(failures, ['false instance deployed-0 returned 5 values for a batch of 1, expected 3']);
  assert.equal(queue.alive, 1);
});

test('deadline guard: one timer, expiries in submission order at the exact deadline', () => {
  const clock = new ManualClock();
  const expired: string[] = [];
  const guard = new DeadlineGuard(clock, 50, (id) => expired.push(`${clock.now()}:${id}`));
  guard.track(1, 0);
  clock.advance(10);
  guard.track(2, 10);
  guard.track(3, 10);
  assert.equal(clock.pendingTimers, 1);
  clock.advance(45);
  assert.deepEqual(expired, ['50:1']);
  clock.advance(10);
  assert.deepEqual(expired, ['50:1', '60:2', '60:3']);
  assert.equal(clock.pendingTimers, 0);
  guard.track(4, clock.now());
  guard.close();
  clock.advance(100);
  assert.equal(expired.length, 3);
  assert.throws(() => new DeadlineGuard(clock, 0, () => {}), /positive/);
});

test('deadline guard: a query tracked from inside an expiry gets its own deadline', () => {
  const clock = new ManualClock();
  const expired: string[] = [];
  let n = 10;
  const guard: DeadlineGuard = new DeadlineGuard(clock, 5, (id) => {
    expired.push(`${clock.now()}:${id}`);
    if (n < 12) guard.track(n++, clock.now());
  });
  guard.track(1, 0);
  clock.advance(100);
  assert.deepEqual(expired, ['5:1', '10:10', '15:11']);
  assert.equal(clock.pendingTimers, 0);
});

test('sliding quantile: nearest rank over the last N values', () => {
  const w = new SlidingQuantile(4);
  assert.ok(Number.isNaN(w.quantile(0.5)));
  for (const v of [5, 1, 4, 2]) w.add(v);
  assert.equal(w.quantile(0.5), 2);
  assert.equal(w.quantile(0.75), 4);
  assert.equal(w.quantile(1), 5);
  w.add(10); // 5 leaves
  assert.equal(w.count, 4);
  assert.equal(w.quantile(1), 10);
  assert.equal(w.quantile(0.25), 1);
  w.add(0); // 1 leaves: 4, 2, 10, 0
  assert.equal(w.quantile(0.25), 0);
  assert.equal(w.quantile(0.5), 2);
});

test('query batcher: releases full batches in arrival order and concatenates inputs', () => {
  const b = new QueryBatcher(2);
  const q = (id: number) => ({ id, input: Float32Array.of(id, id + 0.5) });
  assert.equal(b.add(q(1)), undefined);
  const batch = b.add(q(2))!;
  assert.deepEqual(batch.map((x) => x.id), [1, 2]);
  assert.deepEqual(Array.from(batchInput(batch, 2)), [1, 1.5, 2, 2.5]);
  b.add(q(3));
  assert.equal(b.remove(3), true);
  assert.equal(b.waiting.length, 0);
  assert.throws(() => new QueryBatcher(0), /positive integer/);
});

test('linked list: append, prepend and remove in order; an item is on one list at a time', () => {
  interface Item extends ListLinks<Item> {
    readonly name: string;
  }
  const item = (name: string): Item => ({ name, listPrev: undefined, listNext: undefined, listed: false });
  const list = new LinkedList<Item>();
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(item);
  list.append(a);
  list.append(b);
  list.prepend(c);
  list.append(d);
  assert.deepEqual(list.items().map((i) => i.name), ['c', 'a', 'b', 'd']);
  assert.equal(list.size, 4);
  assert.equal(list.remove(b), true);
  assert.equal(list.remove(b), false, 'not on the list any more');
  assert.equal(list.remove(c), true);
  assert.equal(list.first?.name, 'a');
  assert.throws(() => new LinkedList<Item>().append(a), /already on a list/);
  list.remove(d);
  assert.deepEqual(list.items().map((i) => i.name), ['a']);
  list.append(b);
  list.clear();
  assert.equal(list.size, 0);
  assert.equal(list.first, undefined);
  assert.equal(a.listed || b.listed, false);
});

test('answer paths: answerPathIndex gives each path its position in ANSWER_PATHS', () => {
  ANSWER_PATHS.forEach((path, i) => assert.equal(answerPathIndex(path), i, path));
});
