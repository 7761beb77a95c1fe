import type { EpochRecord, TrainingCallbacks, TrainingResult } from './training-history.ts';

/**
 * The epoch loop every trainer shares: start an epoch, run its optimiser steps, score the
 * weights, record the epoch, and keep a copy of the weights of the best validation epoch
 * (the first one wins ties).
 */
export interface EpochLoop<W> {
  readonly epochs: number;
  readonly stepsPerEpoch: number;
  /** Called before an epoch's first step (e.g. to draw the epoch's shuffle). */
  startEpoch(epoch: number): void;
  /** Runs optimiser step `step` (0-based within the epoch) and returns its loss. */
  step(step: number): number;
  /** Scores the current weights: validation picks the epoch; test only draws the curve. */
  evaluate(): { validationAccuracy: number; testAccuracy?: number };
  /** A copy of the current weights. */
  snapshot(): W;
}

export function runEpochLoop<W>(loop: EpochLoop<W>, callbacks: TrainingCallbacks = {}): TrainingResult<W> {
  const { epochs, stepsPerEpoch } = loop;
  if (!Number.isInteger(epochs) || epochs < 1) throw new RangeError(`epochs must be a positive integer, got ${epochs}`);
  const started = performance.now();
  const history: EpochRecord[] = [];
  let best: { epoch: number; accuracy: number; weights: W } | undefined;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const epochStart = performance.now();
    loop.startEpoch(epoch);
    let lossSum = 0;
    for (let step = 0; step < stepsPerEpoch; step++) {
      lossSum += loop.step(step);
      callbacks.onStep?.({ epoch, epochs, step: step + 1, stepsPerEpoch });
    }
    const scores = loop.evaluate();
    const record: EpochRecord = {
      epoch,
      loss: lossSum / stepsPerEpoch,
      validationAccuracy: scores.validationAccuracy,
      ...(scores.testAccuracy !== undefined ? { testAccuracy: scores.testAccuracy } : {}),
      seconds: (performance.now() - epochStart) / 1000,
    };
    history.push(record);
    const isBest = !best || scores.validationAccuracy > best.accuracy;
    if (isBest) best = { epoch, accuracy: scores.validationAccuracy, weights: loop.snapshot() };
    callbacks.onEpoch?.(record, isBest);
  }
  return { weights: best!.weights, bestEpoch: best!.epoch, history, seconds: (performance.now() - started) / 1000 };
}
