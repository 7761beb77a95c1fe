import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock, type TimerHandle } from '../harness/clock.ts';
import { SeededRandom } from '../harness/seeded-random.ts';
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

test('reusable timers: run in the same order as setTimer timers set at the same moments, on the virtual and the manual clock', () => {
  // The same script on both clocks, once with setTimer handles and once with reusable timers: same sequence.
  const script = (clock: VirtualClock | ManualClock, reusable: boolean, runAll: () => void): string[] => {
    const seen: string[] = [];
    const make = (label: string): { set(ms: number): void; clear(): void } => {
      if (reusable) return clock.timer(() => seen.push(`${label}@${clock.now()}`));
      let handle: TimerHandle | undefined;
      const fn = (): void => {
        handle = undefined;
        seen.push(`${label}@${clock.now()}`);
      };
      return {
        set: (ms) => {
          if (handle) clock.clearTimer(handle);
          handle = clock.setTimer(ms, fn);
        },
        clear: () => {
          if (handle) clock.clearTimer(handle);
          handle = undefined;
        },
      };
    };
    const a = make('a');
    const b = make('b');
    const again = make('again');
    a.set(10);
    b.set(10);
    clock.setTimer(10, () => {
      seen.push(`plain@${clock.now()}`);
      a.set(0); // a has run: set again at the same instant, after what is due now
      again.set(5);
    });
    b.set(20); // moves b: its first setting is dropped
    clock.setTimer(15, () => {
      again.set(3); // moves a pending timer: the entry in the heap is dropped, a new one takes its place
      b.clear();
    });
    runAll();
    return seen;
  };
  const virtualPlain = new VirtualClock();
  const virtualReused = new VirtualClock();
  const manualPlain = new ManualClock();
  const manualReused = new ManualClock();
  const expected = ['a@10', 'plain@10', 'a@10', 'again@18'];
  assert.deepEqual(script(virtualPlain, false, () => virtualPlain.run()), expected);
  assert.deepEqual(script(virtualReused, true, () => virtualReused.run()), expected);
  assert.deepEqual(script(manualPlain, false, () => manualPlain.advance(100)), expected);
  assert.deepEqual(script(manualReused, true, () => manualReused.advance(100)), expected);
  assert.equal(virtualReused.pendingTimers, 0);
});

test('reusable timer on the virtual clock: set again thousands of times among other timers, it keeps one order with them', () => {
  const clock = new VirtualClock();
  const random = new SeededRandom(4);
  const seen: number[] = [];
  let fired = 0;
  const timer = clock.timer(() => {
    fired++;
    seen.push(clock.now());
    if (fired < 5_000) timer.set(random.next() * 3);
  });
  timer.set(1);
  for (let i = 0; i < 5_000; i++) clock.setTimer(random.next() * 10_000, () => seen.push(clock.now()));
  assert.equal(timer.pending, true);
  clock.run();
  assert.equal(fired, 5_000);
  assert.equal(timer.pending, false);
  assert.equal(seen.length, 10_000);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i] >= seen[i - 1], 'events in time order');
});

test('virtual clock: random timers, ties, clears and timers set from callbacks run in the order of a plain (due, set order) scan', () => {
  // The reference: ManualClock, which finds each next timer by scanning all of them.
  for (const seed of [1, 2, 3]) {
    const runs = [new VirtualClock(), new ManualClock()].map((clock) => {
      const random = new SeededRandom(seed);
      const seen: string[] = [];
      const handles: TimerHandle[] = [];
      const reusable = [0, 1, 2].map((r) => clock.timer(() => seen.push(`r${r}@${clock.now()}`)));
      let made = 0;
      const add = (depth: number): void => {
        const label = made++;
        // Whole-ms delays in a short range: many timers fall due at the same instant.
        handles.push(
          clock.setTimer(Math.floor(random.next() * 6) - 1, () => {
            seen.push(`${label}@${clock.now()}`);
            if (depth < 3 && made < 3_000) for (let c = 0; c < 3; c++) if (random.next() < 0.6) add(depth + 1);
            if (random.next() < 0.3) clock.clearTimer(handles[Math.floor(random.next() * handles.length)]);
            if (random.next() < 0.4) reusable[Math.floor(random.next() * 3)].set(Math.floor(random.next() * 4));
            if (random.next() < 0.1) reusable[Math.floor(random.next() * 3)].clear();
          }),
        );
      };
      for (let i = 0; i < 200; i++) add(0);
      if (clock instanceof VirtualClock) clock.run();
      else clock.advance(1_000_000);
      return seen;
    });
    assert.ok(runs[0].length > 500, `seed ${seed}: ${runs[0].length} events`);
    assert.deepEqual(runs[0], runs[1], `seed ${seed}`);
  }
});
