import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { reproduceCommand } from '../harness/commands/reproduce.ts';
import { assertFigureDefinition, FIGURE_IDS, FIGURES, figuresFor, type LatencyFigure } from '../harness/reproduce/figures.ts';
import { writeFigureWorkload } from '../harness/reproduce/figure-workload.ts';
import { atSweepPoint, machineCount } from '../workloads/bench-workload.ts';

/** The built-in figure definitions are valid, map to runnable workloads, and bad ones are rejected naming the field. */
const dir = mkdtempSync(join(tmpdir(), 'parm-bench-figures-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('every figure definition is valid and its workload (full and quick) parses, every sweep point included', () => {
  assert.deepEqual(Object.keys(FIGURES).sort(), [...FIGURE_IDS].sort());
  for (const id of FIGURE_IDS) {
    const def = FIGURES[id];
    assertFigureDefinition(def);
    if (def.kind !== 'latency') continue;
    for (const variant of ['full', 'quick'] as const) {
      const w = writeFigureWorkload(def, def[variant], join(dir, `${id}-${variant}`));
      assert.ok(w.bench.systems.includes('parm'), `${id} ${variant}: runs parm`);
      for (const a of def.against) assert.ok(w.bench.systems.includes(a), `${id} ${variant}: runs ${a}`);
      if (w.bench.sweep) for (const v of w.bench.sweep.values) atSweepPoint(w.bench, v);
      if (variant === 'quick') {
        // The quick durations keep the expected count at the lowest rate over the 4,603 the binomial rule needs for p99.9.
        const rates = w.bench.sweep?.parameter === 'rate' ? w.bench.sweep.values : [(w.bench.load.arrivals as { rate: number }).rate];
        const expected = Math.min(...rates) * (w.bench.load.durationMs / 1000);
        assert.ok(expected >= 4603 * 1.1, `${id} quick: ${expected} expected queries at the lowest rate`);
      }
    }
  }
});

test('the 9b workload is the paper CPU deployment: 24 instances + 12, 120-240 q/s', () => {
  const def = FIGURES['9b'] as LatencyFigure;
  const w = writeFigureWorkload(def, def.full, join(dir, '9b-check'));
  assert.equal(w.bench.instances.n, 24);
  assert.equal(machineCount(w.bench.instances), 36);
  assert.deepEqual(w.bench.sweep?.values, [120, 150, 180, 210, 240]);
  assert.equal(w.bench.sweep?.parameter, 'rate');
});

test('quick changes exactly what it says: measured seconds, warm-up, sweep values; recorded in the derived workload', () => {
  const def = FIGURES['9a'] as LatencyFigure;
  const w = writeFigureWorkload(def, def.quick, join(dir, '9a-quick'), { durationS: 12, seed: 9 });
  const raw = JSON.parse(readFileSync(w.path, 'utf8'));
  assert.equal(raw.load.durationMs, 12_000);
  assert.equal(raw.load.warmupMs, 3000);
  assert.deepEqual(raw.sweep.values, [150, 270, 390]);
  assert.equal(raw.seed, 9);
  assert.ok(raw.models.startsWith('/'), 'the model manifest path is absolute in the copy');
  assert.match(raw.description, /reproduce 9a: measured 12 s/);
  assert.equal(w.changes.length, 4);
});

test('bad definitions and options are rejected naming the figure and the field', () => {
  const base = FIGURES['9a'] as LatencyFigure;
  const bad = (change: Partial<LatencyFigure>, message: RegExp) =>
    assert.throws(() => assertFigureDefinition({ ...base, ...change } as LatencyFigure), (e: Error) => message.test(e.message), JSON.stringify(change));
  bad({ claims: [] }, /figure "9a": claims: must list at least one claim/);
  bad({ claims: ['median-kept', 'faster' as never] }, /figure "9a": claims\[1\]: unknown claim "faster"/);
  bad({ claims: ['base-accuracy'] }, /claims\[0\]: base-accuracy is an accuracy claim/);
  bad({ against: ['parm'] }, /against\[0\]: must be a system other than parm/);
  bad({ systems: ['equal-resources'] }, /systems: must include parm/);
  bad({ systems: ['parm', 'baseline'] }, /against: equal-resources is not among the systems run/);
  bad({ quick: { durationS: -1, warmupS: 3, values: null, expectedMinutes: 1 } }, /quick\.durationS: must be null or a positive number/);
  bad({ full: { durationS: null, warmupS: null, values: [], expectedMinutes: 1 } }, /full\.values: must be null/);
  assert.throws(() => figuresFor('9c'), /--figure: unknown figure "9c": choose one of 9a, 9b, 10, 11, 12, 13, batching, accuracy, or all/);
  assert.equal(figuresFor('all').length, FIGURE_IDS.length);
  // Values on a workload without a sweep.
  const single = FIGURES['12'] as LatencyFigure;
  assert.throws(() => writeFigureWorkload(single, { ...single.quick, values: [1, 2] }, join(dir, 'bad')), /figure 12: values: the workload .* has no sweep/);
});

test('reproduce rejects bad options before running anything, naming the option', async () => {
  await assert.rejects(reproduceCommand({ figure: '9c', out: join(dir, 'never') }), /--figure: unknown figure "9c"/);
  await assert.rejects(reproduceCommand({ figure: '9a', backend: 'gpu', out: join(dir, 'never') }), /--backend: must be emulated .* or sim/);
  await assert.rejects(reproduceCommand({ figure: '9a', duration: 0, out: join(dir, 'never') }), /--duration: must be a positive number/);
});
