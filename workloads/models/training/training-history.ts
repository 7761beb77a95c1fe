/** One epoch of a training run, as recorded in a model card. */
export interface EpochRecord {
  readonly epoch: number;
  /** Mean training loss over the epoch's minibatches. */
  readonly loss: number;
  /** The selection metric on the held-out validation images (top-1 of F, or of reconstructions for Fp). */
  readonly validationAccuracy: number;
  /** The same metric on the test set: recorded to draw the curve, never used to choose an epoch. */
  readonly testAccuracy?: number;
  readonly seconds: number;
}

export interface TrainingProgress {
  readonly epoch: number;
  readonly epochs: number;
  readonly step: number;
  readonly stepsPerEpoch: number;
}

export interface TrainingCallbacks {
  /** Called after every optimiser step (cheap: keep it so). */
  onStep?(progress: TrainingProgress): void;
  /** Called after every epoch's evaluation. */
  onEpoch?(record: EpochRecord, isBest: boolean): void;
}

export interface TrainingResult<W> {
  readonly weights: W;
  readonly bestEpoch: number;
  readonly history: readonly EpochRecord[];
  readonly seconds: number;
}
