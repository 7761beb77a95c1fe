import type { Clock } from '../clock.ts';
import { SeededRandom } from '../seeded-random.ts';
import type { Instance, InstanceRole, InstanceSet } from '../../systems/instance.ts';
import { INSTANCE_ROLES, instanceSetOf } from '../instances/instance-cluster.ts';
import { serviceTimeSource, type SimServiceTimeProfile } from './empirical-service-times.ts';
import { SIM_DEFAULT_MAX_QUEUE, SimulatedInstance, type SimulatedInstanceStats } from './simulated-instance.ts';

export interface SimulatedClusterOptions {
  readonly clock: Clock;
  /** Instances per role, started in the order deployed, parity, backup (as the local backends do). */
  readonly counts: Readonly<Record<InstanceRole, number>>;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly serviceTime: SimServiceTimeProfile;
  /**
   * Seeds the instances' service-time draws exactly as the local backends seed their instance
   * processes: one SeededRandom(seed), one nextUint32() per instance in start order.
   */
  readonly seed: number;
  readonly maxQueue?: number;
}

/**
 * A set of simulated instances ("deployed-0", ..., "parity-0", ...), all on one virtual clock,
 * with the controls contention needs (slowdown, pause, resume, crash) by instance id.
 */
export class SimulatedCluster {
  readonly instances: InstanceSet;
  readonly ids: readonly string[];
  private readonly byId = new Map<string, SimulatedInstance>();

  constructor(options: SimulatedClusterOptions) {
    const { clock, counts, inputSize, outputSize, serviceTime, seed } = options;
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`simulated cluster: seed must be an integer from 0 to 4294967295, got ${seed}`);
    const random = new SeededRandom(seed);
    const files = new Map<string, Float64Array>();
    const all: SimulatedInstance[] = [];
    for (const role of INSTANCE_ROLES) {
      const count = counts[role];
      if (!Number.isInteger(count) || count < 0) throw new RangeError(`simulated cluster: ${role} count must be a non-negative integer, got ${count}`);
      for (let i = 0; i < count; i++) {
        const id = `${role}-${i}`;
        const instance = new SimulatedInstance(clock, id, role, inputSize, outputSize, serviceTimeSource(serviceTime, random.nextUint32(), files), options.maxQueue ?? SIM_DEFAULT_MAX_QUEUE);
        all.push(instance);
        this.byId.set(id, instance);
      }
    }
    this.ids = Object.freeze(all.map((i) => i.id));
    this.instances = instanceSetOf(all);
  }

  instance(id: string): SimulatedInstance {
    const i = this.byId.get(id);
    if (!i) throw new Error(`simulated cluster: no instance "${id}" (have ${this.ids.join(', ')})`);
    return i;
  }

  /** The simulated instance behind an Instance of this cluster, or undefined. */
  own(instance: Instance): SimulatedInstance | undefined {
    const i = this.byId.get(instance.id);
    return i === instance ? i : undefined;
  }

  hasExited(id: string): boolean {
    return this.instance(id).hasCrashed;
  }

  /** Counters per instance id. */
  stats(): Record<string, SimulatedInstanceStats> {
    const out: Record<string, SimulatedInstanceStats> = {};
    for (const [id, i] of this.byId) out[id] = i.stats();
    return out;
  }
}
