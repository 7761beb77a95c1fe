import type { Clock } from '../clock.ts';
import type { Instance } from '../../systems/instance.ts';
import type { ContentionTarget } from './contention-target.ts';
import { CpuHog } from './cpu-hog.ts';
import type { NeighbourStreamStats } from './neighbour-stream.ts';
import { NeighbourStreams } from './neighbour-streams.ts';

/** What the target needs of a cluster (local instances; remote ones, with what they cannot do). */
export interface ContentionCluster {
  setSlowdown(id: string, factor: number): Promise<void>;
  kill(id: string, signal: NodeJS.Signals): void;
  hasExited(id: string): boolean;
  restart(id: string): Promise<void>;
  /** Why an action cannot be applied to the instance (null or absent: it can); such actions are skipped and counted with the reason. */
  unsupported?(id: string, action: 'slowdown' | 'signal' | 'restart'): string | null;
}

/**
 * Applies contention to local instance processes: slowdowns through the instance server's control
 * endpoint, pauses and crashes as signals, restarts through the cluster, neighbour streams as extra queries to the instance, the
 * CPU hog as busy child processes. `machines[m]` is the instance on machine m for the system being
 * measured (undefined: the system has none there, and the event does not touch it).
 */
export class ClusterContentionTarget implements ContentionTarget {
  private readonly neighbours: NeighbourStreams;
  private readonly hog = new CpuHog();
  private readonly skips = new Map<string, number>();

  constructor(
    clock: Clock,
    private readonly cluster: ContentionCluster,
    private readonly machines: readonly (Instance | undefined)[],
    neighbourInput: Float32Array,
  ) {
    this.neighbours = new NeighbourStreams(clock, machines, neighbourInput);
  }

  async setSlowdown(machine: number, factor: number): Promise<boolean> {
    const instance = this.machines[machine];
    if (instance === undefined || this.cluster.hasExited(instance.id) || this.cannot(instance.id, 'slowdown')) return false;
    await this.cluster.setSlowdown(instance.id, factor);
    return true;
  }

  pause(machine: number): boolean {
    return this.signal(machine, 'SIGSTOP');
  }

  resume(machine: number): boolean {
    return this.signal(machine, 'SIGCONT');
  }

  crash(machine: number): boolean {
    return this.signal(machine, 'SIGKILL');
  }

  /** Restarts the machine's instance (one still exiting from its crash is waited for); false, skipped, if it is not this system's. */
  async restart(machine: number): Promise<boolean> {
    const instance = this.machines[machine];
    if (instance === undefined || this.cannot(instance.id, 'restart')) return false;
    await this.cluster.restart(instance.id);
    return true;
  }

  startNeighbour(machine: number, rate: number, seed: number): boolean {
    return this.neighbours.start(machine, rate, seed);
  }

  stopNeighbour(machine: number): boolean {
    return this.neighbours.stop(machine);
  }

  startCpuHog(processes: number): void {
    this.hog.start(processes);
  }

  stopCpuHog(): Promise<void> {
    return this.hog.stop();
  }

  /** Stops anything still running (neighbour streams, CPU hog). */
  async close(): Promise<void> {
    this.neighbours.stopAll();
    await this.hog.stop();
  }

  /** Neighbour queries sent and answered, summed over streams. */
  neighbourStats(): NeighbourStreamStats {
    return this.neighbours.stats();
  }

  /** Actions skipped because the cluster cannot apply them, by reason (the player counts them as skipped). */
  unsupportedSkips(): Readonly<Record<string, number>> {
    return Object.fromEntries(this.skips);
  }

  private cannot(id: string, action: 'slowdown' | 'signal' | 'restart'): boolean {
    const reason = this.cluster.unsupported?.(id, action) ?? null;
    if (reason === null) return false;
    this.skips.set(reason, (this.skips.get(reason) ?? 0) + 1);
    return true;
  }

  private signal(machine: number, signal: NodeJS.Signals): boolean {
    const instance = this.machines[machine];
    if (instance === undefined || this.cannot(instance.id, 'signal') || this.cluster.hasExited(instance.id)) return false;
    this.cluster.kill(instance.id, signal);
    return true;
  }
}
