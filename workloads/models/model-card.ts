import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { EncoderKind } from '../../systems/parm/encoder.ts';
import type { AdamOptions } from './training/mlp-trainer.ts';
import type { EpochRecord } from './training/training-history.ts';
import type { ModelRole } from './model-set.ts';

/**
 * What `npm run train` records beside each model it writes (`<model>.card.json`): how it was
 * made (command, seed, epochs, recipe, dataset checksums) and what it measured, so that a
 * committed model can be trusted and remade.
 */
export const MODEL_CARD_SCHEMA = 'parm-bench/model-card@1';

export interface ModelCard {
  readonly schema: typeof MODEL_CARD_SCHEMA;
  readonly role: ModelRole;
  readonly modelSet: string;
  readonly file: string;
  readonly sha256: string;
  readonly architecture: readonly number[];
  readonly k?: number;
  readonly encoder?: EncoderKind;
  /** The command that made this model (run from the repository root). */
  readonly command: string;
  readonly seed: number;
  readonly epochs: number;
  readonly bestEpoch: number;
  readonly recipe: {
    readonly loss: 'cross-entropy' | 'mse-to-sum-of-deployed-logits';
    readonly init: string;
    readonly optimizer: 'adam';
    readonly adam: AdamOptions;
    readonly batch: number;
    readonly batchUnit: 'images' | 'coding groups';
    readonly selection: string;
  };
  readonly dataset: {
    readonly name: string;
    readonly trainChecksum: string;
    readonly testChecksum: string;
    readonly trainImages: number;
    readonly validationImages: number;
    readonly testImages: number;
  };
  /** For deployed and backup: top-1. For parity: degraded-mode accuracy of reconstructions. */
  readonly accuracy: {
    readonly validation: number;
    readonly test: number;
    /** Parity only: how often the reconstruction's argmax equals the deployed model's own prediction (test). */
    readonly testAgreement?: number;
  };
  readonly history: readonly EpochRecord[];
  readonly trainingSeconds: number;
  readonly createdAt: string;
  readonly software: Record<string, string>;
}

export function cardPathFor(modelPath: string): string {
  return modelPath.replace(/\.onnx$/i, '') + '.card.json';
}

export function readModelCard(modelPath: string): ModelCard | undefined {
  const path = cardPathFor(modelPath);
  if (!existsSync(path)) return undefined;
  const card = JSON.parse(readFileSync(path, 'utf8')) as ModelCard;
  if (card.schema !== MODEL_CARD_SCHEMA) {
    throw new Error(`model card ${path}: schema: expected "${MODEL_CARD_SCHEMA}", found ${JSON.stringify(card.schema)}`);
  }
  return card;
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
