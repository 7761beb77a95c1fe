import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { isEncoderKind } from '../../systems/parm/create-encoder.ts';
import type { EncoderKind } from '../../systems/parm/encoder.ts';
import { DATASET_NAMES, type DatasetName } from '../datasets/dataset-names.ts';

/**
 * A model set: the deployed model F, its parity models Fp (one per k and encoder) and an
 * optional approximate-backup model, named by a manifest (JSON). Files are ONNX, given relative
 * to the manifest or absolute, so a manifest can point at models trained elsewhere
 * ("bring your own model"). Training settings (architecture, epochs, seed) are optional: they
 * are what `npm run train` uses to (re)make a model; a model without them can be evaluated but
 * not retrained.
 */
export const MODEL_SET_SCHEMA = 'parm-bench/model-set@1';

export type ModelRole = 'deployed' | 'backup' | 'parity';

export interface ModelRecipe {
  /** Layer widths of an MLP, input to output. */
  readonly architecture?: readonly number[];
  readonly epochs?: number;
  readonly seed?: number;
}

export interface ModelEntry extends ModelRecipe {
  readonly role: ModelRole;
  /** As written in the manifest. */
  readonly file: string;
  /** Resolved absolute path. */
  readonly path: string;
}

export interface ParityEntry extends ModelEntry {
  readonly role: 'parity';
  readonly k: number;
  readonly encoder: EncoderKind;
}

export interface ModelSet {
  readonly manifestPath: string;
  readonly name: string;
  readonly description: string;
  /** The dataset whose test split the models are evaluated on. */
  readonly dataset: DatasetName;
  readonly classes: number;
  /** Per-sample [channels, height, width] as the dataset gives it (pixels in [0, 1]). */
  readonly sampleShape: readonly [number, number, number];
  /** Optional per-channel normalisation applied to every input before any model sees it. */
  readonly normalize?: { readonly mean: readonly number[]; readonly std: readonly number[] };
  readonly deployed: ModelEntry;
  readonly backup?: ModelEntry;
  readonly parity: readonly ParityEntry[];
}

export class ModelSetError extends Error {
  constructor(manifestPath: string, field: string, problem: string) {
    super(`model manifest ${manifestPath}: ${field}: ${problem}`);
    this.name = 'ModelSetError';
  }
}

const TOP_KEYS = ['schema', 'name', 'description', 'dataset', 'classes', 'sampleShape', 'normalize', 'deployed', 'backup', 'parity'];
const ENTRY_KEYS = ['file', 'architecture', 'epochs', 'seed'];
const PARITY_KEYS = [...ENTRY_KEYS, 'k', 'encoder'];

export function loadModelSet(manifestPath: string): ModelSet {
  const path = resolve(manifestPath);
  if (!existsSync(path)) throw new ModelSetError(path, '(file)', 'not found');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ModelSetError(path, '(file)', `not valid JSON: ${(error as Error).message}`);
  }
  return parseModelSet(raw, path);
}

