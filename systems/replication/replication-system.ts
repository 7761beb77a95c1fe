import { CopyRaceSystem, type Race, type RaceCopy } from '../copy-race-system.ts';
import type { PullQueue } from '../pull-queue.ts';
import type { SystemContext } from '../serving-system.ts';
import { positiveIntegerOption } from '../system-config.ts';

export interface ReplicationOptions {
  /** Queries per inference request (default 1); a batch is sent once it is full. */
  readonly batchSize?: number;
}

export const REPLICATION_OPTION_NAMES: readonly (keyof ReplicationOptions)[] = ['batchSize'];

/**
 * Replication: 2N copies of F in two groups (the first and second half of the deployed instances),
 * each group pulling from its own queue. Every query goes to both queues; the first answer wins
 * (path "original" from the first group, "replica" from the second). The other copy leaves its
 * queue if still queued; a copy already running finishes and its result is discarded.
 */
export class ReplicationSystem extends CopyRaceSystem {
  private readonly originals: PullQueue<RaceCopy>;
  private readonly replicas: PullQueue<RaceCopy>;

  constructor(context: SystemContext, options: ReplicationOptions = {}) {
    const name = 'replication';
    super(name, context, { deployed: { min: 2, even: true }, parity: 'none', backup: 'none' }, positiveIntegerOption(name, 'batchSize', options.batchSize, 1));
    const all = context.instances.deployed;
    const half = all.length / 2;
    this.originals = this.createQueue('original group', all.slice(0, half));
    this.replicas = this.createQueue('replica group', all.slice(half));
  }

  protected launch(race: Race): void {
    this.addCopy(race, this.originals, 'original');
    if (this.addCopy(race, this.replicas, 'replica')) this.counters.replicaRequestsSent++;
  }
}
