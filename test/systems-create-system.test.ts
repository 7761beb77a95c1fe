import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../harness/clock.ts';
import { createSystem, isSystemName, SYSTEM_NAMES } from '../systems/create-system.ts';
import { AdditionEncoder } from '../systems/parm/addition-encoder.ts';
import type { SystemContext } from '../systems/serving-system.ts';
import { SystemConfigError } from '../systems/system-config.ts';
import { eventLog, makeQueries, scriptedInstances, ScriptedInstance } from './fixtures/scripted-instances.ts';

const D = 4;
const C = 5;
const shape = { channels: 1, height: 2, width: 2 };

function context(counts: { deployed?: number; parity?: number; backup?: number }, extra: Partial<SystemContext> = {}): SystemContext {
  const clock = new ManualClock();
  return {
    clock,
    instances: scriptedInstances({ clock, inputSize: D, classes: C, serviceMs: 10, ...counts }),
    classes: C,
    events: eventLog(),
    ...extra,
  };
}

const encoder = new AdditionEncoder(2, shape);

test('createSystem builds every named system, and each serves queries', () => {
  const contexts: Record<(typeof SYSTEM_NAMES)[number], SystemContext> = {
    baseline: context({ deployed: 2 }),
    'equal-resources': context({ deployed: 3 }),
    replication: context({ deployed: 4 }),
    hedged: context({ deployed: 3 }, { encoder }),
    'approximate-backup': context({ deployed: 2, backup: 1 }),
    parm: context({ deployed: 2, parity: 1 }, { encoder }),
  };
  for (const name of SYSTEM_NAMES) {
    const ctx = contexts[name];
    const system = createSystem(name, ctx);
    assert.equal(system.name, name);
    for (const q of makeQueries(4, D)) system.submit(q);
    (ctx.clock as ManualClock).advance(1000);
    assert.equal(system.outstanding, 0, name);
    const s = system.stats();
    assert.equal(s.system, name);
    assert.equal(s.submitted, 4);
    assert.equal(Object.values(s.answers).reduce((a, b) => a + b, 0), 4, name);
    system.close();
  }
  assert.ok(isSystemName('parm'));
  assert.ok(!isSystemName('ParM'));
});

test('createSystem: options are passed and checked', () => {
  const ctx = context({ deployed: 2, parity: 1 }, { encoder });
  const parm = createSystem('parm', ctx, { batchSize: 2 });
  parm.submit(makeQueries(1, D)[0]);
  assert.equal(parm.stats().waitingForBatch, 1);
});

test('createSystem: clear errors for an unknown name, unknown options and wrong values', () => {
  const err = (fn: () => unknown, pattern: RegExp) =>
    assert.throws(fn, (e: unknown) => e instanceof SystemConfigError && pattern.test(e.message), String(pattern));
  err(() => createSystem('parms', context({ deployed: 2 })), /unknown system "parms": choose one of baseline, equal-resources, replication, hedged, approximate-backup, parm/);
  err(() => createSystem('baseline', context({ deployed: 2 }), { batchsize: 2 }), /baseline: unknown option "batchsize" \(known options: batchSize\)/);
  err(() => createSystem('baseline', context({ deployed: 2 }), { batchSize: 0 }), /batchSize must be a positive integer, got 0/);
  err(() => createSystem('parm', context({ deployed: 2, parity: 1 }, { encoder }), { batchSize: '2' }), /batchSize must be a positive integer, got "2"/);
  err(() => createSystem('approximate-backup', context({ deployed: 2, backup: 1 }), { backupAfterMs: -1 }), /backupAfterMs must be a non-negative number/);
  err(() => createSystem('hedged', context({ deployed: 3 })), /hedged: give option k/);
  err(() => createSystem('hedged', context({ deployed: 3 }), { k: 2, hedgeMinSamples: 50, hedgeWindow: 10 }), /cannot exceed hedgeWindow/);
});

