/**
 * A small seeded MLP written as an ONNX file, for the instance server and backend tests:
 * input "input" [N, 1, 8, 8], output "logits" [N, 5] (by default).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRandom } from '../../harness/seeded-random.ts';
import type { DenseLayer } from '../../workloads/models/mlp-weights.ts';
import { buildMlpOnnx } from '../../workloads/models/onnx/mlp-graph.ts';

export interface TestModelFiles {
  readonly dir: string;
  /** The ONNX model. */
  readonly path: string;
  /** A file that is not an ONNX model. */
  readonly corruptPath: string;
  readonly inputShape: readonly number[];
  readonly inputSize: number;
  readonly outputSize: number;
  /** Removes the folder. */
  remove(): void;
}

export function writeTestModel(options: { seed?: number; inputShape?: readonly number[]; hidden?: number; classes?: number } = {}): TestModelFiles {
  const inputShape = options.inputShape ?? [1, 8, 8];
  const inputSize = inputShape.reduce((a, b) => a * b, 1);
  const sizes = [inputSize, options.hidden ?? 16, options.classes ?? 5];
  const rng = new SeededRandom(options.seed ?? 7);
  const layers: DenseLayer[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const [inputs, outputs] = [sizes[i], sizes[i + 1]];
    const weight = new Float32Array(inputs * outputs).map(() => Math.sqrt(2 / inputs) * rng.nextNormal());
    const bias = new Float32Array(outputs).map(() => 0.1 * rng.nextNormal());
    layers.push({ inputs, outputs, weight, bias });
  }
  const dir = mkdtempSync(join(tmpdir(), 'parm-bench-instance-'));
  const path = join(dir, 'test-mlp.onnx');
  writeFileSync(path, buildMlpOnnx({ layers }, { inputShape }));
  const corruptPath = join(dir, 'corrupt.onnx');
  writeFileSync(corruptPath, 'this is not an ONNX model');
  return {
    dir,
    path,
    corruptPath,
    inputShape,
    inputSize,
    outputSize: sizes[sizes.length - 1],
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Seeded inputs in [0, 1). */
export function randomInputs(seed: number, count: number): Float32Array {
  const rng = new SeededRandom(seed);
  return new Float32Array(count).map(() => rng.next());
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