export function parseModelSet(raw: unknown, manifestPath: string): ModelSet {
  const fail = (field: string, problem: string): never => {
    throw new ModelSetError(manifestPath, field, problem);
  };
  const obj = asObject(raw, '(top level)', fail);
  rejectUnknown(obj, TOP_KEYS, '', fail);
  if (obj.schema !== MODEL_SET_SCHEMA) fail('schema', `expected "${MODEL_SET_SCHEMA}", found ${JSON.stringify(obj.schema)}`);
  const name = asString(obj.name, 'name', fail);
  const description = obj.description === undefined ? '' : asString(obj.description, 'description', fail);
  const dataset = asString(obj.dataset, 'dataset', fail) as DatasetName;
  if (!DATASET_NAMES.includes(dataset)) fail('dataset', `expected one of ${DATASET_NAMES.join(', ')}, found "${dataset}"`);
  const classes = asPositiveInt(obj.classes, 'classes', fail);
  const shape = obj.sampleShape;
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((v) => Number.isInteger(v) && v > 0)) {
    fail('sampleShape', `expected [channels, height, width] of positive integers, found ${JSON.stringify(shape)}`);
  }
  const sampleShape = shape as [number, number, number];
  let normalize: ModelSet['normalize'];
  if (obj.normalize !== undefined) {
    const n = asObject(obj.normalize, 'normalize', fail);
    rejectUnknown(n, ['mean', 'std'], 'normalize.', fail);
    const mean = asNumberArray(n.mean, 'normalize.mean', sampleShape[0], fail);
    const std = asNumberArray(n.std, 'normalize.std', sampleShape[0], fail);
    if (std.some((s) => s <= 0)) fail('normalize.std', 'every value must be > 0');
    normalize = { mean, std };
  }
  const base = dirname(manifestPath);
  const entry = (value: unknown, field: string, role: ModelRole, keys: string[]): ModelEntry => {
    const e = asObject(value, field, fail);
    rejectUnknown(e, keys, `${field}.`, fail);
    const file = asString(e.file, `${field}.file`, fail);
    const result: ModelEntry = {
      role,
      file,
      path: isAbsolute(file) ? file : resolve(base, file),
      ...(e.architecture !== undefined ? { architecture: asArchitecture(e.architecture, `${field}.architecture`, fail) } : {}),
      ...(e.epochs !== undefined ? { epochs: asPositiveInt(e.epochs, `${field}.epochs`, fail) } : {}),
      ...(e.seed !== undefined ? { seed: asSeed(e.seed, `${field}.seed`, fail) } : {}),
    };
    if (result.architecture) {
      const inputs = sampleShape[0] * sampleShape[1] * sampleShape[2];
      if (result.architecture[0] !== inputs) {
        fail(`${field}.architecture`, `first width ${result.architecture[0]} does not match sampleShape (${inputs} values)`);
      }
      if (result.architecture[result.architecture.length - 1] !== classes) {
        fail(`${field}.architecture`, `last width ${result.architecture[result.architecture.length - 1]} does not match classes (${classes})`);
      }
    }
    return result;
  };
  const deployed = entry(obj.deployed, 'deployed', 'deployed', ENTRY_KEYS);
  const backup = obj.backup === undefined ? undefined : entry(obj.backup, 'backup', 'backup', ENTRY_KEYS);
  const parityRaw = obj.parity === undefined ? [] : obj.parity;
  if (!Array.isArray(parityRaw)) fail('parity', 'expected a list of parity models');
  const seen = new Set<string>();
  const parity = (parityRaw as unknown[]).map((value, i): ParityEntry => {
    const field = `parity[${i}]`;
    const base = entry(value, field, 'parity', PARITY_KEYS);
    const e = value as Record<string, unknown>;
    const k = asPositiveInt(e.k, `${field}.k`, fail);
    if (k < 2) fail(`${field}.k`, `must be at least 2, found ${k}`);
    if (!isEncoderKind(e.encoder)) fail(`${field}.encoder`, `expected "addition" or "concatenation", found ${JSON.stringify(e.encoder)}`);
    const encoder = e.encoder as EncoderKind;
    if (encoder === 'concatenation' && k !== 2 && k !== 4) fail(`${field}.k`, `the concatenation encoder supports k = 2 or 4, found ${k}`);
    const key = `${k}/${encoder}`;
    if (seen.has(key)) fail(field, `a second parity model for k = ${k} with the ${encoder} encoder`);
    seen.add(key);
    return { ...base, role: 'parity', k, encoder };
  });
  return {
    manifestPath,
    name,
    description,
    dataset,
    classes,
    sampleShape,
    ...(normalize ? { normalize } : {}),
    deployed,
    ...(backup ? { backup } : {}),
    parity,
  };
}

/** Every model of the set, deployed first. */
export function modelEntries(set: ModelSet): ModelEntry[] {
  return [set.deployed, ...(set.backup ? [set.backup] : []), ...set.parity];
}

/** A short, stable label for a model of the set: "deployed", "backup", "parity k=2 addition". */
export function entryLabel(entry: ModelEntry): string {
  return entry.role === 'parity' ? `parity k=${(entry as ParityEntry).k} ${(entry as ParityEntry).encoder}` : entry.role;
}

type Fail = (field: string, problem: string) => never;

function asObject(value: unknown, field: string, fail: Fail): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(field, `expected an object, found ${JSON.stringify(value)}`);
  return value as Record<string, unknown>;
}

function rejectUnknown(obj: Record<string, unknown>, allowed: string[], prefix: string, fail: Fail): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) fail(`${prefix}${key}`, `unknown key (allowed: ${allowed.join(', ')})`);
  }
}

function asString(value: unknown, field: string, fail: Fail): string {
  if (typeof value !== 'string' || value.length === 0) fail(field, `expected a non-empty string, found ${JSON.stringify(value)}`);
  return value as string;
}

function asPositiveInt(value: unknown, field: string, fail: Fail): number {
  if (!Number.isInteger(value) || (value as number) < 1) fail(field, `expected a positive integer, found ${JSON.stringify(value)}`);
  return value as number;
}

function asSeed(value: unknown, field: string, fail: Fail): number {
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 0xffffffff) {
    fail(field, `expected an integer from 0 to 4294967295, found ${JSON.stringify(value)}`);
  }
  return value as number;
}

function asNumberArray(value: unknown, field: string, length: number, fail: Fail): number[] {
  if (!Array.isArray(value) || value.length !== length || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    fail(field, `expected ${length} numbers (one per channel), found ${JSON.stringify(value)}`);
  }
  return value as number[];
}

function asArchitecture(value: unknown, field: string, fail: Fail): number[] {
  if (!Array.isArray(value) || value.length < 2 || !value.every((v) => Number.isInteger(v) && v > 0)) {
    fail(field, `expected layer widths such as [784, 200, 100, 10], found ${JSON.stringify(value)}`);
  }
  return value as number[];
}
