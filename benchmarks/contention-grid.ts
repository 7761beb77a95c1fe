/**
 * Where ParM helps and where it does not: fashion-contention (ParM against Equal-Resources, the
 * paper's baseline) over a grid of offered load, as a fraction of the N deployed instances'
 * capacity, and slowdown factor of the shuffle-like contention episodes. Each point is a full
 * `npm run bench` run with its own run directory; the table gives ParM's median ratio and
 * p99.9 - p50 gap ratio against Equal-Resources with their 95% bootstrap intervals (paired on the
 * identical seeded schedule), and each run's validity.
 *
 * Run: node --import tsx benchmarks/contention-grid.ts [--loads 0.5,0.7,0.85] [--factors 2,4,8]
 *        [--duration 20] [--workload fashion-contention] [--out runs/contention-grid-<time>]
 * Capacity is N x 1000 / (median service time in ms): 600 q/s for the default workload.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { benchCommand } from '../harness/commands/bench.ts';
import { writeFileAtomic } from '../harness/atomic-write.ts';
import { resolveWorkloadPath } from '../workloads/workload-file.ts';
import { markdownTable, textTable } from '../reports/format.ts';

const { values } = parseArgs({
  options: {
    loads: { type: 'string', default: '0.5,0.7,0.85' },
    factors: { type: 'string', default: '2,4,8' },
    duration: { type: 'string', default: '20' },
    workload: { type: 'string', default: 'fashion-contention' },
    out: { type: 'string' },
  },
});
const numbers = (flag: string, text: string) =>
  text.split(',').map((v) => {
    const n = Number(v);
    if (!(n > 0)) throw new Error(`--${flag}: "${v}" is not a positive number`);
    return n;
  });
const loads = numbers('loads', values.loads);
const factors = numbers('factors', values.factors);
const duration = Number(values.duration);
if (!(duration > 0)) throw new Error('--duration must be a positive number of seconds');

const basePath = resolveWorkloadPath(values.workload);
const base = JSON.parse(readFileSync(basePath, 'utf8')) as Record<string, any>;
const service = base.instances?.serviceTime;
const medianMs = service?.kind === 'lognormal' ? service.medianMs : service?.kind === 'constant' ? service.ms : undefined;
if (!medianMs || !base.contention?.slowdowns) throw new Error(`${basePath}: needs a lognormal or constant service time and contention.slowdowns`);
const capacity = (base.instances.n * 1000) / medianMs;
const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
const outDir = resolve(values.out ?? join('runs', `contention-grid-${stamp}`));
const scratch = mkdtempSync(join(tmpdir(), 'parm-bench-grid-'));

interface Point {
  load: number;
  rate: number;
  factor: number;
  comparison: any;
  valid: string;
}
const points: Point[] = [];
try {
  for (const factor of factors) {
    for (const load of loads) {
      const rate = Math.round(load * capacity);
      const w = structuredClone(base);
      w.name = `${base.name}-load${load}-x${factor}`;
      w.models = resolve(dirname(basePath), base.models);
      w.load.arrivals = { ...w.load.arrivals, rate };
      w.contention.slowdowns.factor = factor;
      w.contention.slowdowns.reason = `${base.contention.slowdowns.reason} Grid point: factor ${factor}.`;
      const file = join(scratch, `${w.name}.json`);
      writeFileSync(file, JSON.stringify(w, null, 2));
      console.log(`\n== load ${load} (${rate} q/s), slowdown ${factor}x`);
      const { results } = await benchCommand({ workload: file, duration, out: join(outDir, `load${load}-x${factor}`) });
      const comparison = (results as any).comparisons?.[0];
      const valid = (results as any).systems.map((s: any) => `${s.system}: ${s.summary.validity.valid ? 'valid' : 'INVALID'}`).join(', ');
      points.push({ load, rate, factor, comparison, valid });
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const ci = (r: number, c: [number, number]) => `${r.toFixed(3)} [${c[0].toFixed(3)}, ${c[1].toFixed(3)}]`;
const header = ['load (rate q/s)', 'slowdown', 'ParM p50 / ER p50 ms', 'median ratio [95% CI]', 'ParM gap / ER gap ms', 'gap ratio [95% CI]', 'ParM wins the gap?', 'validity'];
const rows = points.map((p) => {
  const c = p.comparison;
  if (!c) return [`${p.load} (${p.rate})`, `${p.factor}x`, 'n/a', 'n/a', 'n/a', 'n/a', 'n/a', p.valid];
  const wins = c.gapRatioCi95[1] < 1 ? 'yes' : c.gapRatioCi95[0] > 1 ? 'no: it loses' : 'not significant';
  return [
    `${p.load} (${p.rate})`,
    `${p.factor}x`,
    `${c.medianMs.system.toFixed(2)} / ${c.medianMs.against.toFixed(2)}`,
    ci(c.medianRatio, c.medianRatioCi95),
    `${c.gapMs.system.toFixed(1)} / ${c.gapMs.against.toFixed(1)}`,
    ci(c.gapRatio, c.gapRatioCi95),
    wins,
    p.valid,
  ];
});
console.log(`\nParM vs Equal-Resources over load x slowdown (${duration} s measured per system per point; capacity ${capacity} q/s)`);
console.log(textTable(header, rows));
writeFileAtomic(join(outDir, 'grid.md'), `# ParM vs Equal-Resources: load x slowdown\n\n${markdownTable(header, rows)}\n`);
writeFileAtomic(join(outDir, 'grid.json'), JSON.stringify(points, null, 2) + '\n');
console.log(`\nwrote ${join(outDir, 'grid.md')} and grid.json`);
