/**
 * Entry point of the MLP training kernels (compiled to mlp-kernels.wasm by ../build.ts).
 * Every pointer is a byte offset into the exported linear memory, which the engine lays out
 * itself from heapBase() on; no kernel allocates.
 */
export { denseForward } from './dense-forward';
export { denseWeightGrad, denseBiasGrad, denseInputGradRelu } from './dense-backward';
export { mseLoss, crossEntropyLoss } from './losses';
export { adamStep } from './adam';

/** First byte of linear memory that no static data of this module uses. */
export function heapBase(): usize {
  return __heap_base;
}
