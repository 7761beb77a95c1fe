/**
 * Where ParM beats Equal-Resources and replication, and where it loses, at scales one machine
 * cannot run live: simulated runs (the same systems, driver and contention code, virtual time)
 * over deployed instances N, coding-group size k, offered load, slowdown factor and crash rate.
 *
 * Default: one factor at a time around a base point (N = 120, k = 2, load 0.7, factor 3, no
 * crashes): N in 12, 120, 840 (up to 1,260 instances with parity); k in 2, 3, 4, 5, 6, 8, 10;
 * load 0.5, 0.7, 0.85; factor 1 (no slowdown), 2, 3, 5; crash rate 0, 1%, 5% of the machines.
 * --full runs the whole product of the lists instead (long). Each point measures about
 * --queries queries per system (the duration is scaled to the rate), after a 1 s warm-up.
 *
 * The service time is lognormal, median 20 ms, sigma 0.05 (fashion-contention's); slowdowns are
 * fashion-contention's shuffle-like episodes scaled to 4 concurrent per 18 machines; crashes hit
 * distinct random machines at random times (seeded). Per point: p50 and p99.9 of each system,
 * ParM's median ratio (ParM p50 / other p50) and gap ratio ((p99.9 - p50) of ParM / of the other)
 * against Equal-Resources and replication; ParM "wins" against a system when its gap ratio is
 * below 1 and it loses no more queries.
 *
 * Run: node --import tsx benchmarks/sim-scale-map.ts [--queries 30000] [--seed 1] [--full]
 *        [--ns 12,120,840] [--ks 2,3,4,5,6,8,10] [--loads 0.5,0.7,0.85] [--factors 1,2,3,5]
 *        [--crash-rates 0,0.01,0.05] [--out FILE.md]
 */
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../harness/atomic-write.ts';
import { generateContentionSchedule } from '../harness/contention/contention-schedule.ts';
import { parseContentionSpec } from '../harness/contention/contention-spec.ts';
import { PoissonArrivals } from '../harness/load/poisson-arrivals.ts';
import type { LoadRunSummary } from '../harness/load/load-run-summary.ts';
import { SeededRandom } from '../harness/seeded-random.ts';
import { simulateSystem } from '../harness/sim/simulate-system.ts';
import { markdownTable, textTable } from '../reports/format.ts';
import type { SystemName } from '../systems/create-system.ts';

const { values } = parseArgs({
  options: {
    queries: { type: 'string', default: '30000' },
    seed: { type: 'string', default: '1' },
    full: { type: 'boolean', default: false },
    ns: { type: 'string', default: '12,120,840' },
    ks: { type: 'string', default: '2,3,4,5,6,8,10' },
    loads: { type: 'string', default: '0.5,0.7,0.85' },
    factors: { type: 'string', default: '1,2,3,5' },
    'crash-rates': { type: 'string', default: '0,0.01,0.05' },
    out: { type: 'string' },
  },
});

function list(name: string, text: string, ok: (v: number) => boolean, what: string): number[] {
  const out = text.split(',').map((s) => Number(s.trim()));
  if (out.length === 0 || !out.every(ok)) throw new Error(`--${name}: a comma-separated list of ${what}, got "${text}"`);
  return out;
}
const queries = Number(values.queries);
if (!(Number.isInteger(queries) && queries >= 1000)) throw new Error(`--queries: an integer >= 1000 (measured queries per system per point), got ${values.queries}`);
const seed = Number(values.seed);
if (!(Number.isInteger(seed) && seed >= 0)) throw new Error(`--seed: a non-negative integer, got ${values.seed}`);
const ns = list('ns', values.ns, (v) => Number.isInteger(v) && v >= 2, 'deployed instance counts (integers >= 2)');
const ks = list('ks', values.ks, (v) => Number.isInteger(v) && v >= 2, 'coding-group sizes (integers >= 2)');
const loads = list('loads', values.loads, (v) => v > 0 && v < 1.5, 'fractions of capacity (e.g. 0.7)');
const factors = list('factors', values.factors, (v) => v >= 1, 'slowdown factors >= 1 (1: no slowdown)');
const crashRates = list('crash-rates', values['crash-rates'], (v) => v >= 0 && v <= 0.5, 'fractions of the machines that crash during a run (0..0.5)');

interface Point {
  readonly sweep: string;
  readonly n: number;
  readonly k: number;
  readonly load: number;
  readonly factor: number;
  readonly crashRate: number;
}

const BASE = { n: 120, k: 2, load: 0.7, factor: 3, crashRate: 0 };
const points: Point[] = [];
const seen = new Set<string>();
const addPoint = (sweep: string, p: Omit<Point, 'sweep'>): void => {
  const key = `${p.n}/${p.k}/${p.load}/${p.factor}/${p.crashRate}`;
  if (p.n % p.k !== 0 || seen.has(key)) return;
  seen.add(key);
  points.push({ sweep, ...p });
};
if (values.full) {
  for (const n of ns) for (const k of ks) for (const load of loads) for (const factor of factors) for (const crashRate of crashRates) addPoint('full', { n, k, load, factor, crashRate });
} else {
  addPoint('base', BASE);
  for (const n of ns) addPoint('N', { ...BASE, n });
  for (const k of ks) addPoint('k', { ...BASE, k });
  for (const load of loads) addPoint('load', { ...BASE, load });
  for (const factor of factors) addPoint('factor', { ...BASE, factor });
  for (const crashRate of crashRates) addPoint('crashes', { ...BASE, crashRate });
}
const skipped = values.full ? ns.length * ks.length * loads.length * factors.length * crashRates.length - points.length : 0;

