import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadImage, createCanvas } from '@napi-rs/canvas';
import { benchCommand } from '../harness/commands/bench.ts';
import { reportCommand } from '../harness/commands/report.ts';
import { REPO_ROOT } from '../harness/software-versions.ts';
import { readBenchResults, ResultsFileError } from '../reports/results-schema.ts';
import type { RunManifest } from '../reports/run-manifest.ts';

/**
 * A real (short) bench run writes every report file, and each says what it should: results.json
 * validates against its schema (and each kind of broken field is rejected by name), the manifest
 * records the run, the CSVs agree with results.json, the PNG charts are drawn, and
 * `parm-bench report <dir>` re-renders a run directory.
 */
const dir = mkdtempSync(join(tmpdir(), 'parm-bench-report-run-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const out = join(dir, 'run');
const startedBefore = Date.now();

before(async () => {
  const workload = join(dir, 'w.json');
  writeFileSync(
    workload,
    JSON.stringify({
      name: 'report-run',
      dataset: 'fashion-mnist',
      models: join(REPO_ROOT, 'workloads/models/fashion-mnist/manifest.json'),
      seed: 11,
      load: { arrivals: { kind: 'poisson', rate: 120 }, durationMs: 2500, warmupMs: 300, drainTimeoutMs: 3000, reason: 'test' },
      instances: { n: 2, k: 2, backend: 'emulated', serviceTime: { kind: 'constant', ms: 3 }, reason: 'test' },
      systems: ['parm', 'baseline'],
      contention: { pauses: [{ atMs: 1500, machine: 1, durationMs: 300 }] },
    }),
  );
  await benchCommand({ workload, out });
});

const json = <T>(name: string): T => JSON.parse(readFileSync(join(out, name), 'utf8')) as T;

/** A small CSV reader for the checks (quoted cells with "" escapes, as csv-stringify writes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
}

function csvRecords(name: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(readFileSync(join(out, name), 'utf8'));
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}

test('a bench run directory holds every report file', () => {
  for (const f of [
    'settings.json',
    'contention-schedule.json',
    'results.json',
    'results.md',
    'manifest.json',
    'statistics.json',
    'summary.csv',
    'paths.csv',
    'ratios.csv',
    'charts/spectrum.png',
    'charts/percentiles.png',
    'charts/timeline.png',
    'report.md',
    'report.html',
    'parm/summary.json',
    'parm/records.ndjson',
    'baseline/summary.json',
    'baseline/records.ndjson',
  ]) {
    assert.ok(existsSync(join(out, f)), `${f} is missing`);
    assert.ok(statSync(join(out, f)).size > 0, `${f} is empty`);
  }
  const md = readFileSync(join(out, 'report.md'), 'utf8');
  assert.match(md, /## Latency/);
  assert.match(md, /!\[Latency percentile spectrum: report-run\]\(charts\/spectrum\.png\)/);
  assert.match(md, /### Verdict: (VALID|INVALID)/);
});

test('results.json validates against its schema', () => {
  const results = readBenchResults(join(out, 'results.json'));
  assert.deepEqual(results.systems.map((r) => r.system), ['parm', 'baseline']);
});

test('each kind of bad field in results.json is rejected with the field named', () => {
  const good = readFileSync(join(out, 'results.json'), 'utf8');
  const bad = (change: (r: any) => void, field: RegExp) => {
    const r = JSON.parse(good);
    change(r);
    const path = join(dir, 'bad-results.json');
    writeFileSync(path, JSON.stringify(r));
    assert.throws(() => readBenchResults(path), (e: Error) => e instanceof ResultsFileError && e.message.includes(path) && field.test(e.message), field.source);
  };
  bad((r) => delete r.systems[0].summary.queries.lost, /results\.systems\[0\]\.summary\.queries\.lost: expected integer >= 0, got nothing/);
  bad((r) => (r.systems[1].summary.latencyFromScheduled.p99Us = '12'), /results\.systems\[1\]\.summary\.latencyFromScheduled\.p99Us: expected number >= 0, got "12"/);
  bad((r) => (r.systems[0].summary.queries.measured = -1), /results\.systems\[0\]\.summary\.queries\.measured: expected integer >= 0, got -1/);
  bad((r) => (r.systems[0].summary.queries.answered = 2.5), /queries\.answered: expected integer >= 0, got 2\.5/);
  bad((r) => (r.systems[0].summary.accuracy.accuracy = 1.5), /results\.systems\[0\]\.summary\.accuracy\.accuracy: expected number >= 0 <= 1 or null, got 1\.5/);
  bad((r) => (r.systems[0].files = null), /results\.systems\[0\]\.files: expected object, got null/);
  bad((r) => (r.comparisons = {}), /results\.comparisons: expected array, got \{\}/);
  bad((r) => (r.comparisons[0].medianRatioCi95 = [1, 2, 3]), /results\.comparisons\[0\]\.medianRatioCi95: expected array of 2/);
  bad((r) => (r.partial = 'no'), /results\.partial: expected boolean, got "no"/);
  bad((r) => (r.systems[0].summary.schema = 'parm-bench/load-run@9'), /results\.systems\[0\]\.summary\.schema: expected "parm-bench\/load-run@1"/);
  bad((r) => (r.schema = 'parm-bench/bench-results@0'), /results\.schema: expected "parm-bench\/bench-results@1", got "parm-bench\/bench-results@0" \(a results file of another version/);
  const broken = join(dir, 'broken.json');
  writeFileSync(broken, good.slice(0, 100));
  assert.throws(() => readBenchResults(broken), /broken\.json: not valid JSON/);
  assert.throws(() => readBenchResults(join(dir, 'absent.json')), /absent\.json: cannot read the results file \(ENOENT\)/);
});

test('manifest.json records the revision, the configuration and its hash, the seeds, the host, the versions and the times', () => {
  const m = json<RunManifest>('manifest.json');
  const settings = json<{ git: { sha: string; dirty: boolean }; seeds: Record<string, number>; workload: unknown; resolved: { instances: { backend: string } }; createdAt: string }>('settings.json');
  assert.equal(m.schema, 'parm-bench/run-manifest@1');
  assert.deepEqual(m.git, settings.git);
  assert.match(m.git.sha, /^([0-9a-f]{40}|unknown)$/);
  assert.deepEqual(m.configuration.resolved, settings.resolved);
  // The hash of the canonical JSON, recomputed here with keys sorted by a separate walk.
  const sortKeys = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sortKeys) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])])) : v;
  const expected = createHash('sha256').update(JSON.stringify(sortKeys({ workload: settings.workload, resolved: settings.resolved, seed: settings.seeds.run }))).digest('hex');
  assert.equal(m.configurationSha256, expected);
  for (const [k, v] of Object.entries(settings.seeds)) assert.equal(m.seeds[k], v, `seed ${k}`);
  assert.equal(m.seeds.run, 11);
  assert.equal(typeof m.seeds.reportBootstrap, 'number');
  assert.equal(m.host.cores, cpus().length);
  assert.equal(m.host.memoryBytes, totalmem());
  assert.equal(m.host.cpuModel, cpus()[0].model.trim());
  assert.equal(m.host.recordedBy, 'bench');
  assert.ok(m.host.os.length > 0);
  assert.equal(m.versions.node, process.version);
  const ort = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules/onnxruntime-node/package.json'), 'utf8')).version;
  assert.equal(m.versions.onnxruntimeNode, ort);
  assert.ok('tfjs' in m.versions && 'tfjsNode' in m.versions, 'tfjs versions recorded (or "not installed")');
  assert.equal(m.backend, settings.resolved.instances.backend);
  assert.equal(m.startedAt, settings.createdAt);
  const started = Date.parse(m.startedAt);
  const ended = Date.parse(m.endedAt!);
  assert.ok(started >= startedBefore - 1000 && ended > started && ended <= Date.now(), `${m.startedAt} .. ${m.endedAt}`);
  assert.deepEqual(m.systems, ['parm', 'baseline']);
});

test('the CSV summaries agree with results.json and mark percentiles with too few queries', () => {
  const results = readBenchResults(join(out, 'results.json'));
  const summary = csvRecords('summary.csv');
  assert.deepEqual(summary.map((r) => r.system), ['parm', 'baseline']);
  for (const row of summary) {
    const r = results.systems.find((x) => x.system === row.system)!;
    assert.equal(Number(row.measured), r.summary.queries.measured);
    assert.equal(Number(row.lost), r.summary.queries.lost);
    assert.equal(row.verdict, r.summary.validity.valid ? 'VALID' : 'INVALID');
    // About 300 queries: enough for p50 and below the binomial rule's 459 for p99 and 4,603 for p99.9.
    assert.ok(r.summary.queries.measured < 459, `measured ${r.summary.queries.measured}`);
    assert.equal(row.p50_status, 'ok');
    assert.equal(row.p99_status, 'insufficient');
    assert.equal(row.p99_9_status, 'insufficient');
    assert.equal(row.p99_required_queries, '459');
    assert.equal(row.p99_9_required_queries, '4603');
    const [p50, lo, hi] = [row.p50_ms, row.p50_ci95_low_ms, row.p50_ci95_high_ms].map(Number);
    assert.ok(lo <= p50 && p50 <= hi, `p50 ${p50} in [${lo}, ${hi}]`);
    // The HdrHistogram median (3 significant digits, nearest rank) and the interpolated one agree closely.
    assert.ok(Math.abs(p50 - r.summary.latencyFromScheduled.p50Us / 1000) < Math.max(0.5, p50 * 0.05), `p50 ${p50} vs ${r.summary.latencyFromScheduled.p50Us / 1000}`);
  }
  const paths = csvRecords('paths.csv');
  for (const r of results.systems) {
    const rows = paths.filter((p) => p.system === r.system);
    assert.equal(rows.reduce((n, p) => n + Number(p.answers), 0), r.summary.queries.answered, `${r.system}: answers per path add up`);
  }
  assert.ok(paths.every((p) => ['original', 'reconstruction', 'replica', 'hedge', 'backup', 'default'].includes(p.path)));
  const ratios = csvRecords('ratios.csv');
  assert.deepEqual(ratios.map((r) => `${r.system}/${r.against}/${r.percentile}`), ['parm/baseline/50', 'parm/baseline/99', 'parm/baseline/99.9']);
  const measured = results.systems[0].summary.queries.measured;
  assert.equal(Number(ratios[0].paired_queries), measured, 'every measured query is paired (same schedule)');
});

test('the PNG charts are drawn: white background, axes and lines in the series colours', async () => {
  for (const file of ['charts/spectrum.png', 'charts/timeline.png']) {
    const image = await loadImage(readFileSync(join(out, file)));
    assert.equal(image.width, 960);
    assert.equal(image.height, 540);
    const canvas = createCanvas(image.width, image.height);
    const ctx = canvas.getContext('2d');
    ctx.drawImage(image, 0, 0);
    const { data } = ctx.getImageData(0, 0, image.width, image.height);
    let inked = 0;
    let firstSeries = 0; // #1f77b4, the first series' colour
    let secondSeries = 0; // #d62728
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
      if (r < 235 || g < 235 || b < 235) inked++;
      if (Math.abs(r - 0x1f) < 12 && Math.abs(g - 0x77) < 12 && Math.abs(b - 0xb4) < 12) firstSeries++;
      if (Math.abs(r - 0xd6) < 12 && Math.abs(g - 0x27) < 12 && Math.abs(b - 0x28) < 12) secondSeries++;
    }
    assert.ok(inked > 5000, `${file}: ${inked} non-white pixels`);
    assert.ok(firstSeries > 100 && secondSeries > 100, `${file}: series pixels ${firstSeries}, ${secondSeries}`);
  }
});

test('`parm-bench report <dir>` re-renders a run directory and keeps the manifest bench recorded', async () => {
  const manifestBefore = readFileSync(join(out, 'manifest.json'), 'utf8');
  rmSync(join(out, 'report.html'));
  rmSync(join(out, 'summary.csv'));
  const files = await reportCommand(out, { resamples: 200 });
  assert.ok(files.includes('report.html') && files.includes('summary.csv') && files.includes('charts/spectrum.png'));
  assert.ok(existsSync(join(out, 'report.html')) && existsSync(join(out, 'summary.csv')));
  assert.equal(readFileSync(join(out, 'manifest.json'), 'utf8'), manifestBefore);
  const stats = json<{ intervals: { bootstrap: { resamples: number } } }>('statistics.json');
  assert.equal(stats.intervals.bootstrap.resamples, 200);
  await assert.rejects(reportCommand(join(dir, 'nothing-here')), /nothing-here: no such directory/);
  await assert.rejects(reportCommand(dir), /holds no results\.json, sweep\.json or accuracy\.json/);
});

test('a sweep writes each point its report and a sweep report with p50, p99 and p99.9 against the offered load', { timeout: 90_000 }, async () => {
  const workload = join(dir, 'sweep.json');
  writeFileSync(
    workload,
    JSON.stringify({
      name: 'report-sweep',
      dataset: 'fashion-mnist',
      models: join(REPO_ROOT, 'workloads/models/fashion-mnist/manifest.json'),
      seed: 2,
      load: { arrivals: { kind: 'poisson', rate: 50 }, durationMs: 800, warmupMs: 200, drainTimeoutMs: 2000, reason: 'test' },
      instances: { n: 2, k: 2, backend: 'emulated', serviceTime: { kind: 'constant', ms: 3 }, reason: 'test' },
      systems: ['baseline'],
      sweep: { parameter: 'rate', values: [40, 80], reason: 'test' },
    }),
  );
  const sweepDir = join(dir, 'sweep-run');
  await benchCommand({ workload, out: sweepDir });
  for (const f of ['report.md', 'report.html', 'charts/load-sweep.png', 'rate-40/report.html', 'rate-80/manifest.json', 'rate-80/summary.csv']) {
    assert.ok(existsSync(join(sweepDir, f)), `${f} is missing`);
  }
  const md = readFileSync(join(sweepDir, 'report.md'), 'utf8');
  assert.match(md, /!\[p50, p99, p99\.9 against offered load\]\(charts\/load-sweep\.png\)/);
  assert.match(md, /\| rate = 80 \| baseline \|/);
  const image = await loadImage(readFileSync(join(sweepDir, 'charts/load-sweep.png')));
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  const { data } = ctx.getImageData(0, 0, image.width, image.height);
  let series = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (Math.abs(data[i] - 0x1f) < 12 && Math.abs(data[i + 1] - 0x77) < 12 && Math.abs(data[i + 2] - 0xb4) < 12) series++;
  }
  assert.ok(series > 100, `baseline's lines: ${series} pixels`);
});
