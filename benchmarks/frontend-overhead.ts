/**
 * What the serving systems' frontend costs: every system driven against zero-service-time
 * emulated instances (real instance processes, the real model, no emulated GPU time), so that
 * what is measured is the frontend policy plus the transport to the instances.
 *   - latency at a fixed offered load (open loop, Poisson, from the scheduled send time): p50 and
 *     p99 per system, and each system's p50 against the baseline's;
 *   - throughput: a closed-loop capacity probe with many queries outstanding.
 * The paper's shape: N = 12 deployed instances, k = 2 (ParM: 6 parity instances; Equal-Resources
 * and hedged: 18 copies of F; replication: 24; approximate backup: 12 + 6 backup models).
 *
 * Run: node --import tsx benchmarks/frontend-overhead.ts [--n 12] [--k 2] [--rate 1000] [--seconds 5]
 *        [--concurrency 64] [--systems baseline,parm,...] [--transport framed|oip]
 */
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { RealClock } from '../harness/clock.ts';
import { startLocalInstances, type LocalInstanceCluster } from '../harness/instances/local-instances.ts';
import { CapacityProbe } from '../harness/load/closed-loop-probe.ts';
import { LoadDriver } from '../harness/load/load-driver.ts';
import { PoissonArrivals } from '../harness/load/poisson-arrivals.ts';
import { SeededRandom } from '../harness/seeded-random.ts';
import { REPO_ROOT } from '../harness/software-versions.ts';
import type { InstanceSet } from '../systems/instance.ts';
import { AdditionEncoder } from '../systems/parm/addition-encoder.ts';
import { createSystem, SYSTEM_NAMES, type SystemName } from '../systems/create-system.ts';
import type { SystemEvents } from '../systems/serving-system.ts';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '12' },
    k: { type: 'string', default: '2' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '64' },
    systems: { type: 'string', default: SYSTEM_NAMES.join(',') },
    transport: { type: 'string', default: 'framed' },
  },
});
const N = Number(values.n);
const K = Number(values.k);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);
const systems = values.systems.split(',') as SystemName[];
for (const s of systems) if (!SYSTEM_NAMES.includes(s)) throw new Error(`unknown system "${s}"; known: ${SYSTEM_NAMES.join(', ')}`);
if (!Number.isInteger(N) || N < 1 || !Number.isInteger(K) || K < 2 || N % K !== 0) throw new Error('--n and --k: positive integers with k >= 2 dividing n');
const transport = values.transport as 'framed' | 'oip';

const MODELS = join(REPO_ROOT, 'workloads/models/fashion-mnist');
const zero = { kind: 'zero' } as const;
const extra = N / K;

/** The instances each system is given, out of one pool started once. */
function instancesFor(name: SystemName, pool: InstanceSet): InstanceSet {
  const d = (count: number) => pool.deployed.slice(0, count);
  switch (name) {
    case 'baseline':
      return { deployed: d(N), parity: [], backup: [] };
    case 'equal-resources':
    case 'hedged':
      return { deployed: d(N + extra), parity: [], backup: [] };
    case 'replication':
      return { deployed: d(2 * N), parity: [], backup: [] };
    case 'approximate-backup':
      return { deployed: d(N), parity: [], backup: pool.backup.slice(0, extra) };
    case 'parm':
      return { deployed: d(N), parity: pool.parity.slice(0, extra), backup: [] };
  }
}

function build(name: SystemName, pool: InstanceSet, clock: RealClock, events: SystemEvents) {
  const encoder = new AdditionEncoder(K, { channels: 1, height: 28, width: 28 });
  return createSystem(name, { clock, instances: instancesFor(name, pool), classes: 10, events, ...(name === 'parm' ? { encoder } : {}) }, name === 'hedged' ? { k: K } : {});
}

// Inputs: random images in [0, 1] (the cost does not depend on the pixels).
const random = new SeededRandom(3);
const inputs = Array.from({ length: 256 }, () => Float32Array.from({ length: 784 }, () => random.next()));
const samples = (i: number) => ({ input: inputs[i % inputs.length] });

const needDeployed = Math.max(...systems.map((s) => instancesFor(s, { deployed: new Array(4 * N), parity: [], backup: [] }).deployed.length));
console.log(`frontend-overhead: N = ${N}, k = ${K}, zero-service-time emulated instances, ${transport} transport; load average ${loadavg()[0].toFixed(2)}`);
console.log(`starting ${needDeployed} deployed + ${extra} parity + ${extra} backup instance processes ...`);
let cluster: LocalInstanceCluster | undefined;
try {
  cluster = await startLocalInstances({
    mode: 'emulated',
    seed: 1,
    transport,
    groups: [
      { role: 'deployed', modelPath: join(MODELS, 'deployed.onnx'), count: needDeployed, serviceTime: zero },
      { role: 'parity', modelPath: join(MODELS, `parity-k${K}-addition.onnx`), count: extra, serviceTime: zero },
      { role: 'backup', modelPath: join(MODELS, 'backup.onnx'), count: extra, serviceTime: zero },
    ],
  });
  const rows: string[][] = [];
  let baselineP50: number | undefined;
  for (const name of systems) {
    const clock = new RealClock();
    const driver = new LoadDriver({
      clock,
      arrivals: new PoissonArrivals(RATE, 7),
      samples,
      warmup: { ms: 1000 },
      durationMs: SECONDS * 1000,
      claimedPercentile: 99,
    });
    const sys = build(name, cluster.instances, clock, driver.events);
    const run = await driver.run(sys);
    sys.close();
    const probe = new CapacityProbe({ clock, samples, concurrency: CONCURRENCY, durationMs: 3000, warmupMs: 500 });
    const probed = build(name, cluster.instances, clock, probe.events);
    const capacity = await probe.run(probed);
    probed.close();
    const p50 = run.latencyFromScheduled.p50Us;
    if (name === 'baseline') baselineP50 = p50;
    rows.push([
      name,
      `${(p50 / 1000).toFixed(3)}`,
      `${(run.latencyFromScheduled.p99Us / 1000).toFixed(3)}`,
      baselineP50 ? `${(((p50 - baselineP50) / baselineP50) * 100).toFixed(1)}%` : 'n/a',
      `${(run.lag.p99Us / 1000).toFixed(3)}`,
      `${run.queries.lost}`,
      `${Math.round(capacity.queriesPerSecond)}`,
    ]);
    console.log(`  ${name}: done (${run.validity.valid ? 'valid' : `invalid: ${run.validity.reasons.join('; ')}`})`);
  }
  const header = ['system', `p50 ms @${RATE}/s`, 'p99 ms', 'p50 vs baseline', 'send lag p99 ms', 'lost', `q/s (closed loop, ${CONCURRENCY} outstanding)`];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (c: string[]) => c.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
  console.log('\n' + [line(header), ...rows.map(line)].join('\n'));
  console.log(`load average at the end ${loadavg()[0].toFixed(2)} (2 cores, shared)`);
} finally {
  await cluster?.stop();
}