const MEDIAN_MS = 20;
const WARMUP_MS = 1000;
const SYSTEMS: readonly SystemName[] = ['parm', 'equal-resources', 'replication'];
const input = new Float32Array(784);
const sample = { input };

async function runPoint(p: Point, index: number): Promise<Record<SystemName, LoadRunSummary>> {
  const machines = p.n + p.n / p.k;
  const rate = (p.load * p.n * 1000) / MEDIAN_MS;
  const durationMs = Math.max(1000, Math.ceil((queries / rate) * 1000));
  const horizonMs = WARMUP_MS + durationMs;
  const random = new SeededRandom((seed * 7919 + index) >>> 0);
  const crashCount = Math.round(p.crashRate * machines);
  const victims = random.permutation(machines).subarray(0, crashCount);
  const spec = parseContentionSpec({
    ...(p.factor > 1
      ? { slowdowns: { concurrent: Math.max(1, Math.round((4 * machines) / 18)), transferMB: [128, 256], bandwidthMBps: 125, factor: p.factor, reason: 'fashion-contention scaled: 4 per 18 machines' } }
      : {}),
    crashes: [...victims].map((machine) => ({ machine, atMs: Math.round(WARMUP_MS + random.next() * durationMs) })),
  });
  const schedule = generateContentionSchedule(spec, { seed: random.nextUint32(), machines, horizonMs });
  const arrivalSeed = random.nextUint32();
  const instanceSeed = random.nextUint32();
  const out = {} as Record<SystemName, LoadRunSummary>;
  for (const system of SYSTEMS) {
    const run = await simulateSystem({
      system,
      n: p.n,
      k: p.k,
      encoder: 'addition',
      sampleShape: { channels: 1, height: 28, width: 28 },
      classes: 10,
      serviceTime: { kind: 'lognormal', medianMs: MEDIAN_MS, sigma: 0.05 },
      instanceSeed,
      arrivals: new PoissonArrivals(rate, arrivalSeed),
      samples: () => sample,
      warmupMs: WARMUP_MS,
      durationMs,
      drainTimeoutMs: 10_000,
      schedule,
      machines,
      neighbourInput: input,
    });
    out[system] = run.summary;
  }
  return out;
}

const ms = (us: number) => (us / 1000).toFixed(1);
const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : 'n/a');
const header = ['sweep', 'N', 'k', 'instances', 'load', 'factor', 'crash', 'ParM p50', 'ParM p99.9', 'ER p99.9', 'rep p99.9', 'median vs ER', 'gap vs ER', 'median vs rep', 'gap vs rep', 'lost P/ER/rep', 'ParM vs ER', 'ParM vs rep'];
const rows: string[][] = [];
const started = Date.now();
process.stderr.write(`sim-scale-map: ${points.length} points x ${SYSTEMS.length} systems, about ${queries} measured queries each${skipped ? ` (${skipped} combinations skipped: k does not divide N)` : ''}\n`);
for (const [i, p] of points.entries()) {
  const r = await runPoint(p, i);
  const P = r.parm;
  const E = r['equal-resources'];
  const R = r.replication;
  const gap = (s: LoadRunSummary) => s.latencyFromScheduled.p99_9Us - s.latencyFromScheduled.p50Us;
  const verdict = (other: LoadRunSummary) => {
    const g = gap(P) / gap(other);
    if (P.queries.lost > other.queries.lost) return 'loses (more lost)';
    return g < 0.95 ? 'wins' : g <= 1.05 ? 'tie' : 'loses';
  };
  rows.push([
    p.sweep,
    String(p.n),
    String(p.k),
    String(p.n + p.n / p.k),
    String(p.load),
    p.factor === 1 ? 'none' : `${p.factor}x`,
    `${(p.crashRate * 100).toFixed(0)}%`,
    ms(P.latencyFromScheduled.p50Us),
    ms(P.latencyFromScheduled.p99_9Us),
    ms(E.latencyFromScheduled.p99_9Us),
    ms(R.latencyFromScheduled.p99_9Us),
    ratio(P.latencyFromScheduled.p50Us, E.latencyFromScheduled.p50Us),
    ratio(gap(P), gap(E)),
    ratio(P.latencyFromScheduled.p50Us, R.latencyFromScheduled.p50Us),
    ratio(gap(P), gap(R)),
    `${P.queries.lost}/${E.queries.lost}/${R.queries.lost}`,
    verdict(E),
    verdict(R),
  ]);
  process.stderr.write(`  [${i + 1}/${points.length}] ${p.sweep}: N ${p.n}, k ${p.k}, load ${p.load}, factor ${p.factor}, crash ${p.crashRate} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
}
const note =
  'Simulated (backend sim): lognormal service times (median 20 ms, sigma 0.05), Poisson load as a fraction of the N deployed instances\' capacity, latency from the scheduled send. ' +
  'ER = Equal-Resources (N + N/k instances, no redundancy); rep = replication (2N instances). median = ParM p50 / other p50; gap = ParM (p99.9 - p50) / other (p99.9 - p50). ' +
  'ParM wins when its gap ratio is below 0.95 and it loses no more queries; tie within 5%.';
process.stdout.write(`\n${textTable(header, rows)}\n\n${note}\nwall time ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
if (values.out) {
  writeFileAtomic(values.out, `# Where ParM wins (simulated)\n\n${note}\n\n${markdownTable(header, rows)}\n`);
  process.stdout.write(`wrote ${values.out}\n`);
}