test('createSystem: clear errors for instances that do not fit the system', () => {
  const err = (fn: () => unknown, pattern: RegExp) =>
    assert.throws(fn, (e: unknown) => e instanceof SystemConfigError && pattern.test(e.message), String(pattern));
  err(() => createSystem('baseline', context({ deployed: 0 })), /baseline needs at least 1 deployed instance, got 0/);
  err(() => createSystem('baseline', context({ deployed: 2, parity: 1 })), /baseline does not use parity instances, but 1 were given/);
  err(() => createSystem('replication', context({ deployed: 3 })), /two equal groups.*even number, got 3/);
  err(() => createSystem('approximate-backup', context({ deployed: 2 })), /needs at least one backup instance/);
  err(() => createSystem('parm', context({ deployed: 2 }, { encoder })), /parm needs at least one parity instance/);
  err(() => createSystem('parm', context({ deployed: 2, parity: 1 })), /parm needs context.encoder/);
  err(
    () => createSystem('parm', context({ deployed: 2, parity: 1 }, { encoder: new AdditionEncoder(2, { channels: 1, height: 3, width: 3 }) })),
    /encoder's samples \(1x3x3 = 9 values\) do not match the instances' input size \(4\)/,
  );
  err(() => createSystem('baseline', context({ deployed: 1 }, { deadlineMs: 10 })), /a deadline \(deadlineMs 10\) needs a defaultOutput/);
  err(
    () => createSystem('baseline', context({ deployed: 1 }, { deadlineMs: 10, defaultOutput: new Float32Array(3) })),
    /defaultOutput has 3 values, expected 5/,
  );
  err(() => createSystem('baseline', context({ deployed: 1 }, { deadlineMs: -5, defaultOutput: new Float32Array(C) })), /deadlineMs must be a positive number/);

  const clock = new ManualClock();
  const make = (id: string, inputSize: number, outputSize: number) =>
    new ScriptedInstance({ id, clock, inputSize, outputSize, serviceMs: 1, compute: () => new Float32Array(outputSize) });
  const base = { clock, classes: C, events: eventLog() };
  err(
    () => createSystem('baseline', { ...base, instances: { deployed: [make('a', D, C), make('a', D, C)], parity: [], backup: [] } }),
    /two instances are named "a"/,
  );
  err(
    () => createSystem('baseline', { ...base, instances: { deployed: [make('a', D, C), make('b', D + 1, C)], parity: [], backup: [] } }),
    /deployed instance b takes 5 values per sample, but deployed instance a takes 4/,
  );
  err(
    () => createSystem('baseline', { ...base, instances: { deployed: [make('a', D, C + 1)], parity: [], backup: [] } }),
    /deployed instance a gives 6 values per sample, expected 5 \(classes\)/,
  );
});

test('every system tolerates a closed-loop driver that submits the next query from inside an answer callback', () => {
  const counts: Record<string, { deployed?: number; parity?: number; backup?: number }> = {
    baseline: { deployed: 2 },
    'equal-resources': { deployed: 3 },
    replication: { deployed: 4 },
    hedged: { deployed: 3 },
    'approximate-backup': { deployed: 2, backup: 1 },
    parm: { deployed: 2, parity: 1 },
  };
  for (const name of SYSTEM_NAMES) {
    const clock = new ManualClock();
    const queries = makeQueries(50, D);
    let next = 0;
    const answered: number[] = [];
    // The service time varies per call so that originals, replicas, hedges and reconstructions all get a chance.
    let call = 0;
    const instances = scriptedInstances({ clock, inputSize: D, classes: C, serviceMs: () => [10, 40, 12, 90, 11][call++ % 5], ...counts[name] });
    const ctx: SystemContext = {
      clock,
      instances,
      classes: C,
      encoder,
      events: {
        answer: (a) => {
          answered.push(a.queryId);
          if (next < queries.length) system.submit(queries[next++]);
        },
        lost: () => assert.fail(`${name}: nothing should be lost`),
      },
    };
    const system = createSystem(name, ctx, name === 'hedged' ? { initialHedgeDelayMs: 15 } : {});
    // Two outstanding queries at a time (parm needs k = 2 to form groups).
    system.submit(queries[next++]);
    system.submit(queries[next++]);
    clock.advance(100_000);
    assert.equal(answered.length, 50, name);
    assert.equal(new Set(answered).size, 50, `${name}: each query answered once`);
    assert.equal(system.outstanding, 0, name);
    for (const i of [...instances.deployed, ...instances.parity, ...instances.backup]) assert.equal(i.overlaps, 0, `${name}: ${i.id} got overlapping calls`);
  }
});
