import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { benchCommand } from '../harness/commands/bench.ts';
import { compareCommand } from '../harness/commands/compare.ts';
import { REPO_ROOT } from '../harness/software-versions.ts';
import type { RunComparison } from '../reports/compare-runs.ts';
import { CompareInputError } from '../reports/compare-run-directory.ts';

/**
 * `npm run compare` on real bench runs (a few emulated instances on loopback): a run against
 * itself is "no change" everywhere and exits 0; against a run whose service-time median is 20%
 * larger it reports the regression and exits 1; bad input exits 2 with a message naming it.
 */
const dir = mkdtempSync(join(tmpdir(), 'parm-bench-compare-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const MANIFEST = join(REPO_ROOT, 'workloads/models/fashion-mnist/manifest.json');

function workloadFile(name: string, o: { medianMs: number; rate: number; durationMs: number; n: number }): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(
    path,
    JSON.stringify({
      name,
      dataset: 'fashion-mnist',
      models: MANIFEST,
      seed: 11,
      load: { arrivals: { kind: 'constant', rate: o.rate }, durationMs: o.durationMs, warmupMs: 500, drainTimeoutMs: 5000, reason: 'test' },
      instances: { n: o.n, k: 2, backend: 'emulated', serviceTime: { kind: 'lognormal', medianMs: o.medianMs, sigma: 0.05 }, reason: 'test' },
      systems: ['baseline'],
    }),
  );
  return path;
}

/** Compared with itself: 4,750 measured queries, enough for the binomial rule to claim p99.9 (4,603). */
const runSelf = join(dir, 'run-self');
/**
 * The regression pair: 20 ms against 24 ms service-time medians at a low load (4 instances at
 * 40 q/s, 10-12% busy), so that the service time and not this machine's load decides the median.
 */
const runA = join(dir, 'run-a');
const runSlower = join(dir, 'run-slower');

before(async () => {
  await benchCommand({ workload: workloadFile('compare-self', { medianMs: 2, rate: 500, durationMs: 9_500, n: 6 }), out: runSelf });
  await benchCommand({ workload: workloadFile('compare-base', { medianMs: 20, rate: 40, durationMs: 4_000, n: 4 }), out: runA });
  await benchCommand({ workload: workloadFile('compare-slower', { medianMs: 24, rate: 40, durationMs: 4_000, n: 4 }), out: runSlower });
}, { timeout: 180_000 });

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'harness/cli.ts'), 'compare', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, NODE_TEST_CONTEXT: '', NODE_OPTIONS: '' },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('a run against itself: "no change" for every system and figure, paired by query id, exit 0', { timeout: 60_000 }, () => {
  const r = cli(runSelf, runSelf, '--resamples', '200', '--format', 'json');
  assert.equal(r.code, 0, r.stderr);
  const c = JSON.parse(r.stdout) as RunComparison;
  assert.equal(c.points.length, 1);
  assert.deepEqual(c.points[0].pairing.map((p) => [p.system, p.paired]), [['baseline', true]]);
  assert.ok(c.points[0].pairing[0].queries.a >= 4603, `measured ${c.points[0].pairing[0].queries.a}`);
  assert.equal(c.points[0].metrics.length, 7);
  for (const m of c.points[0].metrics) assert.equal(m.verdict, 'no change', `${m.system} ${m.metric}: ${m.verdict} ${m.note ?? ''}`);
  assert.equal(c.regressions, 0);
  const md = cli(runSelf, runSelf, '--resamples', '200');
  assert.equal(md.code, 0);
  assert.match(md.stdout, /^## parm-bench compare: no change/);
  assert.match(md.stdout, /\| baseline \| p99\.9 latency \|/);
  assert.match(md.stdout, /Verdict rule: .*95%.*5%/);
});

test('against a run with a 20% larger service-time median: the regression is reported and the exit code is 1', { timeout: 60_000 }, () => {
  const out = join(dir, 'compare.md');
  const r = cli(runA, runSlower, '--resamples', '200', '--out', out);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /^## parm-bench compare: \d+ regressions?/);
  assert.match(r.stdout, /\| baseline \| p50 latency \| [\d.]+ \| [\d.]+ \| \+\d+\.\d% \| \[\+\d+\.\d%, \+\d+\.\d%\] \| \*\*REGRESSION\*\* \|/);
  assert.match(r.stdout, /configurations differ .*serviceTime\.medianMs: 20 vs 24/);
  assert.match(r.stdout, /Resampling: independent for baseline/);
  assert.equal(readFileSync(out, 'utf8'), r.stdout, '--out holds the same report');
  const { comparison } = compareCommand(runA, runSlower, { resamples: 200, quiet: true });
  const p50 = comparison.points[0].metrics.find((m) => m.metric === 'p50')!;
  assert.equal(p50.verdict, 'regression');
  assert.ok(p50.ci![0] > 1.05, `p50 ratio ${p50.value} CI ${JSON.stringify(p50.ci)}`);
  assert.equal(comparison.points[0].metrics.find((m) => m.metric === 'p99.9')!.verdict, 'insufficient samples', '160 queries cannot claim p99.9');
  // The other way round it is an improvement, and nothing fails.
  const back = cli(runSlower, runA, '--resamples', '200', '--format', 'text');
  assert.equal(back.code, 0, back.stderr);
  assert.match(back.stdout, /no regression, \d+ improvements?/);
});

test('bad input exits 2 naming what is wrong: a missing directory, a file of another schema, one option out of range, a sweep against a run', { timeout: 60_000 }, () => {
  const missing = cli(runA, join(dir, 'nope'));
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope: no such directory; give the run directory/);
  const one = cli(runA);
  assert.equal(one.code, 2);
  assert.match(one.stderr, /give two run directories/);
  // The CLI turns every CompareInputError into exit code 2 (above); the rest in-process.
  const rejects = (f: () => unknown, message: RegExp) => assert.throws(f, (e: Error) => e instanceof CompareInputError && message.test(e.message), String(message));
  const bad = join(dir, 'bad-run');
  mkdirSync(bad);
  writeFileSync(join(bad, 'results.json'), JSON.stringify({ schema: 'something-else@1' }));
  rejects(() => compareCommand(runA, bad, { quiet: true }), /bad-run\/results\.json: .*schema/);
  rejects(() => compareCommand(runA, runA, { confidence: 95, quiet: true }), /--confidence: expected a level between 0 and 1/);
  rejects(() => compareCommand(runA, runA, { minEffect: -1, quiet: true }), /--min-effect: expected a relative change/);
  rejects(() => compareCommand(runA, runA, { format: 'html', quiet: true }), /--format: expected one of markdown, text, json/);
  const sweep = join(dir, 'sweep');
  mkdirSync(sweep);
  writeFileSync(join(sweep, 'sweep.json'), JSON.stringify({ schema: 'parm-bench/bench-sweep@1', workload: 'x', parameter: 'rate', partial: false, points: [{ value: 1, dir: '../run-a' }] }));
  rejects(() => compareCommand(sweep, runA, { quiet: true }), /is a sweep over rate but .* is a single run/);
});

test('two sweeps are compared point by point; points in only one are named', { timeout: 60_000 }, () => {
  const sweep = (name: string, points: [number, string][]): string => {
    const d = join(dir, name);
    mkdirSync(d);
    writeFileSync(join(d, 'sweep.json'), JSON.stringify({ schema: 'parm-bench/bench-sweep@1', workload: 'x', parameter: 'rate', partial: false, points: points.map(([value, run]) => ({ value, dir: `../${run}` })) }));
    return d;
  };
  const a = sweep('sweep-a', [[40, 'run-a'], [80, 'run-a']]);
  const b = sweep('sweep-b', [[40, 'run-slower'], [120, 'run-a']]);
  const { comparison, exitCode, output } = compareCommand(a, b, { resamples: 200, quiet: true });
  assert.equal(exitCode, 1);
  assert.deepEqual(comparison.points.map((p) => p.point), ['rate = 40']);
  assert.equal(comparison.points[0].metrics.find((m) => m.metric === 'p50')!.verdict, 'regression');
  assert.match(comparison.warnings.join('\n'), /sweep points not in both \(not compared\): rate = 80 \(only A\); rate = 120 \(only B\)/);
  assert.match(output, /### rate = 40/);
});
