/**
 * Compiles the AssemblyScript training kernels (assembly/index.ts) to mlp-kernels.wasm beside
 * this file, with fixed flags so that the committed binary can be rebuilt byte for byte.
 * Run: npm run build:kernels
 *
 * The compiler runs in a child node process without the tsx loader: loading the compiler's
 * large binaryen.js through tsx takes about 10 s, plain node about 1 s.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The committed kernel binary that MlpTrainer loads. */
export const KERNELS_WASM_PATH = fileURLToPath(new URL('./mlp-kernels.wasm', import.meta.url));

const ENTRY_PATH = fileURLToPath(new URL('./assembly/index.ts', import.meta.url));

/** Compiler flags: speed-optimised, SIMD128, no runtime beyond a stub, no assertion traps. */
export const KERNEL_COMPILER_FLAGS: readonly string[] = [
  '-O3',
  '--enable', 'simd',
  '--runtime', 'stub',
  '--noAssert',
];

/** Compiles the kernels to outFile (default: the committed path); throws with the compiler's messages on error. */
export function buildKernels(outFile: string = KERNELS_WASM_PATH): void {
  const ascCli = fileURLToPath(import.meta.resolve('assemblyscript/bin/asc.js'));
  mkdirSync(dirname(outFile), { recursive: true });
  // The entry is given relative to the working directory so that nothing of the absolute path
  // of this checkout can reach the output.
  const entry = relative(process.cwd(), ENTRY_PATH);
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const result = spawnSync(
    process.execPath,
    ['--enable-source-maps', ascCli, entry, ...KERNEL_COMPILER_FLAGS, '--outFile', outFile],
    { encoding: 'utf8', env, maxBuffer: 16 * 1024 * 1024 },
  );
  if (result.error) throw new Error(`cannot run the AssemblyScript compiler (${ascCli}): ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`AssemblyScript compilation of ${ENTRY_PATH} failed (exit ${result.status ?? result.signal}):\n${result.stderr}${result.stdout}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildKernels();
  console.log(`wrote ${KERNELS_WASM_PATH}`);
}
