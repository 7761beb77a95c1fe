import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { benchCommand } from '../harness/commands/bench.ts';
import { ACCURACY_REPORT_SCHEMA, type AccuracyReport } from '../harness/accuracy-evaluation.ts';
import { REPO_ROOT } from '../harness/software-versions.ts';
import { writeAccuracyReportFiles } from '../reports/accuracy-run-report.ts';
import { CANVAS_CHECK, visitPage } from './report-headless-chromium.ts';

/**
 * report.html opened as a person would: in headless Chromium (Debian's package; CI installs it),
 * from a file:// URL with no network. It must load without a console error, exception or log
 * error, request nothing outside itself, and every chart canvas must hold a drawn chart.
 */
const dir = mkdtempSync(join(tmpdir(), 'parm-bench-report-html-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface CanvasCheck {
  index: number;
  width: number;
  height: number;
  inked: number;
  datasetsWithPoints: number;
}

function assertPageDrewCharts(visit: Awaited<ReturnType<typeof visitPage<CanvasCheck[]>>>, expectedCharts: number, datasetsPerChart: number): void {
  assert.deepEqual(visit.exceptions, [], 'uncaught exceptions in the page');
  assert.deepEqual(visit.consoleErrors, [], 'console errors in the page');
  assert.deepEqual(visit.logErrors, [], 'log errors in the page');
  assert.deepEqual(visit.outsideRequests, [], 'the page must be self-contained');
  assert.equal(visit.result.length, expectedCharts, 'chart canvases');
  for (const c of visit.result) {
    // A chart with axes, labels and lines inks thousands of pixels; an empty white canvas none.
    assert.ok(c.inked > 2000, `chart ${c.index}: only ${c.inked} non-white pixels of ${c.width}x${c.height}`);
    assert.ok(c.datasetsWithPoints >= datasetsPerChart, `chart ${c.index}: ${c.datasetsWithPoints} datasets with points`);
  }
}

test('the report.html of a real bench run loads in headless Chromium without errors and draws its charts', { timeout: 120_000 }, async () => {
  const workload = join(dir, 'html.json');
  writeFileSync(
    workload,
    JSON.stringify({
      name: 'report-html',
      dataset: 'fashion-mnist',
      models: join(REPO_ROOT, 'workloads/models/fashion-mnist/manifest.json'),
      seed: 5,
      load: { arrivals: { kind: 'poisson', rate: 100 }, durationMs: 2000, warmupMs: 300, drainTimeoutMs: 3000, reason: 'test' },
      instances: { n: 2, k: 2, backend: 'emulated', serviceTime: { kind: 'constant', ms: 3 }, reason: 'test' },
      systems: ['parm', 'baseline'],
      contention: { pauses: [{ atMs: 1200, machine: 0, durationMs: 300 }] },
    }),
  );
  const out = join(dir, 'run');
  await benchCommand({ workload, out });
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.match(html, /Chart\.js v4[\s\S]*Released under the MIT License/, "chart.js' licence header is kept");
  assert.doesNotMatch(html, /<script[^>]+src=/, 'no external scripts');
  const visit = await visitPage<CanvasCheck[]>(join(out, 'report.html'), CANVAS_CHECK, { readyExpression: 'document.body.dataset.chartsDrawn' });
  // Spectrum, percentile intervals and timeline. The spectrum and the timeline have one line per
  // system; the intervals chart has points only for percentiles with enough queries (p50 here).
  assertPageDrewCharts(visit, 3, 2);
});

test('the accuracy report.html loads in headless Chromium without errors and draws both charts', { timeout: 60_000 }, async () => {
  const model = { file: 'm.onnx', sha256: '0'.repeat(64) };
  const report: AccuracyReport = {
    schema: ACCURACY_REPORT_SCHEMA,
    workload: 'html-test',
    modelSet: { name: 'set', manifest: 'manifest.json' },
    dataset: { name: 'fashion-mnist', split: 'test', count: 10_000, checksum: 'a'.repeat(64) },
    deployed: { ...model, accuracy: 0.9, count: 10_000 },
    parity: [
      { ...model, k: 2, encoder: 'addition', groups: 5000, reconstructions: 10_000, accuracy: 0.8, agreement: 0.82 },
      { ...model, k: 4, encoder: 'addition', groups: 2500, reconstructions: 10_000, accuracy: 0.6, agreement: 0.62 },
    ],
    baselines: {
      defaultPrediction: { available: true, class: 0, className: 'T-shirt', accuracy: 0.1, agreement: 0.1, basis: 'most frequent training label' },
      backup: { available: false, reason: 'no backup model' },
    },
    overall: {
      fractions: [0, 0.5, 1],
      series: [
        { label: 'ParM k=2 addition', accuracy: [0.9, 0.85, 0.8] },
        { label: 'default prediction', accuracy: [0.9, 0.5, 0.1] },
      ],
    },
    createdAt: new Date().toISOString(),
    seconds: 1,
  };
  const out = join(dir, 'accuracy');
  const files = await writeAccuracyReportFiles(out, report);
  assert.deepEqual(files, ['charts/degraded-accuracy.png', 'charts/overall-accuracy.png', 'report.html']);
  const visit = await visitPage<CanvasCheck[]>(join(out, 'report.html'), CANVAS_CHECK, { readyExpression: 'document.body.dataset.chartsDrawn' });
  assertPageDrewCharts(visit, 2, 2);
});
