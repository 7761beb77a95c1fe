/**
 * How fast the simulator runs: simulated queries per second of wall time for ParM (k = 2) over
 * N = 100 deployed instances (+ 50 parity), Poisson load at 70% of the deployed instances'
 * capacity, shuffle-like slowdown episodes scaled from fashion-contention (4 per 18 machines).
 * The same system, driver and contention code as a live run, on the virtual clock. Runs once with
 * per-query records (NDJSON, as `bench --backend sim` writes them) and once without; prints both,
 * with the process's CPU time per query (steadier than wall time on a shared machine: it includes
 * garbage collection on other threads, not time the machine gave to other processes).
 * A shorter untimed round first lets the JIT compile the hot paths (as any run longer than a few
 * seconds has them compiled); each timed round writes a new records file and the previous one is
 * deleted outside the timing (deleting a file of 100+ MB takes ~80 ms here, which a run never does).
 * Goal: at least 1,000,000 simulated queries per wall second.
 *
 * Run: node --import tsx benchmarks/sim-speed.ts [--seconds 300] [--n 100] [--k 2] [--load 0.7] [--rounds 2] [--system parm]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateContentionSchedule } from '../harness/contention/contention-schedule.ts';
import { parseContentionSpec } from '../harness/contention/contention-spec.ts';
import { PoissonArrivals } from '../harness/load/poisson-arrivals.ts';
import { simulateSystem } from '../harness/sim/simulate-system.ts';
import { isSystemName } from '../systems/create-system.ts';
import { textTable } from '../reports/format.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '300' },
    n: { type: 'string', default: '100' },
    k: { type: 'string', default: '2' },
    load: { type: 'string', default: '0.7' },
    rounds: { type: 'string', default: '2' },
    system: { type: 'string', default: 'parm' },
  },
});
const seconds = Number(values.seconds);
const n = Number(values.n);
const k = Number(values.k);
const load = Number(values.load);
const rounds = Number(values.rounds);
const system = values.system;
if (!(seconds > 0)) throw new Error(`--seconds: a positive number of simulated seconds, got ${values.seconds}`);
if (!(Number.isInteger(n) && Number.isInteger(k) && k >= 2 && n % k === 0)) throw new Error(`--n ${values.n} --k ${values.k}: integers with k >= 2 dividing n`);
if (!(load > 0 && load < 1)) throw new Error(`--load: a fraction of capacity between 0 and 1, got ${values.load}`);
if (!(Number.isInteger(rounds) && rounds >= 1)) throw new Error(`--rounds: a positive integer, got ${values.rounds}`);
if (!isSystemName(system)) throw new Error(`--system: unknown system ${system}`);

const medianMs = 20;
const rate = (load * n * 1000) / medianMs;
const machines = n + n / k;
const warmupMs = 1000;
const horizonMs = warmupMs + seconds * 1000;
const spec = parseContentionSpec({
  slowdowns: { concurrent: Math.max(1, Math.round((4 * machines) / 18)), transferMB: [128, 256], bandwidthMBps: 125, factor: 3, reason: 'fashion-contention scaled: 4 episodes per 18 machines' },
});
const schedule = generateContentionSchedule(spec, { seed: 7, machines, horizonMs });
const input = new Float32Array(784);
const sample = { input };
const dir = mkdtempSync(join(tmpdir(), 'parm-bench-sim-speed-'));

let roundNumber = 0;

async function once(records: boolean, simulatedSeconds = seconds): Promise<{ queries: number; wallS: number; cpuS: number; events: number }> {
  const recordsPath = join(dir, `records-${roundNumber++}.ndjson`);
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const run = await simulateSystem({
    system: system as never,
    n,
    k,
    encoder: 'addition',
    sampleShape: { channels: 1, height: 28, width: 28 },
    classes: 10,
    serviceTime: { kind: 'lognormal', medianMs, sigma: 0.05 },
    instanceSeed: 11,
    arrivals: new PoissonArrivals(rate, 5),
    samples: () => sample,
    warmupMs,
    durationMs: simulatedSeconds * 1000,
    schedule,
    machines,
    neighbourInput: input,
    ...(records ? { recordsPath } : {}),
  });
  const wallS = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  rmSync(recordsPath, { force: true });
  return { queries: run.summary.queries.submitted, wallS, cpuS: (used.user + used.system) / 1e6, events: run.sim.events };
}

try {
  process.stderr.write(
    `sim-speed: ${system}, N = ${n}, k = ${k} (${machines} instances), ${rate} q/s (${load * 100}% of capacity), ${seconds} s simulated, ${rounds} round(s) each after an untimed warm-up round\n`,
  );
  const rows: string[][] = [];
  await once(true, Math.min(seconds, 30));
  for (const records of [false, true]) {
    for (let r = 0; r < rounds; r++) {
      const m = await once(records);
      rows.push([
        records ? 'with records' : 'no records',
        String(r + 1),
        m.queries.toLocaleString('en-US'),
        m.events.toLocaleString('en-US'),
        m.wallS.toFixed(2),
        Math.round(m.queries / m.wallS).toLocaleString('en-US'),
        ((m.cpuS * 1e6) / m.queries).toFixed(2),
      ]);
    }
  }
  process.stdout.write(`${textTable(['per-query records', 'round', 'queries', 'events', 'wall s', 'simulated queries / wall s', 'CPU µs / query'], rows)}\n`);
  process.stdout.write('goal: 1,000,000 simulated queries per wall second (ParM, k = 2, 100 deployed instances)\n');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
