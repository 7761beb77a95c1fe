import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { SCALE_MAP_CSV_HEADER, SCALE_MAP_SCHEMA, scaleMapCommand, ScaleMapOptionError, scaleMapSettings } from '../harness/commands/scale-map.ts';
import { planScaleMap, type ScalePointResult, type ScaleSystemFigures } from '../harness/sim/scale-map.ts';
import { REPO_ROOT } from '../harness/software-versions.ts';
import { scaleMapCharts } from '../reports/charts/scale-map-charts.ts';

/**
 * `npm run scale-map` (harness/commands/scale-map.ts) on a tiny grid through the CLI: every file is
 * written, the JSON agrees with the CSV and the Markdown, the PNG charts are drawn; bad options
 * fail naming the option; Ctrl-C and an abort leave nothing under the final names.
 */

const dir = mkdtempSync(join(tmpdir(), 'parm-bench-scale-map-'));
const out = join(dir, 'map');
const CLI = join(REPO_ROOT, 'harness/cli.ts');
const TINY = ['--ns', '12', '--ks', '2', '--loads', '0.5', '--factors', '1,3', '--crash-rates', '0,0.05', '--queries', '2000'];
let run: SpawnSyncReturns<string>;

function cli(args: readonly string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--import', 'tsx', CLI, 'scale-map', ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
}

before(() => {
  run = cli([...TINY, '--out', out]);
});

after(() => rmSync(dir, { recursive: true, force: true }));

interface MapJson {
  schema: string;
  partial: boolean;
  settings: { seed: number; queries: number; base: Record<string, number> };
  command: { argv: string[]; reproduce: string };
  points: ScalePointResult[];
  charts: { file: string; factor: string; title: string }[];
  chartNote: string | null;
}

const readJson = (path: string): MapJson => JSON.parse(readFileSync(path, 'utf8')) as MapJson;

/** The CSV as records (the scale map's cells hold no commas or quotes). */
function csvRecords(path: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(path, 'utf8').trimEnd().split('\n');
  const names = header.split(',');
  return lines.map((line) => {
    const cells = line.split(',');
    assert.equal(cells.length, names.length, `CSV row "${line}"`);
    return Object.fromEntries(names.map((n, i) => [n, cells[i]]));
  });
}

test('the CLI runs the map with progress on stderr and writes every file into --out', () => {
  assert.equal(run.status, 0, `exit ${run.status}\n${run.stderr}`);
  assert.match(run.stderr, /scale-map: 3 points x 3 systems, about 2000 measured queries each \(seed 1\)/);
  assert.match(run.stderr, /scale-map: 3\/3 \(100%\), elapsed \d+s/);
  assert.match(run.stdout, /wall time [\d.]+ s; wrote .*scale-map\.md, scale-map\.csv, scale-map\.json, charts\/gap-ratio-by-factor\.png, charts\/gap-ratio-by-crash-rate\.png/);
  for (const f of ['scale-map.md', 'scale-map.csv', 'scale-map.json', 'charts/gap-ratio-by-factor.png', 'charts/gap-ratio-by-crash-rate.png']) {
    assert.ok(existsSync(join(out, f)), `${f} is missing`);
  }
  // Only the swept factors get a chart; no partial or temporary file is left.
  assert.deepEqual(readdirSync(join(out, 'charts')).sort(), ['gap-ratio-by-crash-rate.png', 'gap-ratio-by-factor.png']);
  assert.deepEqual(readdirSync(out).sort(), ['charts', 'scale-map.csv', 'scale-map.json', 'scale-map.md']);
});

