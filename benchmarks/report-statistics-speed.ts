/**
 * How long the statistics of an hour-long simulated run take: the bench command's comparison
 * (compareGaps, paired, 1,000 resamples) and the report's intervals (runIntervals: p50, p99 and
 * p99.9 of each system and their paired ratios, 1,000 resamples) over synthetic per-query samples
 * of 1,402,880 queries for each of two systems (what `npm run bench -- --backend sim --duration
 * 3600 --rate 390` measures). Those sizes take the order-statistics bootstrap
 * (reports/order-statistic-bootstrap.ts). For scale, the same statistics with the exact
 * resampling bootstrap on a smaller n (default 100,000, the largest size that still takes it):
 * its cost grows linearly with n, so the printed extrapolation is what 1,402,880 queries would
 * have cost (about 18 minutes measured before the order-statistics method).
 *
 * The samples: two systems on one seeded schedule. Latency 20 ms x lognormal(0, 0.25), and in
 * contention windows (10% of the schedule, the same queries for both) 3x for one system and 2x
 * for the other; 0.01% of queries lost (Infinity) in each.
 *
 * Run: node --import tsx benchmarks/report-statistics-speed.ts [--queries 1402880] [--exact-queries 100000] [--resamples 1000]
 * (--exact-queries 0 skips the exact run.) Prints wall and CPU seconds for each part.
 */
import { parseArgs } from 'node:util';
import { SeededRandom } from '../harness/seeded-random.ts';
import { compareGaps } from '../reports/gap-comparison.ts';
import { runIntervals } from '../reports/percentile-intervals.ts';
import type { MeasuredQueries } from '../reports/run-records.ts';
import { textTable } from '../reports/format.ts';

const { values } = parseArgs({
  options: {
    queries: { type: 'string', default: '1402880' },
    'exact-queries': { type: 'string', default: '100000' },
    resamples: { type: 'string', default: '1000' },
  },
});
const queries = Number(values.queries);
const exactQueries = Number(values['exact-queries']);
const resamples = Number(values.resamples);
if (!(Number.isInteger(queries) && queries > 0)) throw new Error(`--queries: a positive integer, got ${values.queries}`);
if (!(Number.isInteger(exactQueries) && exactQueries >= 0)) throw new Error(`--exact-queries: an integer >= 0, got ${values['exact-queries']}`);
if (!(Number.isInteger(resamples) && resamples > 0)) throw new Error(`--resamples: a positive integer, got ${values.resamples}`);

function samples(n: number, seed: number): { parm: Float64Array; other: Float64Array } {
  const r = new SeededRandom(seed);
  const parm = new Float64Array(n);
  const other = new Float64Array(n);
  let contended = false;
  for (let i = 0; i < n; i++) {
    if (i % 1000 === 0) contended = r.next() < 0.1; // windows of 1,000 queries
    const shared = r.nextNormal();
    parm[i] = r.next() < 1e-4 ? Infinity : 20 * Math.exp(0.25 * (0.7 * shared + 0.71 * r.nextNormal())) * (contended ? 2 : 1);
    other[i] = r.next() < 1e-4 ? Infinity : 20 * Math.exp(0.25 * (0.7 * shared + 0.71 * r.nextNormal())) * (contended ? 3 : 1);
  }
  return { parm, other };
}

function measured(latencyMs: Float64Array): MeasuredQueries {
  let lost = 0;
  for (const x of latencyMs) if (x === Infinity) lost++;
  return { ids: Uint32Array.from(latencyMs.keys()), scheduledMs: Float64Array.from(latencyMs.keys(), (i) => i * 2.5), latencyMs, lost };
}

function timed<T>(run: () => T): { result: T; wallS: number; cpuS: number } {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const result = run();
  const wallS = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  return { result, wallS, cpuS: (used.user + used.system) / 1e6 };
}

const rows: string[][] = [];
const s = (x: number) => x.toFixed(2);

function measure(n: number, method: 'auto' | 'resample'): number {
  const { parm, other } = samples(n, 7);
  const gap = timed(() => compareGaps('parm', parm, 'equal-resources', other, { resamples, seed: 1, paired: true, method }));
  const systems = [
    { system: 'parm', queries: measured(parm) },
    { system: 'equal-resources', queries: measured(other) },
  ];
  const intervals = timed(() => runIntervals(systems, { resamples, seed: 1, method }));
  const label = `${n.toLocaleString('en-US')} queries x 2`;
  rows.push([label, 'compareGaps (paired)', gap.result.bootstrap.method, s(gap.wallS), s(gap.cpuS)]);
  const intervalsMethod = /order-statistics/.test(intervals.result.bootstrap.method) ? 'order-statistics' : 'resample';
  rows.push([label, 'runIntervals', intervalsMethod, s(intervals.wallS), s(intervals.cpuS)]);
  rows.push([label, 'total', '', s(gap.wallS + intervals.wallS), s(gap.cpuS + intervals.cpuS)]);
  console.log(
    `${label}: gap ratio ${gap.result.gapRatio} [${gap.result.gapRatioCi95.join(', ')}], median ratio ${gap.result.medianRatio} [${gap.result.medianRatioCi95.join(', ')}]; ` +
      `p99.9 ratio ${intervals.result.ratios.find((x) => x.percentile === 99.9)?.ratio} [${intervals.result.ratios.find((x) => x.percentile === 99.9)?.ci95.join(', ')}]`,
  );
  return gap.wallS + intervals.wallS;
}

console.log(`statistics of two systems, ${resamples} resamples each (node ${process.version})`);
measure(queries, 'auto');
if (exactQueries > 0) {
  const exactWall = measure(exactQueries, 'resample');
  rows.push([`${queries.toLocaleString('en-US')} queries x 2`, 'exact, extrapolated linearly', 'resample', s((exactWall * queries) / exactQueries), '']);
}
console.log(textTable(['samples', 'statistic', 'bootstrap method', 'wall s', 'CPU s'], rows));
