import { CopyRaceSystem, type Race, type RaceCopy } from '../copy-race-system.ts';
import type { Instance } from '../instance.ts';
import type { PullQueue } from '../pull-queue.ts';
import type { SystemContext } from '../serving-system.ts';
import { durationOption, positiveIntegerOption, SystemConfigError } from '../system-config.ts';
import type { SystemStats } from '../system-stats.ts';
import { SlidingQuantile } from './sliding-quantile.ts';

export interface HedgedOptions {
  /** The budget is 1/k extra requests per query, ParM's; default: the k of context.encoder. */
  readonly k?: number;
  /** Hedge delay until `hedgeMinSamples` service times are in (default Infinity: no hedge until then). */
  readonly initialHedgeDelayMs?: number;
  /** Service times the delay is computed from: the last this many (default 1000). */
  readonly hedgeWindow?: number;
  /** Service times needed before the measured quantile replaces the initial delay (default 100). */
  readonly hedgeMinSamples?: number;
  /** Queries per inference request (default 1); a batch is sent once it is full. */
  readonly batchSize?: number;
}

export const HEDGED_OPTION_NAMES: readonly (keyof HedgedOptions)[] = ['k', 'initialHedgeDelayMs', 'hedgeWindow', 'hedgeMinSamples', 'batchSize'];

/**
 * Hedged requests ("The Tail at Scale") with ParM's resources: N + N/k instances of F on one shared
 * queue. When a query has been in service for the hedge delay without an answer, a hedge copy is
 * put at the head of the queue (it is older than anything waiting), so the next free instance takes
 * it; a query still waiting in the queue is not hedged (a copy would only wait behind it). The first
 * answer wins (path "hedge" when the copy wins); the loser leaves the queue if still queued.
 *
 * The delay adapts so that hedges stay within ParM's budget of 1/k extra requests per query: it is
 * the (1 - 1/k) quantile of the service times (start to result) of the recent first copies, so about
 * 1/k of first copies outlast it. Service time, not submission-to-answer time, is what the trigger
 * measures, so it is what the quantile is taken over: queueing delay would only push the delay up
 * and spend less than the budget. Service times of first copies that lost to their hedge are counted
 * too (they finish and report), so the quantile is not biased by the hedges themselves.
 */
export class HedgedSystem extends CopyRaceSystem {
  private readonly queue: PullQueue<RaceCopy>;
  private readonly k: number;
  private readonly initialDelayMs: number;
  private readonly minSamples: number;
  private readonly serviceTimes: SlidingQuantile;

  constructor(context: SystemContext, options: HedgedOptions = {}) {
    const name = 'hedged';
    super(name, context, { deployed: { min: 1 }, parity: 'none', backup: 'none' }, positiveIntegerOption(name, 'batchSize', options.batchSize, 1));
    const k = options.k ?? context.encoder?.k;
    if (k === undefined) {
      throw new SystemConfigError(`${name}: give option k (the budget is 1/k hedges per query, as ParM's parity queries), or a context encoder`);
    }
    this.k = positiveIntegerOption(name, 'k', k, 2);
    this.initialDelayMs = durationOption(name, 'initialHedgeDelayMs', options.initialHedgeDelayMs, true) ?? Infinity;
    this.serviceTimes = new SlidingQuantile(positiveIntegerOption(name, 'hedgeWindow', options.hedgeWindow, 1000));
    this.minSamples = positiveIntegerOption(name, 'hedgeMinSamples', options.hedgeMinSamples, 100);
    if (this.minSamples > this.serviceTimes.capacity) {
      throw new SystemConfigError(
        `${name}: hedgeMinSamples (${this.minSamples}) cannot exceed hedgeWindow (${this.serviceTimes.capacity}): the delay would never adapt`,
      );
    }
    this.queue = this.createQueue('deployed', context.instances.deployed);
  }

  /** The hedge delay that a query starting service now gets. */
  get hedgeDelayMs(): number {
    if (this.serviceTimes.count < this.minSamples) return this.initialDelayMs;
    return this.serviceTimes.quantile(1 - 1 / this.k);
  }

  protected launch(race: Race): void {
    this.addCopy(race, this.queue, 'original');
  }

  protected override copyStarted(copy: RaceCopy, _instance: Instance): void {
    const race = copy.race;
    if (copy.path !== 'original' || race.copies.some((c) => c.path === 'hedge')) return;
    const delay = this.hedgeDelayMs;
    if (Number.isFinite(delay)) this.setRaceTimer(race, delay, () => this.hedge(race));
  }

  protected override copyFinished(copy: RaceCopy, ok: boolean, serviceMs: number): void {
    if (copy.path !== 'original') return;
    this.clearRaceTimer(copy.race);
    if (ok) this.serviceTimes.add(serviceMs);
  }

  protected override extraStats(): Partial<SystemStats> {
    return { hedgeDelayMs: this.hedgeDelayMs };
  }

  private hedge(race: Race): void {
    if (race.copies[0].state !== 'running') return;
    if (this.addCopy(race, this.queue, 'hedge', true)) this.counters.hedgesSent++;
  }
}
