/**
 * How faithfully the open-loop load driver keeps its schedule on this machine: it drives a
 * baseline system over in-process instances with zero service time (each answers on the next
 * setImmediate) on a RealClock, at several Poisson rates, and prints per rate the driver's send
 * lag (actual minus scheduled send time) and the event-loop delay. The goal: lag p99 <= 1 ms at
 * 5,000 queries/s. Per-query records are written (to a temporary folder, removed at the end) so
 * that their cost is included.
 *
 *   node --import tsx benchmarks/driver-fidelity.ts [--rates 1000,3000,5000] [--seconds 5] [--instances 4] [--seed 1]
 *     [--scheduling precise|clock] [--coarse-margin-ms 2] [--sleep-slice-us 50] [--spin-us 30]
 *
 * "--scheduling clock" sends on plain node timers (setTimeout), for comparison.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RealClock } from '../harness/clock.ts';
import { LoadDriver } from '../harness/load/load-driver.ts';
import { PoissonArrivals } from '../harness/load/poisson-arrivals.ts';
import { PRECISE_SEND_DEFAULTS } from '../harness/load/send-timer.ts';
import { createSystem } from '../systems/create-system.ts';
import type { InferenceHandle, InferenceOutcome, Instance } from '../systems/instance.ts';

const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '1000,3000,5000' },
    seconds: { type: 'string', default: '5' },
    instances: { type: 'string', default: '4' },
    seed: { type: 'string', default: '1' },
    scheduling: { type: 'string', default: 'precise' },
    'coarse-margin-ms': { type: 'string', default: String(PRECISE_SEND_DEFAULTS.coarseMarginMs) },
    'sleep-slice-us': { type: 'string', default: String(PRECISE_SEND_DEFAULTS.sleepSliceUs) },
    'spin-us': { type: 'string', default: String(PRECISE_SEND_DEFAULTS.spinUs) },
  },
});
const rates = values.rates.split(',').map(Number);
const seconds = Number(values.seconds);
const instanceCount = Number(values.instances);
const seed = Number(values.seed);
const scheduling = values.scheduling;
const preciseTimer = {
  coarseMarginMs: Number(values['coarse-margin-ms']),
  sleepSliceUs: Number(values['sleep-slice-us']),
  spinUs: Number(values['spin-us']),
};
if (
  rates.some((r) => !(r > 0)) ||
  !(seconds > 0) ||
  !Number.isInteger(instanceCount) ||
  instanceCount < 1 ||
  !Number.isInteger(seed) ||
  (scheduling !== 'precise' && scheduling !== 'clock') ||
  Object.values(preciseTimer).some((v) => !(v >= 0))
) {
  throw new Error('usage: --rates 1000,3000,5000 (positive) --seconds 5 --instances 4 --seed 1 --scheduling precise|clock; margins >= 0');
}

const INPUT_SIZE = 4;
const CLASSES = 2;

/** An instance with no service time: it answers on the next setImmediate (after pending I/O), in process. */
class ImmediateInstance implements Instance {
  readonly role = 'deployed';
  readonly inputSize = INPUT_SIZE;
  readonly outputSize = CLASSES;
  private readonly output = Float32Array.of(0, 1);

  constructor(readonly id: string) {}

  infer(_input: Float32Array, batch: number, done: (outcome: InferenceOutcome) => void): InferenceHandle {
    const out = batch === 1 ? this.output : new Float32Array(batch * CLASSES);
    const handle = setImmediate(() => done({ ok: true, output: out }));
    return { cancel: () => clearImmediate(handle) };
  }
}

const input = new Float32Array(INPUT_SIZE);
const recordsDir = mkdtempSync(join(tmpdir(), 'parm-bench-driver-fidelity-'));
const rows: string[] = [];
try {
  for (const rate of rates) {
    const clock = new RealClock();
    const driver = new LoadDriver({
      clock,
      arrivals: new PoissonArrivals(rate, seed),
      samples: (i) => ({ input, label: i % CLASSES }),
      warmup: { ms: 500 },
      durationMs: seconds * 1000,
      recordsPath: join(recordsDir, `rate-${rate}.ndjson`),
      scheduling: scheduling as 'precise' | 'clock',
      preciseTimer,
      maxLagP99Ms: 1,
    });
    const instances = Array.from({ length: instanceCount }, (_, i) => new ImmediateInstance(`deployed-${i}`));
    const system = createSystem('baseline', { clock, instances: { deployed: instances, parity: [], backup: [] }, classes: CLASSES, events: driver.events });
    const load = loadavg()[0];
    const cpu0 = process.cpuUsage();
    const switches0 = process.resourceUsage().involuntaryContextSwitches;
    const wall0 = performance.now();
    const s = await driver.run(system);
    const cpu = process.cpuUsage(cpu0);
    const wallMs = performance.now() - wall0;
    const cpuShare = (cpu.user + cpu.system) / 1000 / wallMs;
    const preemptionsPerS = ((process.resourceUsage().involuntaryContextSwitches - switches0) * 1000) / wallMs;
    system.close();
    const l = s.latencyFromScheduled;
    rows.push(
      [
        String(rate).padStart(6),
        String(s.queries.measured).padStart(8),
        s.offeredRatePerS.toFixed(0).padStart(7),
        String(s.lag.p50Us).padStart(7),
        String(s.lag.p99Us).padStart(7),
        String(s.lag.maxUs).padStart(7),
        (s.eventLoopDelay ? s.eventLoopDelay.p99Ms.toFixed(2) : '-').padStart(7),
        String(l.p50Us).padStart(7),
        String(l.p99Us).padStart(7),
        String(l.p99_9Us).padStart(8),
        `${(cpuShare * 100).toFixed(0)}%`.padStart(5),
        preemptionsPerS.toFixed(0).padStart(7),
        load.toFixed(1).padStart(5),
        s.validity.valid ? 'valid' : `INVALID: ${s.validity.reasons.join('; ')}`,
      ].join(' | '),
    );
    console.log(rows[rows.length - 1]);
  }
} finally {
  rmSync(recordsDir, { recursive: true, force: true });
}
console.log();
console.log(
  `driver fidelity: Poisson arrivals, ${seconds} s measured after 0.5 s warm-up, baseline system over ${instanceCount} zero-service-time ` +
    `in-process instances, scheduling ${scheduling}${scheduling === 'precise' ? ` ${JSON.stringify(preciseTimer)}` : ''}, records written`,
);
console.log('  q/s | measured |  q/s in | lag p50 | lag p99 | lag max | ELD p99 | lat p50 | lat p99 | lat p99.9 |   CPU | preempt | load1 | validity (lag bound 1 ms)');
for (const r of rows) console.log(r);
console.log('(lag and latency in µs, latency from the scheduled send time; ELD: event-loop delay beyond the 10 ms sampling, ms;');
console.log(' CPU: this process, share of one core; preempt: involuntary context switches of this process per second (the OS took');
console.log(' the core away); load1: 1-minute load average before the row, on this 2-core shared machine)');
