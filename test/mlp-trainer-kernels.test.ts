import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KERNELS_WASM_PATH, buildKernels } from '../workloads/models/training/kernels/build.ts';

test('rebuilding the AssemblyScript kernels reproduces the committed mlp-kernels.wasm byte for byte', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'parm-bench-kernels-'));
  try {
    const outFile = join(dir, 'mlp-kernels.wasm');
    buildKernels(outFile);
    const rebuilt = await readFile(outFile);
    const committed = await readFile(KERNELS_WASM_PATH);
    assert.ok(rebuilt.length > 1000, `suspiciously small kernel binary: ${rebuilt.length} bytes`);
    assert.ok(
      rebuilt.equals(committed),
      `the committed ${KERNELS_WASM_PATH} (${committed.length} bytes) differs from a fresh build (${rebuilt.length} bytes): run npm run build:kernels`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the committed kernels validate as WebAssembly with SIMD and export every kernel', async () => {
  const bytes = new Uint8Array(await readFile(KERNELS_WASM_PATH));
  assert.ok(WebAssembly.validate(bytes));
  const module = new WebAssembly.Module(bytes);
  const names = WebAssembly.Module.exports(module).map((e) => e.name).sort();
  assert.deepEqual(names, [
    'adamStep', 'crossEntropyLoss', 'denseBiasGrad', 'denseForward', 'denseInputGradRelu',
    'denseWeightGrad', 'heapBase', 'memory', 'mseLoss',
  ]);
  assert.deepEqual(WebAssembly.Module.imports(module), [], 'the kernels must not need imports');
});
