import type { Clock, TimerHandle } from '../clock.ts';
import { SeededRandom } from '../seeded-random.ts';
import type { InferenceHandle, Instance } from '../../systems/instance.ts';

/** Counters of one neighbour stream. */
export interface NeighbourStreamStats {
  readonly sent: number;
  readonly answered: number;
  readonly failed: number;
  /** Sends skipped because maxOutstanding requests were already open on the instance. */
  readonly skipped: number;
}

/**
 * The paper's inference-heavy neighbour: a second deployment sharing a machine, whose queries
 * (Poisson, seeded) go to the same instance and take service time there, ahead of or behind the
 * system's own queries in the instance's FIFO queue. Answers are discarded. At most
 * `maxOutstanding` neighbour requests are open at once (memory stays bounded if the instance stalls).
 */
export class NeighbourStream {
  private timer: TimerHandle | undefined;
  private running = false;
  private readonly random: SeededRandom;
  private readonly open = new Set<InferenceHandle>();
  private sent = 0;
  private answered = 0;
  private failed = 0;
  private skipped = 0;

  constructor(
    private readonly clock: Clock,
    private readonly instance: Instance,
    private readonly ratePerS: number,
    seed: number,
    private readonly input: Float32Array,
    private readonly maxOutstanding = 64,
  ) {
    if (!(ratePerS > 0)) throw new RangeError(`neighbour stream: rate must be positive, got ${ratePerS}`);
    if (input.length !== instance.inputSize) throw new RangeError(`neighbour stream: input has ${input.length} values, ${instance.id} takes ${instance.inputSize}`);
    this.random = new SeededRandom(seed);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.arm();
  }

  /** Stops sending; open requests are cancelled (if not started) or their answers ignored. */
  stop(): void {
    this.running = false;
    if (this.timer) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    for (const h of this.open) h.cancel();
    this.open.clear();
  }

  stats(): NeighbourStreamStats {
    return { sent: this.sent, answered: this.answered, failed: this.failed, skipped: this.skipped };
  }

  private arm(): void {
    if (!this.running) return;
    this.timer = this.clock.setTimer(this.random.nextExponential(1000 / this.ratePerS), () => {
      this.timer = undefined;
      this.send();
      this.arm();
    });
  }

  private send(): void {
    if (this.open.size >= this.maxOutstanding) {
      this.skipped++;
      return;
    }
    this.sent++;
    let handle: InferenceHandle | undefined = undefined;
    let finished = false;
    handle = this.instance.infer(this.input, 1, (outcome) => {
      finished = true;
      if (handle) this.open.delete(handle);
      if (outcome.ok) this.answered++;
      else {
        this.failed++;
        if (outcome.instanceDown) this.stop();
      }
    });
    if (!finished) this.open.add(handle);
  }
}
