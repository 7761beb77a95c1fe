/**
 * ONNX export of parm-bench's small CNN (see cnn-weights.ts): input "input" [N, C, H, W],
 * per stage Conv - Relu - MaxPool 2x2, then Flatten and Gemm (transB = 1) to "logits" [N, classes].
 */
import { type CnnWeights, validateCnnWeights } from '../cnn-weights.ts';
import { MODEL_INPUT_NAME, MODEL_OUTPUT_NAME, OnnxGraphBuilder, intAttr, intsAttr } from './graph-builder.ts';

export interface CnnOnnxOptions {
  readonly metadata?: Readonly<Record<string, string>>;
  readonly docString?: string;
  readonly producerVersion?: string;
}

export function buildCnnOnnx(weights: CnnWeights, options: CnnOnnxOptions = {}): Uint8Array {
  return cnnOnnxGraph(weights).serialize(options);
}

/** The CNN graph before serialisation. */
export function cnnOnnxGraph(weights: CnnWeights): OnnxGraphBuilder {
  validateCnnWeights(weights);
  const g = new OnnxGraphBuilder('parm_bench_cnn');
  let x = g.addInput(MODEL_INPUT_NAME, ['N', ...weights.inputShape]);
  weights.convs.forEach((conv, i) => {
    const w = g.addInitializer(`conv${i}.weight`, [conv.outChannels, conv.inChannels, conv.kernel, conv.kernel], conv.weight);
    const b = g.addInitializer(`conv${i}.bias`, [conv.outChannels], conv.bias);
    x = g.addNode('Conv', [x, w, b], {
      kernel_shape: intsAttr([conv.kernel, conv.kernel]),
      pads: intsAttr([conv.pad, conv.pad, conv.pad, conv.pad]),
      strides: intsAttr([1, 1]),
    });
    x = g.addNode('Relu', [x]);
    x = g.addNode('MaxPool', [x], { kernel_shape: intsAttr([2, 2]), strides: intsAttr([2, 2]) });
  });
  x = g.addNode('Flatten', [x], { axis: intAttr(1) });
  const d = weights.dense;
  const w = g.addInitializer('dense.weight', [d.outputs, d.inputs], d.weight);
  const b = g.addInitializer('dense.bias', [d.outputs], d.bias);
  g.addNode('Gemm', [x, w, b], { transB: intAttr(1) }, [MODEL_OUTPUT_NAME]);
  g.addOutput(MODEL_OUTPUT_NAME, ['N', d.outputs]);
  return g;
}
