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
 * With --instances in-process the instances are stand-ins inside the frontend's process that answer
 * a fixed output on the next event-loop turn: no transport, no model, no other processes, so the
 * figures are the frontend policy's own cost (and the driver's).
 *
 * Run: node --import tsx benchmarks/frontend-overhead.ts [--instances processes|in-process] [--n 12] [--k 2] [--rate 1000] [--seconds 5]
 *        [--concurrency 64] [--systems baseline,parm,...] [--transport framed|oip] [--warm 4] [--rounds 3]
 */
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { RealClock } from '../harness/clock.ts';
import { startLocalInstances } from '../harness/instances/local-instances.ts';
import { CapacityProbe } from '../harness/load/closed-loop-probe.ts';
import { LoadDriver } from '../harness/load/load-driver.ts';
import { PoissonArrivals } from '../harness/load/poisson-arrivals.ts';
import { SeededRandom } from '../harness/seeded-random.ts';
import { REPO_ROOT } from '../harness/software-versions.ts';
import type { InferenceHandle, InferenceOutcome, Instance, InstanceRole, InstanceSet } from '../systems/instance.ts';
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
    warm: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '3' },
    instances: { type: 'string', default: 'processes' },
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
const WARM_SECONDS = Number(values.warm);
const ROUNDS = Number(values.rounds);
const IN_PROCESS = values.instances === 'in-process';
if (!IN_PROCESS && values.instances !== 'processes') throw new Error('--instances must be processes or in-process');
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error('--rounds must be a positive integer');

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
console.log(`frontend-overhead: N = ${N}, k = ${K}, ${IN_PROCESS ? 'in-process zero-time instances' : `zero-service-time emulated instance processes, ${transport} transport`}; load average ${loadavg()[0].toFixed(2)}`);
console.log(IN_PROCESS ? 'in-process zero-time instances (frontend cost only)' : `starting ${needDeployed} deployed + ${extra} parity + ${extra} backup instance processes ...`);
/** In-process stand-in: answers a fixed output on the next turn of the event loop. */
class ZeroTimeInstance implements Instance {
  readonly inputSize = 784;
  readonly outputSize = 10;
  private readonly output = Float32Array.from({ length: 10 }, (_, i) => i);
  constructor(
    readonly id: string,
    readonly role: InstanceRole,
  ) {}
  infer(_input: Float32Array, batch: number, done: (o: InferenceOutcome) => void): InferenceHandle {
    let cancelled = false;
    const out = batch === 1 ? this.output : new Float32Array(10 * batch);
    setImmediate(() => {
      if (!cancelled) done({ ok: true, output: out });
    });
    return { cancel: () => (cancelled = true) };
  }
}
function inProcessPool(deployed: number): InstanceSet {
  const make = (role: InstanceRole, n: number) => Array.from({ length: n }, (_, i) => new ZeroTimeInstance(`${role}-${i}`, role));
  return { deployed: make('deployed', deployed), parity: make('parity', extra), backup: make('backup', extra) };
}

let cluster: { instances: InstanceSet; stop(): Promise<void> } | undefined;
try {
  cluster = IN_PROCESS ? { instances: inProcessPool(needDeployed), stop: async () => {} } : await startLocalInstances({
    mode: 'emulated',
    seed: 1,
    transport,
    groups: [
      { role: 'deployed', modelPath: join(MODELS, 'deployed.onnx'), count: needDeployed, serviceTime: zero },
      { role: 'parity', modelPath: join(MODELS, `parity-k${K}-addition.onnx`), count: extra, serviceTime: zero },
      { role: 'backup', modelPath: join(MODELS, 'backup.onnx'), count: extra, serviceTime: zero },
    ],
  });
  // The instance processes need several seconds of traffic before their CPU per request settles
  // (JIT, caches): warm every instance first, so that the first system measured is not penalised.
  const warmSystems: SystemName[] = ['replication', 'parm', 'approximate-backup'];
  for (const name of warmSystems) {
    const clock = new RealClock();
    const probe = new CapacityProbe({ clock, samples, concurrency: CONCURRENCY, durationMs: WARM_SECONDS * 1000 });
    const sys = build(name, cluster.instances, clock, probe.events);
    await probe.run(sys);
    sys.close();
  }
  console.log(`warmed every instance (${warmSystems.join(', ')}: ${WARM_SECONDS} s each, closed loop)`);
  // Rounds: every system once per round, the order rotated between rounds, so that drift in the
  // machine's load (2 shared cores) falls on all systems alike; figures are medians over rounds.
  const results = new Map<SystemName, { p50: number[]; p99: number[]; lagP99: number[]; lost: number[]; qps: number[]; invalid: number }>();
  for (const name of systems) results.set(name, { p50: [], p99: [], lagP99: [], lost: [], qps: [], invalid: 0 });
  for (let round = 0; round < ROUNDS; round++) {
    const order = systems.map((_, i) => systems[(i + round) % systems.length]);
    for (const name of order) {
      const clock = new RealClock();
      const driver = new LoadDriver({
        clock,
        arrivals: new PoissonArrivals(RATE, 7 + round),
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
      const r = results.get(name)!;
      r.p50.push(run.latencyFromScheduled.p50Us);
      r.p99.push(run.latencyFromScheduled.p99Us);
      r.lagP99.push(run.lag.p99Us);
      r.lost.push(run.queries.lost);
      r.qps.push(capacity.queriesPerSecond);
      if (!run.validity.valid) r.invalid++;
    }
    console.log(`round ${round + 1}/${ROUNDS} done (order: ${order.join(', ')}; load average ${loadavg()[0].toFixed(2)})`);
  }
  const median = (xs: number[]) => {
    const v = [...xs].sort((a, b) => a - b);
    return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  };
  const base = results.get('baseline');
  const rows = systems.map((name) => {
    const r = results.get(name)!;
    // Paired by round: this system's p50 against the baseline's p50 of the same round.
    const ratios = base ? r.p50.map((p, i) => p / base.p50[i] - 1) : [];
    return [
      name,
      (median(r.p50) / 1000).toFixed(3),
      (median(r.p99) / 1000).toFixed(3),
      base ? `${(median(ratios) * 100).toFixed(1)}% [${ratios.map((x) => (x * 100).toFixed(0)).join(', ')}]` : 'n/a',
      (median(r.lagP99) / 1000).toFixed(3),
      String(r.lost.reduce((a, b) => a + b, 0)),
      `${Math.round(median(r.qps))} [${r.qps.map((q) => Math.round(q)).join(', ')}]`,
      `${ROUNDS - r.invalid}/${ROUNDS}`,
    ];
  });
  const header = ['system', `p50 ms @${RATE}/s`, 'p99 ms', 'p50 vs baseline [per round]', 'send lag p99 ms', 'lost', `q/s closed loop, ${CONCURRENCY} out [per round]`, 'valid runs'];
  console.log(`\nmedians over ${ROUNDS} rounds; latency from the scheduled send time, ${SECONDS} s per run after 1 s of warm-up`);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (c: string[]) => c.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
  console.log('\n' + [line(header), ...rows.map(line)].join('\n'));
  console.log(`load average at the end ${loadavg()[0].toFixed(2)} (2 cores, shared)`);
} finally {
  await cluster?.stop();
}
