import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { nightlyCommand, NIGHTLY_EXIT } from '../harness/commands/nightly.ts';
import { REPO_ROOT } from '../harness/software-versions.ts';
import { SeededRandom } from '../harness/seeded-random.ts';
import type { BenchRunDirectory } from '../reports/compare-run-directory.ts';
import { EXACT_BOOTSTRAP_MAX_QUERIES } from '../reports/gap-comparison.ts';
import { appendHistory, historyEntriesOfRun, HistoryFileError, NIGHTLY_HISTORY_SCHEMA, readHistory, type HistoryEntry } from '../reports/nightly-history.ts';
import { NightlySuiteError, readNightlySuite } from '../reports/nightly-suite.ts';

/**
 * `npm run nightly`: change points over a whole history decide the exit code (synthetic
 * histories, --dry-run), and a real tiny suite appends to the history and draws its trends.
 */
const dir = mkdtempSync(join(tmpdir(), 'parm-bench-nightly-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const MANIFEST = join(REPO_ROOT, 'workloads/models/fashion-mnist/manifest.json');

function tinySuite(name: string, extra: Record<string, unknown> = {}): string {
  const workload = join(dir, `${name}-workload.json`);
  writeFileSync(
    workload,
    JSON.stringify({
      name: `${name}-workload`,
      dataset: 'fashion-mnist',
      models: MANIFEST,
      seed: 5,
      load: { arrivals: { kind: 'constant', rate: 60 }, durationMs: 1500, warmupMs: 300, drainTimeoutMs: 3000, reason: 'test' },
      instances: { n: 2, k: 2, backend: 'emulated', serviceTime: { kind: 'lognormal', medianMs: 5, sigma: 0.05 }, reason: 'test' },
      systems: ['baseline'],
    }),
  );
  const suite = join(dir, `${name}-suite.json`);
  writeFileSync(
    suite,
    JSON.stringify({
      schema: 'parm-bench/nightly-suite@1',
      runs: [{ name: 'tiny', workload: `${name}-workload.json`, reason: 'test' }],
      metrics: ['p50', 'p99', 'accuracy', 'lost'],
      resamples: 100,
      changePoints: { minSegment: 3, permutations: 199, alpha: 0.01, recentRuns: 5, reason: 'test' },
      ...extra,
    }),
  );
  return suite;
}

/** A history of `values.length` nightly runs of one series (tiny | baseline | p50), plus a flat p99 series. */
function history(name: string, values: readonly number[]): string {
  const r = new SeededRandom(9);
  const lines: HistoryEntry[] = [];
  values.forEach((v, i) => {
    const time = new Date(Date.UTC(2026, 0, 1 + i, 3)).toISOString();
    const base = { schema: NIGHTLY_HISTORY_SCHEMA, time, nightly: `nightly-${i}`, gitSha: `sha${String(i).padStart(3, '0')}`, gitDirty: false, run: 'tiny', workload: 'w', configHash: 'c0ffee', system: 'baseline', unit: 'ms', confidence: 0.95, queries: 5000, enoughSamples: true, valid: true, partial: false } as const;
    lines.push({ ...base, metric: 'p50', value: v, ci: [v * 0.98, v * 1.02] });
    const p99 = 40 + r.nextNormal();
    lines.push({ ...base, metric: 'p99', value: p99, ci: [p99 - 1, p99 + 1] });
  });
  const path = join(dir, `${name}.ndjson`);
  writeFileSync(path, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return path;
}

function noisy(seed: number, levels: readonly [number, number][]): number[] {
  const r = new SeededRandom(seed);
  return levels.flatMap(([n, mean]) => Array.from({ length: n }, () => mean * (1 + 0.01 * r.nextNormal())));
}

test('a step up of 20% in the last 4 runs of a series is a confirmed regression: exit 1, named in nightly.md, drawn', { timeout: 60_000 }, async () => {
  const suite = tinySuite('step');
  const path = history('step', noisy(1, [[20, 10], [4, 12]]));
  const out = join(dir, 'step-out');
  const o = await nightlyCommand({ suite, history: path, out, dryRun: true });
  assert.equal(o.exitCode, NIGHTLY_EXIT.regression);
  assert.equal(o.appended, 0, 'a dry run adds nothing');
  const p50 = o.series.find((s) => s.metric === 'p50')!;
  assert.deepEqual(p50.changePoints.map((c) => c.index), [20]);
  assert.equal(p50.regressions.length, 1);
  assert.ok(Math.abs(p50.regressions[0].change - 0.2) < 0.03, `change ${p50.regressions[0].change}`);
  assert.equal(p50.regressions[0].firstBadRun.gitSha, 'sha020');
  assert.equal(p50.regressions[0].lastGoodRun.gitSha, 'sha019');
  assert.deepEqual(o.series.find((s) => s.metric === 'p99')!.changePoints, [], 'the flat series has none');
  const md = readFileSync(join(out, 'nightly.md'), 'utf8');
  assert.match(md, /^## parm-bench nightly: 1 confirmed regression/);
  assert.match(md, /\| tiny \| baseline \| p50 latency \| (9|10)\.\d\d ms \| 12\.\d\d ms \| \+\d+\.\d% \| [\d.]+ \| nightly-20 \(#21\) \| sha019 -> sha020 \|/);
  const pngs = readdirSync(join(out, 'trends'));
  assert.deepEqual(pngs.sort(), ['tiny-p50-c0ffee.png', 'tiny-p99-c0ffee.png']);
  assert.deepEqual([...readFileSync(join(out, 'trends', pngs[0])).subarray(1, 4)], [...Buffer.from('PNG')]);
  const csv = readFileSync(join(out, 'trends.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, 1 + 2 * 24);
  assert.match(csv.find((l) => l.startsWith('tiny,baseline,p50,c0ffee,21,'))!, /,p=0\.\d+,yes$/);
});

test('no confirmed regression: a flat history, an improvement, a single bad last night, an old regression: exit 0', { timeout: 60_000 }, async () => {
  const suite = tinySuite('ok');
  const cases: [string, number[], number][] = [
    ['flat', noisy(2, [[24, 10]]), 0],
    ['improvement', noisy(3, [[20, 10], [4, 8]]), 1],
    ['one-bad-night', [...noisy(4, [[23, 10]]), 13], 0],
    ['old', noisy(5, [[10, 10], [14, 12]]), 1],
  ];
  for (const [name, values, changePoints] of cases) {
    const o = await nightlyCommand({ suite, history: history(name, values), out: join(dir, `${name}-out`), dryRun: true });
    assert.equal(o.exitCode, NIGHTLY_EXIT.ok, name);
    assert.equal(o.series.find((s) => s.metric === 'p50')!.changePoints.length, changePoints, name);
  }
});

test('a real tiny suite, run twice: the history grows by one line per system and figure each night', { timeout: 120_000 }, async () => {
  const suite = tinySuite('real');
  const path = join(dir, 'real-history.ndjson');
  for (let night = 1; night <= 2; night++) {
    const out = join(dir, `real-out-${night}`);
    const o = await nightlyCommand({ suite, history: path, out });
    assert.equal(o.exitCode, NIGHTLY_EXIT.ok, o.summary);
    assert.deepEqual(o.runs.map((r) => [r.name, r.status]), [['tiny', 'ok']]);
    assert.equal(o.appended, 4, '1 system x 4 figures');
    assert.ok(existsSync(join(out, 'tiny', 'results.json')), 'the bench run directory');
    const lines = readHistory(path);
    assert.equal(lines.length, 4 * night);
    const p50 = lines.filter((l) => l.metric === 'p50');
    assert.ok(p50.every((l) => l.value !== null && l.value > 4 && l.ci !== null && l.ci[0] <= l.value && l.value <= l.ci[1]), JSON.stringify(p50));
    assert.equal(new Set(lines.map((l) => l.configHash)).size, 1, 'the same configuration every night');
    assert.equal(o.series.length, 4);
    assert.ok(o.series.every((s) => s.points.length === night));
    assert.ok(existsSync(join(out, 'nightly.md')) && existsSync(join(out, 'trends.json')));
  }
});

test('bad suite and history files are rejected naming the file, line and field', () => {
  const bad = (content: unknown, field: RegExp) => {
    const p = join(dir, 'bad-suite.json');
    writeFileSync(p, JSON.stringify(content));
    assert.throws(() => readNightlySuite(p), (e: Error) => e instanceof NightlySuiteError && field.test(e.message), JSON.stringify(content));
  };
  const good = JSON.parse(readFileSync(tinySuite('bad'), 'utf8'));
  bad({ ...good, schema: 'x' }, /bad-suite\.json: schema: expected "parm-bench\/nightly-suite@1"/);
  bad({ ...good, runs: [] }, /runs: expected a non-empty array/);
  bad({ ...good, runs: [{ ...good.runs[0], name: 'Bad Name' }] }, /runs\[0\]\.name: expected a short name/);
  bad({ ...good, runs: [{ ...good.runs[0], workload: 'missing.json' }] }, /runs\[0\]\.workload: expected an existing workload file/);
  bad({ ...good, metrics: ['p42'] }, /metrics\[0\]: expected one of p50, p99/);
  bad({ ...good, changePoints: { alpha: 5 } }, /changePoints\.alpha: expected a level between 0 and 1/);
  bad({ ...good, colour: 'red' }, /colour: expected no such key/);
  readNightlySuite(); // the committed suite is valid
  const h = join(dir, 'bad-history.ndjson');
  writeFileSync(h, `${JSON.stringify({ schema: NIGHTLY_HISTORY_SCHEMA })}\n`);
  assert.throws(() => readHistory(h), (e: Error) => e instanceof HistoryFileError && /bad-history\.ndjson:1: time: expected a string/.test(e.message));
  writeFileSync(h, 'not json\n');
  assert.throws(() => readHistory(h), /bad-history\.ndjson:1: not valid JSON/);
});

/** A bench run directory as nightly reads it: one system, its records file written from `latencyMs` (Infinity: lost) and labels. */
function fakeRun(name: string, n: number, seed: number): BenchRunDirectory {
  const r = new SeededRandom(seed);
  const runDir = join(dir, name);
  mkdirSync(runDir, { recursive: true });
  const lines: string[] = [];
  for (let id = 0; id < n; id++) {
    if (r.next() < 0.001) lines.push(`{"id":${id},"outcome":"lost"}`);
    else {
      const latencyUs = Math.round(1000 * (20 * Math.exp(0.3 * r.nextNormal()) + (r.next() < 0.002 ? 500 + 1500 * r.next() : 0)));
      lines.push(`{"id":${id},"outcome":"answer","latencyUs":${latencyUs},"correct":${r.next() < 0.9}}`);
    }
  }
  writeFileSync(join(runDir, 'records.ndjson'), lines.join('\n') + '\n');
  const results = { workload: 'synthetic', partial: false, systems: [{ system: 'parm', files: { records: 'records.ndjson' }, summary: { validity: { valid: true, reasons: [] }, partial: false } }] };
  return { kind: 'run', dir: runDir, results, config: null, configHash: 'c0ffee', git: null } as unknown as BenchRunDirectory;
}

const NIGHT = { time: '2026-01-01T03:00:00.000Z', name: 'nightly-1', gitSha: 'abc', gitDirty: false };
const ALL_METRICS = ['p50', 'p99', 'p99.9', 'gap', 'mean', 'accuracy', 'lost'] as const;

test('up to 100,000 queries the history lines are those of before the large-sample methods, to the byte', () => {
  // Numbers written by the code before the large-sample methods existed (same records, seed, resamples).
  assert.equal(EXACT_BOOTSTRAP_MAX_QUERIES, 100_000);
  const lines = historyEntriesOfRun(fakeRun('small', 3000, 4), 'tiny', NIGHT, ALL_METRICS, { confidence: 0.95, resamples: 200, seed: 1 });
  assert.deepEqual(
    lines.map((l) => [l.metric, l.value, l.ci, l.enoughSamples]),
    [
      ['p50', 19.8585, [19.578, 20.1717], true],
      ['p99', 40.208, [39.1982, 43.2547], true],
      ['p99.9', null, null, false],
      ['gap', null, null, false],
      ['mean', 23.0936, [21.2714, 25.0916], true],
      ['accuracy', 0.908211, [0.897172, 0.91896], true],
      ['lost', 0.00133333, [0, 0.003], true],
    ],
  );
  assert.ok(lines.every((l) => !('bootstrap' in l)), 'every resample drawn in full: no bootstrap key, the lines as before');
  assert.equal(
    JSON.stringify(lines[4]),
    '{"schema":"parm-bench/nightly-history@1","time":"2026-01-01T03:00:00.000Z","nightly":"nightly-1","gitSha":"abc","gitDirty":false,"run":"tiny","workload":"synthetic","configHash":"c0ffee","system":"parm","metric":"mean","unit":"ms","value":23.0936,"ci":[21.2714,25.0916],"confidence":0.95,"queries":3000,"enoughSamples":true,"valid":true,"partial":false}',
  );
});

test('above 100,000 queries (200,000) the lines come from the large-sample methods and say so; the intervals hold the figures', { timeout: 60_000 }, () => {
  const started = performance.now();
  const lines = historyEntriesOfRun(fakeRun('large', 200_000, 5), 'big', NIGHT, ALL_METRICS, { confidence: 0.95, resamples: 1000, seed: 1 });
  assert.deepEqual(
    lines.map((l) => [l.metric, l.bootstrap]),
    [
      ['p50', 'order-statistics'],
      ['p99', 'order-statistics'],
      ['p99.9', 'order-statistics'],
      ['gap', 'order-statistics'],
      ['mean', 'normal-bulk'],
      ['accuracy', 'category-counts'],
      ['lost', 'category-counts'],
    ],
  );
  for (const l of lines) {
    assert.ok(l.value !== null && l.ci !== null && l.ci[0] <= l.value && l.value <= l.ci[1] && l.ci[0] < l.ci[1], JSON.stringify(l));
    assert.equal(l.queries, 200_000);
  }
  const figure = (m: string) => lines.find((l) => l.metric === m)!;
  // The records' distribution: 20 ms lognormal medians, 90% right, 0.1% lost.
  assert.ok(Math.abs(figure('p50').value! - 20) < 0.2, JSON.stringify(figure('p50')));
  assert.ok(Math.abs(figure('accuracy').value! - 0.9) < 0.005 && figure('accuracy').ci![1] - figure('accuracy').ci![0] < 0.01, JSON.stringify(figure('accuracy')));
  assert.ok(Math.abs(figure('lost').value! - 0.001) < 0.0003, JSON.stringify(figure('lost')));
  // The history file keeps the key, and rejects a method it does not know.
  const path = join(dir, 'large-history.ndjson');
  appendHistory(path, lines);
  assert.deepEqual(readHistory(path), lines);
  writeFileSync(path, JSON.stringify({ ...lines[0], bootstrap: 'guess' }) + '\n');
  assert.throws(() => readHistory(path), (e: Error) => e instanceof HistoryFileError && /large-history\.ndjson:1: bootstrap: expected one of resample, order-statistics/.test(e.message));
  const seconds = (performance.now() - started) / 1000;
  assert.ok(seconds < 30, `took ${seconds.toFixed(1)} s`);
});
