import { CopyRaceSystem, type Race, type RaceCopy } from '../copy-race-system.ts';
import type { PullQueue } from '../pull-queue.ts';
import type { SystemContext } from '../serving-system.ts';
import { positiveIntegerOption } from '../system-config.ts';

export interface BaselineOptions {
  /** Queries per inference request (default 1); a batch is sent once it is full. */
  readonly batchSize?: number;
}

export const BASELINE_OPTION_NAMES: readonly (keyof BaselineOptions)[] = ['batchSize'];

/**
 * No redundancy: the deployed instances pull queries from one shared FIFO queue; every query is
 * sent once (path "original"). A query whose instance goes down goes back to the head of the queue
 * (a retry) and that instance gets nothing more; with no deployed instance left, waiting queries are
 * reported lost (unless a deadline answers them with the default output).
 */
export class BaselineSystem extends CopyRaceSystem {
  private readonly queue: PullQueue<RaceCopy>;

  constructor(context: SystemContext, options: BaselineOptions = {}, name = 'baseline') {
    super(name, context, { deployed: { min: 1 }, parity: 'none', backup: 'none' }, positiveIntegerOption(name, 'batchSize', options.batchSize, 1));
    this.queue = this.createQueue('deployed', context.instances.deployed);
  }

  protected launch(race: Race): void {
    this.addCopy(race, this.queue, 'original');
  }
}
