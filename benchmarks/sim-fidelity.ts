/**
 * Does the simulator agree with live runs? Runs a workload (default fashion-contention) live on
 * emulated instances and simulated (bench --backend sim) with the same seed, and prints p50 and
 * p99 per system side by side with the relative difference (goal: within 10%). Also simulates
 * with service times calibrated from the live run (parm-bench calibrate on its Equal-Resources
 * records), which carries the live frontend's per-request overhead into the simulation.
 *
 * Run: node --import tsx benchmarks/sim-fidelity.ts [--workload fashion-contention] [--duration 20]
 *        [--seed 1] [--live-dir DIR (reuse a finished live run instead of running one)] [--out DIR]
 * The live part is heavy (12 + 6 instance processes, one system after another): on a busy machine
 * its tail is the machine's, not the workload's; repeat on a quiet machine for the figure.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { benchCommand } from '../harness/commands/bench.ts';
import { writeFileAtomic } from '../harness/atomic-write.ts';
import { calibrate } from '../harness/sim/calibrate.ts';
import type { BenchResults } from '../reports/bench-report.ts';
import { markdownTable, textTable } from '../reports/format.ts';
import { resolveWorkloadPath } from '../workloads/workload-file.ts';

const { values } = parseArgs({
  options: {
    workload: { type: 'string', default: 'fashion-contention' },
    duration: { type: 'string', default: '20' },
    seed: { type: 'string', default: '1' },
    'live-dir': { type: 'string' },
    out: { type: 'string' },
  },
});
const duration = Number(values.duration);
const seed = Number(values.seed);
if (!(duration > 0)) throw new Error(`--duration: a positive number of measured seconds per system, got ${values.duration}`);
if (!(Number.isInteger(seed) && seed >= 0)) throw new Error(`--seed: a non-negative integer, got ${values.seed}`);
const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
const outDir = resolve(values.out ?? join('runs', `sim-fidelity-${stamp}`));
const workloadPath = resolveWorkloadPath(values.workload);

function readResults(dir: string): BenchResults {
  const path = join(dir, 'results.json');
  if (!existsSync(path)) throw new Error(`${path} does not exist: --live-dir must be a finished bench run directory`);
  return JSON.parse(readFileSync(path, 'utf8')) as BenchResults;
}

let liveDir: string;
if (values['live-dir'] !== undefined) {
  liveDir = resolve(values['live-dir']);
  process.stderr.write(`reusing the live run ${liveDir}\n`);
} else {
  liveDir = join(outDir, 'live');
  process.stderr.write(`== live (emulated), ${duration} s per system ==\n`);
  await benchCommand({ workload: workloadPath, duration, seed, backend: 'emulated', out: liveDir });
}
const live = readResults(liveDir);
const liveSettings = JSON.parse(readFileSync(join(liveDir, 'settings.json'), 'utf8')) as { resolved: { load: { durationMs: number } }; seeds: { run: number } };
const liveDuration = liveSettings.resolved.load.durationMs / 1000;
const liveSeed = liveSettings.seeds.run;

process.stderr.write(`\n== simulated, workload's service-time profile ==\n`);
const simDir = join(outDir, 'sim');
await benchCommand({ workload: workloadPath, duration: liveDuration, seed: liveSeed, backend: 'sim', out: simDir });
const sim = readResults(simDir);

// Calibrated: the live run's own service times (needs Equal-Resources or baseline in the live run).
let calibrated: BenchResults | null = null;
let calibrationNote = '';
try {
  const timesFile = join(outDir, 'calibrated-service-times.json');
  const c = calibrate({ run: liveDir, out: timesFile });
  calibrationNote = `calibrated from ${c.file.source.system}: ${c.used} service times, p50 ${c.p50Ms} ms, p99 ${c.p99Ms} ms`;
  const w = JSON.parse(readFileSync(workloadPath, 'utf8')) as Record<string, any>;
  const base = dirname(workloadPath);
  if (typeof w.models === 'string' && !isAbsolute(w.models)) w.models = resolve(base, w.models);
  w.name = `${w.name}-calibrated`;
  w.instances = { ...w.instances, backend: 'sim', serviceTime: { kind: 'empirical', file: timesFile } };
  const calibratedWorkload = join(outDir, 'calibrated-workload.json');
  writeFileSync(calibratedWorkload, JSON.stringify(w, null, 2));
  process.stderr.write(`\n== simulated, ${calibrationNote} ==\n`);
  const calDir = join(outDir, 'sim-calibrated');
  await benchCommand({ workload: calibratedWorkload, duration: liveDuration, seed: liveSeed, out: calDir });
  calibrated = readResults(calDir);
} catch (error) {
  calibrationNote = `no calibrated simulation: ${(error as Error).message}`;
}

const pct = (a: number, b: number): string => `${b >= a ? '+' : ''}${(((b - a) / a) * 100).toFixed(1)}%`;
const header = ['system', 'live p50', 'sim p50', 'diff', 'live p99', 'sim p99', 'diff', ...(calibrated ? ['cal. p50', 'diff', 'cal. p99', 'diff'] : [])];
const rows: string[][] = [];
for (const l of live.systems) {
  const s = sim.systems.find((r) => r.system === l.system);
  const c = calibrated?.systems.find((r) => r.system === l.system);
  if (!s) continue;
  const ms = (us: number) => (us / 1000).toFixed(2);
  const L = l.summary.latencyFromScheduled;
  const S = s.summary.latencyFromScheduled;
  const row = [l.system, ms(L.p50Us), ms(S.p50Us), pct(L.p50Us, S.p50Us), ms(L.p99Us), ms(S.p99Us), pct(L.p99Us, S.p99Us)];
  if (calibrated) {
    const C = c?.summary.latencyFromScheduled;
    row.push(C ? ms(C.p50Us) : '-', C ? pct(L.p50Us, C.p50Us) : '-', C ? ms(C.p99Us) : '-', C ? pct(L.p99Us, C.p99Us) : '-');
  }
  rows.push(row);
}
const intro = `workload ${live.workload}, seed ${liveSeed}, ${liveDuration} s measured per system; latency from the scheduled send (ms). Goal: sim within 10% of live.\nlive: ${liveDir}\nsim: ${simDir}\n${calibrationNote}`;
process.stdout.write(`\n${intro}\n${textTable(header, rows)}\n`);
writeFileAtomic(join(outDir, 'fidelity.md'), `# Simulator fidelity\n\n${intro.replace(/\n/g, '  \n')}\n\n${markdownTable(header, rows)}\n`);
process.stdout.write(`wrote ${join(outDir, 'fidelity.md')}\n`);
