import type { Clock } from '../clock.ts';
import type { LocalInstanceCluster } from '../instances/local-instances.ts';
import type { Instance } from '../../systems/instance.ts';
import type { ContentionTarget } from './contention-target.ts';
import { CpuHog } from './cpu-hog.ts';
import { NeighbourStream, type NeighbourStreamStats } from './neighbour-stream.ts';

/**
 * Applies contention to local instance processes: slowdowns through the instance server's control
 * endpoint, pauses and crashes as signals, neighbour streams as extra queries to the instance, the
 * CPU hog as busy child processes. `machines[m]` is the instance on machine m for the system being
 * measured (undefined: the system has none there, and the event does not touch it).
 */
export class ClusterContentionTarget implements ContentionTarget {
  private readonly streams = new Map<number, NeighbourStream>();
  private readonly finishedStreams: NeighbourStreamStats[] = [];
  private readonly hog = new CpuHog();

  constructor(
    private readonly clock: Clock,
    private readonly cluster: Pick<LocalInstanceCluster, 'setSlowdown' | 'kill' | 'hasExited'>,
    private readonly machines: readonly (Instance | undefined)[],
    private readonly neighbourInput: Float32Array,
  ) {}

  async setSlowdown(machine: number, factor: number): Promise<boolean> {
    const instance = this.machines[machine];
    if (instance === undefined || this.cluster.hasExited(instance.id)) return false;
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

  startNeighbour(machine: number, rate: number, seed: number): boolean {
    const instance = this.machines[machine];
    if (instance === undefined || this.streams.has(machine)) return false;
    const stream = new NeighbourStream(this.clock, instance, rate, seed, this.neighbourInput);
    this.streams.set(machine, stream);
    stream.start();
    return true;
  }

  stopNeighbour(machine: number): boolean {
    const stream = this.streams.get(machine);
    if (!stream) return false;
    stream.stop();
    this.streams.delete(machine);
    this.finishedStreams.push(stream.stats());
    return true;
  }

  startCpuHog(processes: number): void {
    this.hog.start(processes);
  }

  stopCpuHog(): Promise<void> {
    return this.hog.stop();
  }

  /** Stops anything still running (neighbour streams, CPU hog). */
  async close(): Promise<void> {
    for (const machine of [...this.streams.keys()]) this.stopNeighbour(machine);
    await this.hog.stop();
  }

  /** Neighbour queries sent and answered, summed over streams. */
  neighbourStats(): NeighbourStreamStats {
    const all = [...this.finishedStreams, ...[...this.streams.values()].map((s) => s.stats())];
    return all.reduce((a, s) => ({ sent: a.sent + s.sent, answered: a.answered + s.answered, failed: a.failed + s.failed, skipped: a.skipped + s.skipped }), {
      sent: 0,
      answered: 0,
      failed: 0,
      skipped: 0,
    });
  }

  private signal(machine: number, signal: NodeJS.Signals): boolean {
    const instance = this.machines[machine];
    if (instance === undefined || this.cluster.hasExited(instance.id)) return false;
    this.cluster.kill(instance.id, signal);
    return true;
  }
}
