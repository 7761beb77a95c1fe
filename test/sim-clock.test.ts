import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtualClock } from '../harness/sim/virtual-clock.ts';

test('virtual clock: events run in time order, ties in the order they were set, each at its due time', () => {
  const clock = new VirtualClock();
  const seen: string[] = [];
  const at = (label: string) => () => seen.push(`${label}@${clock.now()}`);
  clock.setTimer(30, at('c'));
  clock.setTimer(10, at('a1'));
  clock.setTimer(20, at('b'));
  clock.setTimer(10, at('a2'));
  clock.setTimer(0, at('z'));
  clock.setTimer(-5, at('neg'));
  clock.setTimer(10, at('a3'));
  assert.equal(clock.pendingTimers, 7);
  assert.deepEqual(seen, [], 'nothing runs before run()');
  assert.equal(clock.run(), true);
  assert.deepEqual(seen, ['z@0', 'neg@0', 'a1@10', 'a2@10', 'a3@10', 'b@20', 'c@30']);
  assert.equal(clock.now(), 30);
  assert.equal(clock.pendingTimers, 0);
  assert.equal(clock.eventsRun, 7);
});

test('virtual clock: timers set by a callback run in order, after the ones already due at the same time', () => {
  const clock = new VirtualClock(100);
  const seen: string[] = [];
  clock.setTimer(5, () => {
    seen.push(`first@${clock.now()}`);
    clock.setTimer(0, () => seen.push(`child@${clock.now()}`));
    clock.setTimer(1, () => seen.push(`later@${clock.now()}`));
  });
  clock.setTimer(5, () => seen.push(`second@${clock.now()}`));
  clock.run();
  assert.deepEqual(seen, ['first@105', 'second@105', 'child@105', 'later@106']);
});

test('virtual clock: cleared timers never run; clearing twice or a foreign handle is harmless', () => {
  const clock = new VirtualClock();
  const seen: number[] = [];
  const handles = [1, 2, 3, 4, 5].map((i) => clock.setTimer(i, () => seen.push(i)));
  clock.clearTimer(handles[1]);
  clock.clearTimer(handles[3]);
  clock.clearTimer(handles[3]);
  clock.clearTimer({ id: 1 });
  assert.equal(clock.pendingTimers, 3);
  clock.run();
  assert.deepEqual(seen, [1, 3, 5]);
});

test('virtual clock: runUntil stops at a time, run(maxEvents) and halt() stop early and go on later', () => {
  const clock = new VirtualClock();
  const seen: number[] = [];
  for (let i = 1; i <= 10; i++) clock.setTimer(i * 10, () => seen.push(i));
  clock.runUntil(35);
  assert.deepEqual(seen, [1, 2, 3]);
  assert.equal(clock.now(), 35);
  assert.equal(clock.nextDue(), 40);
  assert.equal(clock.run(2), false);
  assert.deepEqual(seen, [1, 2, 3, 4, 5]);
  clock.setTimer(0, () => clock.halt());
  assert.equal(clock.run(), false, 'halted');
  assert.equal(clock.now(), 50);
  assert.equal(clock.run(), true);
  assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
});

test('virtual clock: a heap of many random timers pops in (time, order) order', () => {
  const clock = new VirtualClock();
  let x = 12345;
  const expected: [number, number][] = [];
  const seen: [number, number][] = [];
  for (let i = 0; i < 5000; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const due = x % 97;
    expected.push([due, i]);
    clock.setTimer(due, () => seen.push([clock.now(), i]));
  }
  expected.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  clock.run();
  assert.deepEqual(seen, expected);
});
