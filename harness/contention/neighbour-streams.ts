import type { Clock } from '../clock.ts';
import type { Instance } from '../../systems/instance.ts';
import { NeighbourStream, type NeighbourStreamStats } from './neighbour-stream.ts';

/**
 * The co-located neighbour streams of one measured system, at most one per machine: started and
 * stopped by the contention schedule, their counts summed over every stream that ran. Shared by
 * the live and the simulated contention targets (a stream is the same queries on either clock).
 */
export class NeighbourStreams {
  private readonly running = new Map<number, NeighbourStream>();
  private readonly finished: NeighbourStreamStats[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly machines: readonly (Instance | undefined)[],
    private readonly input: Float32Array,
  ) {}

  /** Starts a stream on `machine`; false when the system has no instance there or one already runs. */
  start(machine: number, rate: number, seed: number): boolean {
    const instance = this.machines[machine];
    if (instance === undefined || this.running.has(machine)) return false;
    const stream = new NeighbourStream(this.clock, instance, rate, seed, this.input);
    this.running.set(machine, stream);
    stream.start();
    return true;
  }

  /** Stops the stream on `machine`; false when none runs there. */
  stop(machine: number): boolean {
    const stream = this.running.get(machine);
    if (!stream) return false;
    stream.stop();
    this.running.delete(machine);
    this.finished.push(stream.stats());
    return true;
  }

  stopAll(): void {
    for (const machine of [...this.running.keys()]) this.stop(machine);
  }

  /** Neighbour queries sent, answered, failed and skipped, summed over streams. */
  stats(): NeighbourStreamStats {
    const all = [...this.finished, ...[...this.running.values()].map((s) => s.stats())];
    return all.reduce((a, s) => ({ sent: a.sent + s.sent, answered: a.answered + s.answered, failed: a.failed + s.failed, skipped: a.skipped + s.skipped }), {
      sent: 0,
      answered: 0,
      failed: 0,
      skipped: 0,
    });
  }
}