test('scale-map.json, scale-map.csv and scale-map.md give the same figures', () => {
  const json = readJson(join(out, 'scale-map.json'));
  assert.equal(json.schema, SCALE_MAP_SCHEMA);
  assert.equal(json.partial, false);
  assert.equal(json.settings.seed, 1);
  assert.deepEqual(json.settings.base, { n: 12, k: 2, load: 0.5, factor: 3, crashRate: 0 });
  assert.deepEqual(json.command.argv, [...TINY, '--out', out]);
  assert.equal(json.points.length, 3);
  assert.deepEqual(json.points.map((p) => [p.factor, p.crashRate]), [[3, 0], [1, 0], [3, 0.05]]);
  assert.deepEqual(json.charts.map((c) => c.factor), ['factor', 'crashRate']);
  assert.equal(json.chartNote, null);

  const csv = csvRecords(join(out, 'scale-map.csv'));
  assert.deepEqual(Object.keys(csv[0]), [...SCALE_MAP_CSV_HEADER]);
  assert.equal(csv.length, json.points.length * 2, 'one row per point and system pair');
  const md = readFileSync(join(out, 'scale-map.md'), 'utf8');
  assert.match(md, /^# Scale map: where ParM wins and loses \(simulated\)/);
  assert.ok(md.includes(`Command: \`npm run scale-map -- ${[...TINY, '--out', out].join(' ')}\``), 'the command line');
  assert.match(md, /Reproduce: `npm run scale-map -- --queries 2000 --seed 1 --ns 12 --ks 2 --loads 0\.5 --factors 1,3 --crash-rates 0,0\.05`/);
  assert.match(md, /## How to read it[\s\S]*below 1: ParM's tail gap is the smaller one/i);
  assert.match(md, /!\[ParM's tail gap ratio by slowdown factor: below 1, ParM's gap is smaller \(ParM wins\)\]\(charts\/gap-ratio-by-factor\.png\)/);
  const mdRows = md.split('\n').filter((l) => /^\| (base|factor=|crash=)/.test(l)).map((l) => l.slice(2, -2).split(' | '));
  assert.equal(mdRows.length, 3);

  const agree = (label: string, a: number, b: number, tolerance = 1e-9) => assert.ok(Math.abs(a - b) <= tolerance, `${label}: ${a} vs ${b}`);
  for (const [i, p] of json.points.entries()) {
    const P: ScaleSystemFigures = p.systems.parm;
    assert.ok(P.measured >= 1900 && P.lost === 0, `${p.id}: ${P.measured} measured, ${P.lost} lost`);
    for (const other of ['equal-resources', 'replication'] as const) {
      const O = p.systems[other];
      const c = p.comparisons.find((x) => x.against === other)!;
      agree(`${p.id} gap ratio vs ${other}`, c.gapRatio!, P.gapMs / O.gapMs, 1e-4);
      agree(`${p.id} median ratio vs ${other}`, c.medianRatio!, P.p50Ms / O.p50Ms, 1e-4);
      agree(`${p.id} ParM gap`, P.gapMs, P.p99_9Ms - P.p50Ms, 1e-9);
      const expected: string = P.lost > O.lost ? 'loses (more lost)' : c.gapRatio! < 0.95 ? 'wins' : c.gapRatio! <= 1.05 ? 'tie' : 'loses';
      assert.equal(c.verdict, expected, `${p.id} verdict vs ${other}`);
      const row = csv.find((r) => r.point === p.id && r.against === other);
      assert.ok(row, `CSV row ${p.id} / ${other}`);
      agree('csv n', Number(row.n), p.n);
      agree('csv crash_rate', Number(row.crash_rate), p.crashRate);
      agree('csv parm_p50_ms', Number(row.parm_p50_ms), P.p50Ms);
      agree('csv parm_p99_9_ms', Number(row.parm_p99_9_ms), P.p99_9Ms);
      agree('csv other_p99_9_ms', Number(row.other_p99_9_ms), O.p99_9Ms);
      agree('csv other_gap_ms', Number(row.other_gap_ms), O.gapMs);
      agree('csv gap_ratio', Number(row.gap_ratio), c.gapRatio!);
      agree('csv median_ratio', Number(row.median_ratio), c.medianRatio!);
      agree('csv other_lost', Number(row.other_lost), O.lost);
      assert.equal(row.verdict, c.verdict);
    }
    // Markdown: point, N, k, ParM inst., load, slowdown, crash, ParM p50, ParM p99.9, ER p99.9, rep p99.9,
    // median vs ER, gap vs ER, median vs rep, gap vs rep, lost, ParM vs ER, ParM vs rep.
    const m = mdRows[i];
    const er = p.comparisons.find((x) => x.against === 'equal-resources')!;
    const rep = p.comparisons.find((x) => x.against === 'replication')!;
    assert.equal(m[1], String(p.n));
    assert.equal(m[3], String(P.instances));
    assert.equal(m[8], P.p99_9Ms.toFixed(1));
    assert.equal(m[9], p.systems['equal-resources'].p99_9Ms.toFixed(1));
    assert.equal(m[10], p.systems.replication.p99_9Ms.toFixed(1));
    assert.equal(m[12], er.gapRatio!.toFixed(2));
    assert.equal(m[14], rep.gapRatio!.toFixed(2));
    assert.equal(m[16], er.verdict);
    assert.equal(m[17], rep.verdict);
  }
  assert.equal(json.points[0].systems.parm.instances, 18, 'ParM: 12 deployed + 6 parity');
  assert.equal(json.points[0].systems.replication.instances, 24);
});

test('the PNG charts are valid PNGs with the two ratio series drawn', async () => {
  for (const file of ['charts/gap-ratio-by-factor.png', 'charts/gap-ratio-by-crash-rate.png']) {
    const bytes = readFileSync(join(out, file));
    assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${file}: PNG signature`);
    const image = await loadImage(bytes);
    assert.equal(image.width, 960);
    assert.equal(image.height, 540);
    const canvas = createCanvas(image.width, image.height);
    const ctx = canvas.getContext('2d');
    ctx.drawImage(image, 0, 0);
    const { data } = ctx.getImageData(0, 0, image.width, image.height);
    let inked = 0;
    let er = 0; // #1f77b4: ParM vs Equal-Resources
    let rep = 0; // #d62728: ParM vs replication
    let ref = 0; // #2ca02c: the line at 1
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
      if (r < 235 || g < 235 || b < 235) inked++;
      if (Math.abs(r - 0x1f) < 12 && Math.abs(g - 0x77) < 12 && Math.abs(b - 0xb4) < 12) er++;
      if (Math.abs(r - 0xd6) < 12 && Math.abs(g - 0x27) < 12 && Math.abs(b - 0x28) < 12) rep++;
      if (Math.abs(r - 0x2c) < 12 && Math.abs(g - 0xa0) < 12 && Math.abs(b - 0x2c) < 12) ref++;
    }
    assert.ok(inked > 5000, `${file}: ${inked} non-white pixels`);
    assert.ok(er > 100 && rep > 100 && ref > 100, `${file}: series pixels ${er}, ${rep}, reference ${ref}`);
  }
});

test('bad options fail with a message that names the option and says what it needs', async () => {
  const cases: [Parameters<typeof scaleMapSettings>[0], RegExp][] = [
    [{ ks: '1' }, /^--ks: 1 is out of range; give a comma-separated list of coding-group sizes, integers >= 2/],
    [{ ns: '12,,120' }, /^--ns: an empty item in "12,,120"; give a comma-separated list of deployed instance counts/],
    [{ loads: '0.5,abc' }, /^--loads: "abc" is not a number; give a comma-separated list of offered loads/],
    [{ loads: '1.7' }, /^--loads: 1\.7 is out of range/],
    [{ factors: '0.5' }, /^--factors: 0\.5 is out of range; give a comma-separated list of slowdown factors from 1/],
    [{ crashRates: '0.9' }, /^--crash-rates: 0\.9 is out of range; .*fractions of the machines that crash/],
    [{ crashRates: '' }, /^--crash-rates: give a comma-separated list of .*; got nothing/],
    [{ queries: '10' }, /^--queries: needs the measured queries per system and point, an integer from 1000/],
    [{ queries: '2e3x' }, /^--queries: needs .*; got "2e3x"/],
    [{ seed: '-1' }, /^--seed: needs the seed of the whole map, an integer from 0 to 4294967295; got "-1"/],
  ];
  for (const [options, message] of cases) {
    assert.throws(() => scaleMapSettings(options), (e: Error) => e instanceof ScaleMapOptionError && message.test(e.message), JSON.stringify(options));
  }
  await assert.rejects(scaleMapCommand({ ns: '12', ks: '5', out: join(dir, 'none') }), /--ns\/--ks: no point to run: k must divide N \(k = 5 does not divide N = 12\)/);
  const file = join(dir, 'a-file');
  writeFileSync(file, 'x');
  await assert.rejects(scaleMapCommand({ ...{ ns: '12', ks: '2', loads: '0.5', factors: '1', crashRates: '0', queries: 1000 }, out: file }), /^ScaleMapOptionError: --out: .*a-file exists and is not a directory/);
  assert.ok(!existsSync(join(dir, 'none')), 'nothing written for a bad option');

  const bad = cli(['--ks', '2,1']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^parm-bench: --ks: 1 is out of range; give a comma-separated list of coding-group sizes/m);
  const unknown = cli(['--bogus']);
  assert.notEqual(unknown.status, 0);
  assert.match(unknown.stderr, /unknown option '--bogus'/);
  const help = cli(['--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--crash-rates <list>[\s\S]*--out <dir>[\s\S]*below 1 ParM's tail gap is smaller/);
});

test('an abort between points writes the points done as scale-map.partial.*, nothing under the final names', async () => {
  const partialOut = join(dir, 'aborted');
  const controller = new AbortController();
  const outcome = await scaleMapCommand({ ns: '12', ks: '2', loads: '0.5', factors: '1,3', crashRates: '0', queries: 1000, out: partialOut, signal: controller.signal, onPoint: () => controller.abort() });
  assert.equal(outcome.partial, true);
  assert.equal(outcome.results.length, 1);
  assert.deepEqual(readdirSync(partialOut).sort(), ['scale-map.partial.json', 'scale-map.partial.md']);
  const json = readJson(join(partialOut, 'scale-map.partial.json'));
  assert.equal(json.partial, true);
  assert.equal(json.points.length, 1);
  assert.match(readFileSync(join(partialOut, 'scale-map.partial.md'), 'utf8'), /^# Scale map \(PARTIAL\)[\s\S]*1 of 2 points done/);
});

test('Ctrl-C during a point stops the run: exit 130, the point is dropped, nothing under the final names', { timeout: 60_000 }, async () => {
  const sigOut = join(dir, 'interrupted');
  // A long point (a million queries per system), interrupted as soon as the run has started.
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'scale-map', '--ns', '12', '--ks', '2', '--loads', '0.5', '--factors', '1,3', '--crash-rates', '0', '--queries', '1000000', '--out', sigOut], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let sent = false;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
    if (!sent && /scale-map: 2 points x 3 systems/.test(stderr)) {
      sent = true;
      setTimeout(() => child.kill('SIGINT'), 300);
    }
  });
  child.stdout.resume();
  const started = Date.now();
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(code, 130, stderr);
  assert.ok(Date.now() - started < 30_000, 'stopped promptly');
  assert.match(stderr, /SIGINT: stopping/);
  assert.deepEqual(readdirSync(sigOut).sort(), ['scale-map.partial.json', 'scale-map.partial.md']);
  const json = readJson(join(sigOut, 'scale-map.partial.json'));
  assert.equal(json.partial, true);
  assert.equal(json.points.length, 0);
});

test('the plan: base values from the lists, k that does not divide N skipped, --full is the product', () => {
  const grid = { n: [12, 120, 840], k: [2, 3, 4, 5, 6, 8, 10], load: [0.5, 0.7, 0.85], factor: [1, 2, 3, 5], crashRate: [0, 0.01, 0.05] };
  const plan = planScaleMap({ full: false, grid });
  assert.equal(plan.points.length, 16);
  assert.deepEqual(plan.base, { n: 120, k: 2, load: 0.7, factor: 3, crashRate: 0 });
  assert.deepEqual(plan.points[0].onBaseLineOf, ['n', 'k', 'load', 'factor', 'crashRate']);
  assert.deepEqual(plan.points.filter((p) => p.onBaseLineOf.includes('k')).map((p) => p.k).sort((a, b) => a - b), [2, 3, 4, 5, 6, 8, 10]);
  const nearest = planScaleMap({ full: false, grid: { ...grid, n: [12, 840], k: [4, 5] } });
  assert.equal(nearest.base.n, 12);
  assert.equal(nearest.base.k, 4);
  assert.ok(nearest.skipped.some((s) => s.reason === 'k = 5 does not divide N = 12'));
  const full = planScaleMap({ full: true, grid: { n: [12, 24], k: [2, 3], load: [0.5, 0.7], factor: [1], crashRate: [0] } });
  assert.equal(full.points.length, 8);
  assert.ok(full.points.filter((p) => p.onBaseLineOf.length === 0).length > 0, 'off-base points in the full grid');
});

test('charts: one per swept factor, the reference line at 1, a log y axis when the ratios span more than 10x', () => {
  const fig = (gap: number): ScaleSystemFigures => ({ instances: 18, p50Ms: 20, p99Ms: 20 + gap / 2, p99_9Ms: 20 + gap, gapMs: gap, measured: 1000, answered: 1000, lost: 0 });
  const point = (n: number, parmGap: number): ScalePointResult => ({
    id: `N=${n}`,
    n,
    k: 2,
    load: 0.7,
    factor: 3,
    crashRate: 0,
    onBaseLineOf: n === 120 ? ['n', 'k', 'load', 'factor', 'crashRate'] : ['n'],
    machines: n * 1.5,
    ratePerS: n * 35,
    durationMs: 1000,
    crashedMachines: 0,
    slowdownEpisodesConcurrent: 1,
    systems: { parm: fig(parmGap), 'equal-resources': fig(10), replication: fig(10) },
    comparisons: [
      { against: 'equal-resources', medianRatio: 1, gapRatio: parmGap / 10, verdict: 'tie' },
      { against: 'replication', medianRatio: 1, gapRatio: parmGap / 10, verdict: 'tie' },
    ],
    wallSeconds: 1,
  });
  const base = { n: 120, k: 2, load: 0.7, factor: 3, crashRate: 0 };
  const wide = scaleMapCharts([point(120, 5), point(12, 200), point(840, 9)], base, { full: false });
  assert.deepEqual(wide.map((c) => c.name), ['gap-ratio-by-n']);
  const spec = wide[0].spec;
  assert.equal(spec.yScale, 'log', 'ratios 0.5..20');
  assert.equal(spec.xScale, 'log');
  assert.match(spec.title, /below 1, ParM's gap is smaller \(ParM wins\)/);
  assert.match(spec.xLabel, /others at base: k 2, load 0\.7, 3x slowdowns, no crashes/);
  const reference = spec.series.find((s) => s.dashed)!;
  assert.deepEqual(reference.points, [{ x: 12, y: 1 }, { x: 840, y: 1 }]);
  assert.deepEqual(spec.series[0].points.map((p) => p.x), [12, 120, 840]);
  const narrow = scaleMapCharts([point(120, 9), point(12, 12)], base, { full: true })[0].spec;
  assert.equal(narrow.yScale, 'linear');
  assert.ok(narrow.yMin! < 1 && narrow.yMax! > 1, `1 inside [${narrow.yMin}, ${narrow.yMax}]`);
  assert.match(narrow.title, /full grid: base-line slice/);
});
