import { CopyRaceSystem, type Race, type RaceCopy } from '../copy-race-system.ts';
import type { PullQueue } from '../pull-queue.ts';
import type { SystemContext } from '../serving-system.ts';
import { durationOption, positiveIntegerOption } from '../system-config.ts';

export interface ApproximateBackupOptions {
  /** Queries per inference request (default 1); a batch is sent once it is full. */
  readonly batchSize?: number;
  /**
   * Send the backup copy only when the query has had no answer this many ms after submission
   * (default: at once, with the original).
   */
  readonly backupAfterMs?: number;
}

export const APPROXIMATE_BACKUP_OPTION_NAMES: readonly (keyof ApproximateBackupOptions)[] = ['batchSize', 'backupAfterMs'];

/**
 * Approximate backups: N deployed instances of F and N/k backup instances running a cheaper model,
 * each group pulling from its own queue. Every query goes to the deployed queue and to the backup
 * queue (at once, or after `backupAfterMs` without an answer); the first answer wins (path "backup"
 * when the backup model answers). The loser leaves its queue if still queued; a running loser
 * finishes and its result is discarded.
 */
export class ApproximateBackupSystem extends CopyRaceSystem {
  private readonly deployed: PullQueue<RaceCopy>;
  private readonly backups: PullQueue<RaceCopy>;
  private readonly backupAfterMs: number | undefined;

  constructor(context: SystemContext, options: ApproximateBackupOptions = {}) {
    const name = 'approximate-backup';
    super(name, context, { deployed: { min: 1 }, parity: 'none', backup: 'some' }, positiveIntegerOption(name, 'batchSize', options.batchSize, 1));
    this.backupAfterMs = durationOption(name, 'backupAfterMs', options.backupAfterMs);
    this.deployed = this.createQueue('deployed', context.instances.deployed);
    this.backups = this.createQueue('backup', context.instances.backup);
  }

  protected launch(race: Race): void {
    this.addCopy(race, this.deployed, 'original');
    if (this.backupAfterMs === undefined) this.sendBackup(race);
    else this.setRaceTimer(race, this.backupAfterMs, () => this.sendBackup(race));
  }

  protected override mayAddCopy(race: Race): boolean {
    return race.timer !== undefined && this.backups.alive > 0;
  }

  private sendBackup(race: Race): void {
    if (this.addCopy(race, this.backups, 'backup')) this.counters.backupRequestsSent++;
  }
}
