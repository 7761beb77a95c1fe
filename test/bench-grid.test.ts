import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { benchCommand } from '../harness/commands/bench.ts';
import { REPO_ROOT } from '../harness/software-versions.ts';
import { ratioVerdict, type SweepResults } from '../reports/sweep-report.ts';
import { atSweepPoint, deployedCapacityPerS, parseBenchWorkload, sweepPoints } from '../workloads/bench-workload.ts';
import { loadWorkload } from '../workloads/workload-file.ts';

/** The load x slowdown grid as a bench sweep with two parameters. */
const dir = mkdtempSync(join(tmpdir(), 'parm-bench-grid-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const MANIFEST = join(REPO_ROOT, 'workloads/models/fashion-mnist/manifest.json');

function workloadFile(name: string, sweep: unknown, overrides: Record<string, unknown> = {}): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(
    path,
    JSON.stringify({
      name,
      dataset: 'fashion-mnist',
      models: MANIFEST,
      seed: 6,
      load: { arrivals: { kind: 'poisson', rate: 100 }, durationMs: 1500, warmupMs: 300, drainTimeoutMs: 3000, reason: 'test' },
      instances: { n: 2, k: 2, backend: 'emulated', serviceTime: { kind: 'constant', ms: 10 }, reason: 'test' },
      systems: ['parm', 'baseline'],
      contention: { slowdowns: { concurrent: 1, transferMB: [50, 100], bandwidthMBps: 125, factor: 3, reason: 'test' } },
      sweep,
      ...overrides,
    }),
  );
  return path;
}

test('fashion-contention-grid: 3 loads x 3 factors, rates from the deployed capacity (600 q/s)', () => {
  const bench = parseBenchWorkload(loadWorkload('fashion-contention-grid'));
  assert.equal(deployedCapacityPerS(bench.instances), 600);
  const points = sweepPoints(bench.sweep!);
  assert.equal(points.length, 9);
  const rates = points.map((p) => {
    const at = atSweepPoint(bench, p[0].value, p[1].value);
    assert.equal(at.sweep, null);
    assert.equal(at.contention.slowdowns!.factor, p[1].value);
    return (at.load.arrivals as { rate: number }).rate;
  });
  assert.deepEqual(rates, [300, 300, 300, 420, 420, 420, 510, 510, 510]);
});

test('a grid sweep is validated field by field', () => {
  const grid = (by: unknown, overrides: Record<string, unknown> = {}) => () =>
    parseBenchWorkload(loadWorkload(workloadFile('bad', { parameter: 'load', values: [0.5], by, reason: 'r' }, overrides)));
  assert.throws(grid({ parameter: 'load', values: [0.7] }), /sweep\.by\.parameter: is "load" again/);
  assert.throws(grid({ parameter: 'rate', values: [100] }), /"rate" and "load" both set the arrival rate/);
  assert.throws(grid({ parameter: 'factor', values: [0.5] }), /factor = 0\.5 must be a slowdown factor >= 1/);
  assert.throws(grid({ parameter: 'factor' }), /sweep\.by\.values: must be a non-empty list/);
  assert.throws(grid({ parameter: 'factor', values: [2], extra: 1 }), /sweep\.by\.extra: unknown key/);
  assert.throws(grid({ parameter: 'factor', values: [2] }, { contention: {} }), /"factor" \(the slowdown factor\) needs contention\.slowdowns/);
  assert.throws(
    () => parseBenchWorkload(loadWorkload(workloadFile('bad2', { parameter: 'load', values: [0.5], reason: 'r' }, { instances: { n: 2, k: 2, backend: 'real', reason: 'r' } }))),
    /"load" is a fraction of the deployed instances' capacity, which needs backend "emulated"/,
  );
  assert.throws(() => parseBenchWorkload(loadWorkload(workloadFile('bad3', { parameter: 'load', values: [5], reason: 'r' }))), /load = 5 is a fraction of capacity/);
});

test('ratio verdicts: the whole interval below 1 wins, above 1 loses, across 1 is not significant', () => {
  assert.equal(ratioVerdict([0.4, 0.9]), 'ParM wins');
  assert.equal(ratioVerdict([1.1, 1.5]), 'ParM loses');
  assert.equal(ratioVerdict([0.8, 1.2]), 'not significant');
});

test('bench runs a 2 x 2 grid: sweep.json has both coordinates, the tables give both ratios and a verdict per point', { timeout: 180_000 }, async () => {
  const path = workloadFile('grid', { parameter: 'load', values: [0.3, 0.6], by: { parameter: 'factor', values: [2, 6] }, reason: 'test' });
  const out = join(dir, 'grid-run');
  await benchCommand({ workload: path, out });
  const sweep = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as SweepResults;
  assert.equal(sweep.partial, false);
  assert.equal(sweep.capacityPerS, 200);
  assert.deepEqual(sweep.by, { parameter: 'factor', values: [2, 6] });
  assert.deepEqual(
    sweep.points.map((p) => [p.coordinates, p.ratePerS, p.dir]),
    [
      [{ load: 0.3, factor: 2 }, 60, 'load-0.3-factor-2'],
      [{ load: 0.3, factor: 6 }, 60, 'load-0.3-factor-6'],
      [{ load: 0.6, factor: 2 }, 120, 'load-0.6-factor-2'],
      [{ load: 0.6, factor: 6 }, 120, 'load-0.6-factor-6'],
    ],
  );
  for (const p of sweep.points) {
    assert.equal(p.results.comparisons.length, 1, 'ParM against baseline at every point');
    const settings = JSON.parse(readFileSync(join(out, p.dir, 'settings.json'), 'utf8'));
    assert.equal(settings.resolved.contention.slowdowns.factor, p.coordinates!.factor);
    assert.equal(settings.resolved.load.arrivals.rate, p.ratePerS);
  }
  const md = readFileSync(join(out, 'sweep.md'), 'utf8');
  assert.match(md, /over load x factor/);
  assert.match(md, /## ParM against the other systems/);
  const rows = md.split('\n').filter((l) => l.startsWith('| load = '));
  assert.equal(rows.length, 4 * 2 + 4, 'per system rows and one comparison row per point');
  for (const row of rows.slice(-4)) assert.match(row, /(ParM wins|ParM loses|not significant).*(ParM wins|ParM loses|not significant)/);
});
