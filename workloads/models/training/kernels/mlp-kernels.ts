/**
 * Loads the committed WebAssembly training kernels (mlp-kernels.wasm, built from assembly/ by
 * build.ts) and gives them typed signatures. Each instance owns its own linear memory.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** The exports of mlp-kernels.wasm; every pointer is a byte offset into `memory`. */
export interface MlpKernels {
  readonly memory: WebAssembly.Memory;
  /** First free byte of linear memory (after the module's static data). */
  heapBase(): number;
  denseForward(x: number, w: number, bias: number, y: number, rows: number, inWidth: number, outWidth: number, relu: number): void;
  denseWeightGrad(dy: number, x: number, dw: number, rows: number, inWidth: number, outWidth: number): void;
  denseBiasGrad(dy: number, db: number, rows: number, outWidth: number): void;
  denseInputGradRelu(dy: number, w: number, x: number, dx: number, rows: number, inWidth: number, outWidth: number): void;
  mseLoss(y: number, targets: number, dy: number, rows: number, paddedRows: number, outs: number, outWidth: number): number;
  crossEntropyLoss(y: number, labels: number, dy: number, rows: number, paddedRows: number, outs: number, outWidth: number): number;
  adamStep(
    params: number, grads: number, m: number, v: number, count: number,
    stepSize: number, biasCorrection2Sqrt: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number,
    epsilon: number, weightDecay: number,
  ): void;
}

const WASM_URL = new URL('./mlp-kernels.wasm', import.meta.url);
const EXPORT_NAMES = [
  'memory', 'heapBase', 'denseForward', 'denseWeightGrad', 'denseBiasGrad', 'denseInputGradRelu',
  'mseLoss', 'crossEntropyLoss', 'adamStep',
] as const;

let compiled: Promise<WebAssembly.Module> | undefined;

async function compileOnce(): Promise<WebAssembly.Module> {
  const path = fileURLToPath(WASM_URL);
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (err) {
    throw new Error(`cannot read the training kernels at ${path} (${(err as Error).message}); rebuild them with: npm run build:kernels`);
  }
  try {
    return await WebAssembly.compile(bytes);
  } catch (err) {
    throw new Error(`the training kernels at ${path} do not compile (${(err as Error).message}); this needs WebAssembly SIMD (Node >= 16.4); rebuild with: npm run build:kernels`);
  }
}

/** A fresh kernel instance with its own memory (the module is compiled once per process). */
export async function instantiateMlpKernels(): Promise<MlpKernels> {
  compiled ??= compileOnce();
  let module: WebAssembly.Module;
  try {
    module = await compiled;
  } catch (err) {
    compiled = undefined;
    throw err;
  }
  const instance = await WebAssembly.instantiate(module, {});
  const exports = instance.exports as Record<string, unknown>;
  for (const name of EXPORT_NAMES) {
    if (!(name in exports)) throw new Error(`mlp-kernels.wasm lacks the export '${name}'; rebuild with: npm run build:kernels`);
  }
  return exports as unknown as MlpKernels;
}
