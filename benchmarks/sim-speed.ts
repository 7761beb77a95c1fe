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
 * Beside the measured system, the same rounds (without records) run a floor system, by default
 * baseline (no redundancy: one request per query to one of the N instances, nothing else): the
 * cost of the driver, the virtual clock and the simulated instances that every simulated system
 * pays, measured side by side with the system under test so that the machine's speed of the minute
 * cancels out. `--floor none` skips it.
 *
 * Run: node --import tsx benchmarks/sim-speed.ts [--seconds 300] [--n 100] [--k 2] [--load 0.7] [--rounds 2] [--system parm] [--floor baseline|none]
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
    floor: { type: 'string', default: 'baseline' },
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
const floor = values.floor === 'none' ? undefined : values.floor;
if (floor !== undefined && !isSystemName(floor)) throw new Error(`--floor: unknown system ${floor} (or none)`);

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

async function once(records: boolean, simulatedSeconds = seconds, simulated: string = system): Promise<{ queries: number; wallS: number; cpuS: number; events: number }> {
  const recordsPath = join(dir, `records-${roundNumber++}.ndjson`);
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const run = await simulateSystem({
    system: simulated as never,
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
  const row = (name: string, records: boolean, round: number, m: Awaited<ReturnType<typeof once>>): void => {
    rows.push([
      name,
      records ? 'with records' : 'no records',
      String(round),
      m.queries.toLocaleString('en-US'),
      m.events.toLocaleString('en-US'),
      m.wallS.toFixed(2),
      Math.round(m.queries / m.wallS).toLocaleString('en-US'),
      ((m.cpuS * 1e6) / m.queries).toFixed(2),
    ]);
  };
  await once(true, Math.min(seconds, 30));
  if (floor !== undefined) await once(false, Math.min(seconds, 30), floor);
  for (const records of [false, true]) {
    for (let r = 0; r < rounds; r++) {
      row(system, records, r + 1, await once(records));
      // The floor runs right after each no-records round of the system, so both see the same machine.
      if (!records && floor !== undefined) row(`${floor} (floor)`, false, r + 1, await once(false, seconds, floor));
    }
  }
  process.stdout.write(
    `${textTable(['system', 'per-query records', 'round', 'queries', 'events', 'wall s', 'simulated queries / wall s', 'CPU µs / query'], rows)}\n`,
  );
  process.stdout.write('goal: 1,000,000 simulated queries per wall second (ParM, k = 2, 100 deployed instances)\n');
  if (floor !== undefined) {
    process.stdout.write(
      `floor: ${floor} on the same driver, virtual clock, simulated instances, arrivals and contention; what it costs per query every simulated system pays\n`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
