import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runFigure } from '../harness/commands/reproduce.ts';
import type { LatencyFigure } from '../harness/reproduce/figures.ts';
import { REPO_ROOT } from '../harness/software-versions.ts';
import type { LatencyFigureData } from '../reports/figure-latency.ts';

/**
 * One bounded reproduce of a tiny, test-only figure on loopback: a two-point rate sweep of
 * ParM and Equal-Resources on 2 + 1 emulated instances, 1.5 s measured per system and point, with
 * a slowdown episode. Too few queries for p99.9, so every point is INVALID and the judged claims
 * must come out inconclusive (never "holds"); the files the report promises must exist.
 */
const dir = mkdtempSync(join(tmpdir(), 'parm-bench-reproduce-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a tiny figure runs end to end: workload, bench sweep, figure data, PNGs, claims (inconclusive on INVALID points)', { timeout: 90_000 }, async () => {
  const workload = join(dir, 'tiny-sweep.json');
  writeFileSync(
    workload,
    JSON.stringify({
      name: 'tiny-sweep',
      dataset: 'fashion-mnist',
      models: join(REPO_ROOT, 'workloads/models/fashion-mnist/manifest.json'),
      seed: 5,
      load: { arrivals: { kind: 'poisson', rate: 60 }, durationMs: 60000, warmupMs: 2000, drainTimeoutMs: 3000, reason: 'test' },
      instances: { n: 2, k: 2, backend: 'emulated', serviceTime: { kind: 'constant', ms: 5 }, reason: 'test' },
      systems: ['parm', 'equal-resources'],
      contention: { slowdowns: { concurrent: 1, transferMB: [10, 20], bandwidthMBps: 20, factor: 4, reason: 'test' } },
      sweep: { parameter: 'rate', values: [40, 60, 80], reason: 'test' },
    }),
  );
  const figure: LatencyFigure = {
    kind: 'latency',
    id: 'tiny',
    title: 'test figure',
    paper: 'test only',
    workload,
    systems: null,
    against: ['equal-resources'],
    xLabel: 'query rate (q/s)',
    claims: ['median-kept', 'gap-reduced', 'gap-reduction-up-to', 'resources-vs-replication'],
    full: { durationS: null, warmupS: null, values: null, expectedMinutes: 1 },
    quick: { durationS: 1.5, warmupS: 0.5, values: [40, 80], expectedMinutes: 1 },
  };
  const out = join(dir, 'run');
  const outcome = await runFigure(figure, { quick: true, dir: out });
  assert.equal(outcome.partial, false);
  for (const f of ['workload.json', 'bench/sweep.json', 'bench/rate-40/results.json', 'bench/rate-80/results.json', 'figure.json', 'figure.csv', 'figure.png', 'figure-ratios.png', 'claims.json', 'claims.md']) {
    assert.ok(existsSync(join(out, f)), f);
  }
  assert.ok(!existsSync(join(out, 'bench/rate-60')), 'quick values replace the sweep values');
  const derived = JSON.parse(readFileSync(join(out, 'workload.json'), 'utf8'));
  assert.equal(derived.load.durationMs, 1500);
  assert.equal(derived.load.warmupMs, 500);
  assert.deepEqual(derived.sweep.values, [40, 80]);

  const data = JSON.parse(readFileSync(join(out, 'figure.json'), 'utf8')) as LatencyFigureData;
  assert.deepEqual([...new Set(data.points.map((p) => p.x))], [40, 80]);
  assert.deepEqual(data.points.map((p) => p.system).sort(), ['equal-resources', 'equal-resources', 'parm', 'parm']);
  for (const p of data.points) {
    assert.ok(p.queries > 30, `${p.system} at ${p.x}: ${p.queries} queries`);
    assert.ok(p.p50Ms !== null && p.p50Ms >= 5, `p50 ${p.p50Ms} at least the 5 ms service time`);
    assert.ok(p.p50Ci95[0] !== null && p.p50Ci95[0] <= p.p50Ms! && p.p50Ms! <= (p.p50Ci95[1] ?? Infinity));
    assert.equal(p.valid, false, 'a 1.5 s point has too few queries for p99.9');
  }
  assert.equal(data.comparisons.length, 2);
  assert.ok(data.comparisons.every((c) => c.against === 'equal-resources' && !c.valid));
  const csv = readFileSync(join(out, 'figure.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, 1 + 4);
  assert.match(csv[0], /^rate,system,queries,verdict,p50_ms/);

  const byClaim = new Map(outcome.claims.map((c) => [c.claim, c]));
  assert.equal(outcome.claims.length, 4);
  for (const c of outcome.claims) {
    if (c.claim.startsWith('ParM needs k times fewer')) assert.equal(c.verdict, 'holds', 'k = 2: 1 extra instance vs 2');
    else assert.equal(c.verdict, 'inconclusive', `${c.claim}: INVALID points cannot make a claim hold or fail`);
  }
  assert.ok([...byClaim.keys()].some((k) => /keeps the median/.test(k)));
  const md = readFileSync(join(out, 'claims.md'), 'utf8');
  assert.match(md, /\| figure \| claim \| paper \| ours \[95% CI\] \| verdict \| run dir \|/);
  assert.match(md, /INVALID/);
  const png = readFileSync(join(out, 'figure.png'));
  assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
});
